"""``nbprov deps``: where a variable's value came from, as text, DOT, SVG or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from nbprov.capture.source import cell_label
from nbprov.core.deps import SliceError, deps_json
from nbprov.render import graph
from nbprov.store import open_store

FORMATS = ("text", "dot", "svg", "json")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov deps`` (with its own --format choices) to the ``nbprov`` command."""
    p = subparsers.add_parser(
        "deps",
        help="where a variable's value came from: its backward slice",
        description=(
            "The cells (in execution order), variables and values NAME was built from in "
            "TRIAL. --format json gives the documented slice object; svg needs Graphviz."
        ),
    )
    p.add_argument("trial", metavar="TRIAL", help="id, name, 'latest', or -1 / -2 ...")
    p.add_argument("name", metavar="NAME", help="the variable")
    p.add_argument("--db", help="store path or SQLAlchemy URL (default: $NBPROV_DB)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output (default: text)")
    p.add_argument("--depth", type=int, help="only cells within N steps of NAME")
    p.add_argument("--at", type=int, metavar="N", help="as of execution count N")
    p.set_defaults(handler=cmd_deps)


def _fail(message: str) -> int:
    print(f"nbprov: {message}", file=sys.stderr)
    return 2


def cmd_deps(args: argparse.Namespace) -> int:
    try:
        with open_store(args.db) as store:
            answer = deps_json(store.engine, args.trial, args.name, at=args.at)
    except SliceError as exc:
        return _fail(str(exc))
    if args.format == "json":
        print(json.dumps(answer, indent=2, ensure_ascii=False, default=str))
        return 0
    dot = graph.build_dot(answer, depth=args.depth)
    if args.format == "dot":
        sys.stdout.write(dot)
    elif args.format == "svg":
        svg = graph.render_svg(dot)
        if svg is None:
            return _fail(
                "Graphviz 'dot' is not installed: use --format dot or text, or install graphviz"
            )
        sys.stdout.write(svg)
    else:
        from nbprov.render.tables import terminal_width
        from nbprov.render.terminal import cut

        width = terminal_width()
        print(graph.text_tree(answer, depth=args.depth, width=width))
        print()
        for a in answer["activations"]:
            count = a["execution_count"]
            stage = f" {a['stage']}" if a["stage"] else ""
            where = f"[{'?' if count is None else count}]{stage}"
            print(cut(f"{where}  {cell_label(a['source'])}", width))
    return 0
