"""``%deps``, ``nbprov deps`` and ``nbprov.deps``: one command, three fronts.

Each front parses its input and calls :func:`deps_json` (the slice as documented in
:mod:`nbprov.lineage.slicing`), then renders it with :mod:`nbprov.render.graph`.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sqlalchemy import Engine

from ..render import graph
from .slicing import SliceError, slice_json

FORMATS = ("text", "dot", "svg", "json")
USAGE = "usage: %deps NAME [--depth N] [--at EXECUTION_COUNT]"


def deps_json(
    engine: Engine, trial_ref: str | int, name: str, *, at: int | None = None
) -> dict[str, Any]:
    """The backward slice of ``name`` in a trial (id, name, ``latest`` or -1, -2, ...),
    at the end of the trial or as of execution count ``at``. Raises :class:`SliceError`
    for a variable never written, ``StoreError`` for an unknown trial."""
    from sqlalchemy.orm import Session

    from ..store.queries import resolve_trial

    with Session(engine) as session:
        trial_id = resolve_trial(session, trial_ref).id
        conn = session.connection()
        return slice_json(conn, trial_id, name, as_of_execution=at)


def deps(
    name: str,
    trial: str | int | None = None,
    db: str | None = None,
    at: int | None = None,
) -> dict[str, Any]:
    """``nbprov.deps(NAME)``: the slice JSON of NAME in the running kernel's trial when
    nbprov is loaded there (and ``trial``/``db`` are not given), else in ``trial``
    (default: the latest) of the store ``db`` / ``$NBPROV_DB``."""
    if trial is None and db is None:
        recorder = _running_recorder()
        if recorder is not None:
            recorder.writer.flush()
            return deps_json(recorder.store.engine, recorder.trial_id, name, at=at)
    from ..store import Store

    store = Store.open(db)
    try:
        return deps_json(store.engine, "latest" if trial is None else trial, name, at=at)
    finally:
        store.close()


def _running_recorder() -> Any:
    try:
        from .. import get_recorder

        return get_recorder()
    except Exception:
        return None


# -- the notebook --------------------------------------------------------------------


def _magic_parser() -> argparse.ArgumentParser:
    from ..usage import RaisingParser

    p = RaisingParser(prog="%deps", add_help=False)
    p.add_argument("name")
    p.add_argument("--depth", type=int)
    p.add_argument("--at", type=int)
    return p


def deps_magic(shell: Any, recorder: Any, line: str) -> None:
    """``%deps NAME [--depth N] [--at N]``: draw NAME's lineage in this kernel's trial."""
    from IPython.core.error import UsageError
    from IPython.display import display

    from ..render.terminal import neutralise
    from ..usage import BadUsage, split_line

    try:
        args = _magic_parser().parse_args(split_line(line))
    except BadUsage as exc:
        raise UsageError(f"{exc}. {USAGE}") from exc
    if not args.name.isidentifier():
        raise UsageError(f"NAME must be a variable name, got {neutralise(args.name)!r}. {USAGE}")
    if args.depth is not None and args.depth < 1:
        raise UsageError(f"--depth must be 1 or more. {USAGE}")
    recorder.writer.flush()
    try:
        answer = deps_json(recorder.store.engine, recorder.trial_id, args.name, at=args.at)
    except SliceError as exc:
        raise UsageError(str(exc)) from exc
    except Exception as exc:
        from ..store.damage import damage_note

        note = damage_note(recorder.store.engine, recorder.store.description)
        if note is None:
            raise
        raise UsageError(f"%deps: {note}") from exc
    display(graph.mime_bundle(answer, depth=args.depth), raw=True)


# -- the shell -----------------------------------------------------------------------


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
    from ..store import Store

    store = Store.open(args.db)
    try:
        answer = deps_json(store.engine, args.trial, args.name, at=args.at)
    except SliceError as exc:
        return _fail(str(exc))
    finally:
        store.close()
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
        from ..render.tables import terminal_width
        from ..render.terminal import cut

        width = terminal_width()
        print(graph.text_tree(answer, depth=args.depth, width=width))
        print()
        for a in answer["activations"]:
            count = a["execution_count"]
            stage = f" {a['stage']}" if a["stage"] else ""
            where = f"[{'?' if count is None else count}]{stage}"
            print(cut(f"{where}  {graph.first_line(a['source'])}", width))
    return 0
