"""``nbprov scriptify``: write (and check) the script that rebuilds a value.

``nbprov scriptify TRIAL NAME -o FILE.py [--verify] [--requirements FILE]`` works from the
store alone. With ``--verify`` the exit status says whether the script rebuilt the
recorded value (0 yes, 1 no). ``--check FILE.py`` verifies an existing script instead of
writing one.
"""

from __future__ import annotations

import argparse
from typing import Any

from nbprov.cli.common import DB_HELP
from nbprov.core.scriptify import (
    ScriptifyError,
    scriptify,
)
from nbprov.core.scriptify.deliver import deliver

__all__ = ["cmd_scriptify", "register"]


def _arguments(prog: str, parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    p = parser or argparse.ArgumentParser(prog=prog)
    p.add_argument("-o", "--output", help="the script to write (default: standard output)")
    p.add_argument(
        "--verify",
        action="store_true",
        help="run the script in a fresh interpreter and compare with the recorded value",
    )
    p.add_argument(
        "--check",
        metavar="SCRIPT",
        help="verify an existing script against the recorded value (nothing is written)",
    )
    p.add_argument(
        "--requirements", metavar="FILE", help="write pinned requirements of the imports"
    )
    return p


def cmd_scriptify(args: argparse.Namespace) -> int:
    from nbprov.cli.common import CommandError

    try:
        script = scriptify(args.trial, args.name, db=args.db)
    except ScriptifyError as exc:
        raise CommandError(str(exc)) from exc
    try:
        return deliver(script, args.output, args.verify, args.check, args.requirements)
    except ScriptifyError as exc:
        raise CommandError(str(exc)) from exc


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov scriptify`` to the ``nbprov`` command."""
    p = subparsers.add_parser(
        "scriptify",
        help="write a standalone script that rebuilds a recorded value",
        description=(
            "Write the cells in NAME's backward slice as a plain Python script: magics "
            "translated, display-only lines dropped, hyperparameters and input files as "
            "options. The script prints repr(NAME) last."
        ),
    )
    p.add_argument("trial", help="id, name, 'latest', or -1 / -2 ... counting back")
    p.add_argument("name", help="the variable to rebuild")
    p.add_argument("--db", help=DB_HELP)
    _arguments("nbprov scriptify", p)
    p.set_defaults(handler=cmd_scriptify)
