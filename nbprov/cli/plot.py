"""``--plot FILE`` of ``nbprov trials`` and ``nbprov compare``: the option, and the charts
written through :mod:`nbprov.render.chart_files`.

Import-light on purpose: the commands' modules import this one to build their parsers.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from typing import Any

from nbprov.cli.common import CommandError


def add_plot_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--plot",
        metavar="FILE",
        help=f"also write charts of {what} (parallel coordinates; each metric against each "
        "hyperparameter) to FILE: .json (a Vega-Lite spec), .html (a page that draws it with "
        "vega-embed, loaded from the jsDelivr CDN) or .svg (needs pip install 'nbprov[plot]')",
    )


def check_plot(args: argparse.Namespace) -> None:
    """A bad --plot file fails before the command does any work."""
    if args.plot is None:
        return
    from nbprov.render.chart_files import ChartFileError, check_chart_path

    try:
        check_chart_path(args.plot)
    except ChartFileError as exc:
        raise CommandError(f"--plot: {exc}") from exc


def write_plot(
    args: argparse.Namespace,
    trials: Sequence[Mapping[str, Any]],
    title: str,
    highlight: Sequence[int] = (),
) -> None:
    """Write the charts of ``trials`` to the --plot file (nothing without --plot)."""
    if args.plot is None:
        return
    from nbprov.render.chart_files import WIDTH, ChartFileError, combined_spec, write_charts
    from nbprov.render.vegalite import charts

    spec = combined_spec(charts(trials, highlight, width=WIDTH), title)
    if spec is None:
        raise CommandError(
            "--plot: nothing to chart: tag numeric hyperparameters and metrics "
            "(parallel coordinates need two trials)"
        )
    try:
        write_charts(args.plot, spec)
    except ChartFileError as exc:
        raise CommandError(f"--plot: {exc}") from exc
