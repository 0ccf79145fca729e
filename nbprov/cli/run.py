"""``nbprov run``: execute a notebook headless as a recorded trial, with parameters or grids.

``nbprov run NOTEBOOK -p alpha 0.5`` injects ``alpha = 0.5`` after the cell tagged
``parameters`` (papermill's convention), runs the notebook in a fresh kernel with nbprov
loaded (see :mod:`nbprov.runs.execute`), and prints the new trial's id and tagged metrics.
``--grid alpha=0.1,1 --grid seed=1,2 --jobs 2`` runs every combination as its own trial,
several at a time on the engine of ``nbprov sweep`` (worker processes, or Ray tasks with
``--ray``), then shows the trials side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from nbprov.render.terminal import cut, cut_left, raw_stream
from nbprov.runs.batch import (
    Progress,
    RunRecord,
    RunRequest,
    default_store,
    grid_requests,
    run_one,
)
from nbprov.runs.execute import notebook_problem
from nbprov.runs.params import (
    GridError,
    grid_points,
    parse_grid,
    parse_parameters,
)
from nbprov.runs.report import show_trials
from nbprov.runs.sweep.driver import run_requests
from nbprov.runs.sweep.engine import EngineError

# -- rendering ----------------------------------------------------------------------------


def _value_text(value: Any) -> str:
    from nbprov.render.tables import format_value

    return format_value(value)


def print_record(record: RunRecord, out: TextIO) -> None:
    from nbprov.render.tables import terminal_width

    width = terminal_width()
    trial = "no trial recorded" if record.trial is None else f"trial {record.trial}"
    named = f" ({record.name})" if record.name else ""
    print(cut(f"{trial}{named}: {record.status}", width), file=out)
    for title, values in (("hyperparams", record.hyperparams), ("metrics", record.metrics)):
        if values:
            print(f"  {title}:", file=out)
            for key in sorted(values):
                print(cut(f"    {key} = {_value_text(values[key])}", width), file=out)
    if record.output:
        print(f"  output: {cut_left(record.output, width - 10)}", file=out)


# -- the command ------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace) -> int:
    from nbprov.cli.common import CommandError

    notebook = Path(args.notebook)
    if not notebook.is_file():
        raise CommandError(f"no notebook at {notebook}")
    problem = notebook_problem(notebook)
    if problem is not None:
        raise CommandError(f"{notebook} is not a notebook: {problem}")
    try:
        params = parse_parameters(args.parameter or [])
        grids = [parse_grid(spec) for spec in args.grid or []]
        points = grid_points(grids, base=params) if grids else []
    except GridError as exc:
        raise CommandError(str(exc)) from exc
    if args.jobs < 1:
        raise CommandError("--jobs must be at least 1")
    db = default_store(args.db)
    timeout = args.timeout if args.timeout > 0 else None

    if not grids:
        record = run_one(
            RunRequest(
                notebook=str(notebook),
                db=db,
                parameters=params,
                name=args.name,
                output=args.output,
                timeout=timeout,
            )
        )
        if args.format == "json":
            print(json.dumps(record.to_json(), indent=2, default=str))
        else:
            print_record(record, sys.stdout)
        if not record.ok:
            print(f"nbprov run: {record.error}", file=sys.stderr)
            return 1
        return 0

    names = [name for name, _ in grids]
    requests = grid_requests(
        str(notebook),
        db,
        points,
        names,
        name=args.name,
        output_dir=args.output,
        timeout=timeout,
    )
    # The bar redraws itself with control codes of its own: it writes past the filter.
    progress = None if args.quiet else Progress(len(requests), raw_stream(sys.stderr))
    try:
        records = run_requests(requests, jobs=args.jobs, progress=progress, ray=args.ray)
    except EngineError as exc:
        raise CommandError(str(exc)) from exc
    failed = [r for r in records if not r.ok]
    for record in failed:
        print(f"nbprov run: {record.name}: {record.error}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([r.to_json() for r in records], indent=2, default=str))
    else:
        ids = [r.trial for r in records if r.trial is not None]
        if ids:
            show_trials(ids, db, args.format)
    return 1 if failed else 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov run`` to the ``nbprov`` command."""
    p = subparsers.add_parser(
        "run",
        parents=[common],
        help="run a notebook headless as a recorded trial, with parameters or a grid",
        description=(
            "Execute NOTEBOOK in a fresh kernel with nbprov loaded, as a new trial. "
            "Parameters are injected after the cell tagged 'parameters'. With --grid, "
            "every combination runs as its own trial and the trials are compared."
        ),
    )
    p.add_argument("notebook", help="the .ipynb file to run")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set a parameter (typed as int, float, bool, None, else str); repeatable",
    )
    p.add_argument("--name", help="the trial's name (with --grid: the prefix of each name)")
    p.add_argument(
        "--output",
        help="write the executed notebook here (with --grid: a directory for all of them)",
    )
    p.add_argument(
        "--grid",
        action="append",
        metavar="NAME=V1,V2,...",
        help="run every value of a parameter; several --grid run their cross product",
    )
    p.add_argument(
        "-j", "--jobs", type=int, default=1, help="grid trials run at a time (default: 1)"
    )
    p.add_argument(
        "--timeout", type=int, default=600, help="per-cell timeout in seconds, 0 for none"
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run grid trials as Ray tasks: on the cluster at ADDRESS, else a local Ray",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar for a grid")
    p.set_defaults(handler=cmd_run)
