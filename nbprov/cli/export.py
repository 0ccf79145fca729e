"""``nbprov export``: a trial as a W3C PROV document."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from nbprov.cli.common import DB_HELP, CommandError
from nbprov.core.prov import FORMATS, SUFFIXES, export_trial


def cmd_export(args: argparse.Namespace) -> int:
    fmt = args.prov_format
    if fmt is None:
        suffix = Path(args.output).suffix.lower() if args.output else ""
        fmt = SUFFIXES.get(suffix, "prov-json")
    try:
        text = export_trial(args.trial, fmt, db=args.db)
    except ImportError as exc:
        raise CommandError(
            f"{fmt} export needs the prov extra ({exc}): pip install 'nbprov[prov]'"
        ) from exc
    if args.output in (None, "-"):
        print(text)
    else:
        Path(args.output).write_text(text if text.endswith("\n") else text + "\n")
    return 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov export`` (its --format names PROV serialisations, so ``common`` is not
    used as a parent)."""
    p = subparsers.add_parser(
        "export",
        help="a trial as a W3C PROV document (PROV-JSON, PROV-N, PROV-O)",
        description="Export TRIAL as W3C PROV: cells as activities, variable values as "
        "entities, used / wasGeneratedBy from the recorded accesses, user and host as agents.",
    )
    p.add_argument("trial", help="id, name, 'latest', or -1 / -2 ... counting back")
    p.add_argument(
        "--format",
        dest="prov_format",
        choices=sorted(FORMATS),
        default=None,
        help="prov-json, prov-n or prov-o (Turtle); default: from the -o suffix "
        "(.json, .provn, .ttl), else prov-json",
    )
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    p.add_argument("--db", help=DB_HELP)
    p.set_defaults(handler=cmd_export)
