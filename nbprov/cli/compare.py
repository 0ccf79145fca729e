"""``nbprov compare``: parse the arguments, call :mod:`nbprov.core.compare`, render the answer.

Import-light on purpose: the ``nbprov`` command imports this module to build its parser.
"""

from __future__ import annotations

import argparse
from typing import Any

from nbprov.cli.plot import add_plot_option, check_plot, write_plot
from nbprov.render.comparison import DEFAULT_PRECISION, print_result
from nbprov.store import store_session


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add the ``compare`` subcommand."""
    p = subparsers.add_parser(
        "compare",
        parents=[common],
        help="compare trials: hyperparams, metrics, code, environment",
        description=(
            "Compare two or more trials in one table, a column per trial. The first trial is "
            "the baseline: numeric rows show the change against it, absolute and relative. "
            "Only rows that differ are shown unless --all."
        ),
    )
    p.add_argument(
        "trials", nargs="+", metavar="TRIAL", help="id, name, 'latest', or -1 / -2 ... (2 or more)"
    )
    p.add_argument("--all", action="store_true", help="show every row, not only those that differ")
    p.add_argument("--keep", metavar="REGEX", help="only rows whose name or group.name matches")
    p.add_argument(
        "--drop", metavar="REGEX", help="leave out rows whose name or group.name matches"
    )
    p.add_argument(
        "--sort-by",
        metavar="KEY",
        help="order rows within each group by name, delta, relative_delta or value "
        "(prefix - to reverse; delta sorts the biggest change first)",
    )
    p.add_argument(
        "--precision",
        type=int,
        default=DEFAULT_PRECISION,
        metavar="N",
        help=f"significant digits (default {DEFAULT_PRECISION})",
    )
    p.add_argument("--code", action="store_true", help="print unified diffs of changed cells")
    p.add_argument(
        "--why",
        metavar="METRIC",
        help="list the cells in METRIC's backward slice whose code or inputs differ "
        "(first two trials)",
    )
    add_plot_option(p, "every trial of the first trial's notebook, the compared ones marked")
    p.set_defaults(handler=cmd_compare)


def cmd_compare(args: argparse.Namespace) -> int:
    from nbprov.cli.common import CommandError
    from nbprov.core.compare.facts import CompareError
    from nbprov.core.compare.rows import compare_trials
    from nbprov.core.compare.selection import charted_trials
    from nbprov.core.compare.why import why_in_session

    if len(args.trials) < 2:
        raise CommandError("compare needs at least two trials (for example: compare -2 -1)")
    if not 1 <= args.precision <= 17:  # a float has at most 17 significant digits
        raise CommandError("--precision must be between 1 and 17")
    check_plot(args)
    charted: list[dict[str, Any]] = []
    try:
        with store_session(args.db) as session:
            result = compare_trials(
                session,
                args.trials,
                show_all=args.all,
                keep=args.keep,
                drop=args.drop,
                sort_by=args.sort_by,
                diff=args.code,
            )
            if args.why:
                result["why"] = why_in_session(session, args.trials[0], args.trials[1], args.why)
            if args.plot is not None:
                charted = charted_trials(session, result["trials"])
    except CompareError as exc:
        raise CommandError(str(exc)) from exc
    print_result(result, args.format, args.precision)
    compared = ", ".join(f"#{i}" for i in result["trials"])
    write_plot(args, charted, f"trials compared: {compared}", highlight=result["trials"])
    return 0
