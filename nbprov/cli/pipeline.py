"""``nbprov pipeline``: the shell front over :func:`nbprov.core.pipeline.plan_pipeline`.

``nbprov pipeline TRIAL TARGET [TARGET ...] -o DIR [--name PKG] [--verify] [--graph FILE]``
writes the package from the store alone. ``--verify`` runs its tests in a fresh
interpreter (exit 0 when every target matches, 1 listing those that differ). ``--graph``
draws the stage DAG: ``FILE.svg`` through Graphviz, ``FILE.dot`` as DOT, ``-`` as text.
``--format json`` prints the stages, edges, parameters and the verification as JSON.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from nbprov.cli.common import DB_HELP, CommandError
from nbprov.core.pipeline.builder import PipelineError, plan_pipeline
from nbprov.core.pipeline.deliver import deliver

__all__ = ["cmd_pipeline", "register"]


def _arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("-o", "--output", metavar="DIR", help="the folder to write the package into")
    p.add_argument("--name", metavar="PKG", help="the package name (default: NOTEBOOK_pipeline)")
    p.add_argument(
        "--verify",
        action="store_true",
        help="run the generated tests in a fresh interpreter: exit 1 when a target differs",
    )
    p.add_argument(
        "--graph",
        metavar="FILE",
        nargs="?",
        const="-",
        help="draw the stage DAG: FILE.svg (Graphviz), FILE.dot, or - for text (the default)",
    )
    return p


def cmd_pipeline(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        plan = plan_pipeline(args.trial, args.targets, db=args.db, package=args.name)
    except PipelineError as exc:
        raise CommandError(str(exc)) from exc
    try:
        return deliver(plan, args.output, args.verify, args.graph, args.format, started)
    except PipelineError as exc:
        raise CommandError(str(exc)) from exc


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov pipeline`` to the ``nbprov`` command."""
    p = subparsers.add_parser(
        "pipeline",
        help="turn a trial's stages into a tested Python package and a Luigi DAG",
        description=(
            "Write the cells in the targets' backward slices as a package: one module per "
            "stage (%%tag), params.toml with the recorded hyperparameters, a plain runner "
            "(python -m PKG), Luigi tasks (PKG/luigi_tasks.py), tests that rebuild the "
            "targets as recorded, and pinned requirements."
        ),
    )
    p.add_argument("trial", help="id, name, 'latest', or -1 / -2 ... counting back")
    p.add_argument("targets", nargs="+", metavar="TARGET", help="the values to rebuild")
    p.add_argument("--db", help=DB_HELP)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    _arguments(p)
    p.set_defaults(handler=cmd_pipeline)
