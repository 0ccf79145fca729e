"""The options of a search, declared once for both fronts: ``nbprov sweep`` adds them to
its argparse parser, ``%sweep`` turns them into IPython ``magic_arguments``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Option = tuple[tuple[str, ...], dict[str, Any]]

# Here, not beside the code that uses them: declaring the options (as %sweep does when
# nbprov loads) must not import Optuna, nbformat or SQLAlchemy.
DEFAULT_TRIALS = 20
SAMPLERS = ("tpe", "random", "grid", "cmaes")


def declare(add: Callable[..., Any]) -> None:
    """Call ``add(*flags, **settings)`` (argparse's ``add_argument``) for each option."""
    add("notebook", help="the .ipynb file to run at each point")
    add(
        "--param",
        action="append",
        metavar="NAME=SPACE",
        help="a searched parameter: float:LOW:HIGH, log:LOW:HIGH, int:LOW:HIGH, "
        "choice:A,B,C, or A,B,C (the values of a grid); repeatable",
    )
    add(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a parameter fixed at every point (typed as nbprov run types it); repeatable",
    )
    add("--metric", help="the tagged metric to optimise (its recorded value)")
    add(
        "--direction",
        choices=["max", "min"],
        help="maximise or minimise (default: as the notebook tags the metric, else max)",
    )
    add(
        "--trials",
        type=int,
        help=f"points to run now (default {DEFAULT_TRIALS}; a grid: all it has left)",
    )
    add("--sampler", choices=SAMPLERS, help="Optuna's sampler (default tpe)")
    add(
        "-j", "--jobs", type=int, help="points at a time (default 1; with --ray the cluster's CPUs)"
    )
    add("--name", help="the study's name (default NOTEBOOK-DATE-TIME)")
    add("--resume", action="store_true", help="continue the study --name names")
    add(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run points as Ray tasks: on the cluster at ADDRESS, else a local Ray instance",
    )
    add("--seed", type=int, help="the sampler's random seed")
    add("--timeout", type=int, default=600, help="per-cell timeout in seconds, 0 for none")
    add("-q", "--quiet", action="store_true", help="no progress bar")


def add_to_parser(parser: Any) -> None:
    """Add the options to an argparse parser."""
    declare(parser.add_argument)


def options() -> list[Option]:
    """The options as (flags, settings) pairs, in the order they are declared."""
    found: list[Option] = []
    declare(lambda *flags, **settings: found.append((flags, settings)))
    return found
