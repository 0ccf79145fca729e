"""``nbprov sweep`` and ``nbprov study``: parse the arguments, run the search, render.

Import-light: the ``nbprov`` command imports this module to build its parser; Optuna and
Ray load only when a search runs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from nbprov.cli.common import CommandError
from nbprov.runs.sweep.options import add_to_parser


def cmd_sweep(args: argparse.Namespace) -> int:
    from nbprov.runs.sweep.search import SweepError, run_search

    try:
        status, _ = run_search(args)
    except SweepError as exc:
        raise CommandError(str(exc)) from exc
    return status


def cmd_study(args: argparse.Namespace) -> int:
    from nbprov.render.tables import render, to_json
    from nbprov.runs.batch import default_store
    from nbprov.runs.sweep.results import print_summary, study_summary
    from nbprov.runs.sweep.study import StudyError, load_study, study_names

    db = default_store(args.db)
    try:
        if args.study is None:
            names = study_names(db)
            if args.format == "json":
                print(to_json(names))
            elif not names:
                print("no studies in this store yet (nbprov sweep makes them)", file=sys.stderr)
            else:
                print(render(args.format, ["study"], [[n] for n in names]))
            return 0
        study, spec = load_study(db, args.study)
    except StudyError as exc:
        raise CommandError(str(exc)) from exc
    summary = study_summary(study, spec, db)
    if args.format == "json":
        print(to_json(summary))
    else:
        print_summary(summary, db, args.format, sys.stdout)
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov sweep`` and ``nbprov study``."""
    p = subparsers.add_parser(
        "sweep",
        parents=[common],
        help="search a notebook's hyperparameters with Optuna; every point a trial",
        description=(
            "Run NOTEBOOK at points of a search space chosen by an Optuna sampler, each "
            "point a recorded trial linked to the study. The objective is the recorded "
            "value of the tagged --metric. The study is kept in the store's database: "
            "--resume continues it."
        ),
    )
    add_to_parser(p)
    p.set_defaults(handler=cmd_sweep)

    p = subparsers.add_parser(
        "study",
        parents=[common],
        help="a search's best trials, best parameters and parameter importance",
        description="Show a study made by nbprov sweep; without STUDY, list the studies.",
    )
    p.add_argument("study", nargs="?", help="the study's name")
    p.set_defaults(handler=cmd_study)
