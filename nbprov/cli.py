"""The ``nbprov`` command: parses arguments, calls the core, renders the answer.

Every listing takes ``--format table|json|csv|md`` and ``--db``. The JSON shapes are
documented in the README and kept stable: they are the API for scripts and CI.
"""

from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from . import __version__
from .render.tables import FORMATS, format_value, render, terminal_width, to_json
from .render.terminal import SafeStream, cut, cut_left
from .store import StoreError
from .usage import BadUsage, CommandParser, os_error_text

Handler = Callable[[argparse.Namespace], int]

# Subcommands added by their own modules through ``register(subparsers, common)``. Only
# the module of the command being run is imported (each pulls in what its command needs),
# so a command starts as quickly as its own imports allow; help imports them all.
COMMAND_MODULES = {
    "deps": "nbprov.lineage.commands",
    "compare": "nbprov.compare_cli",
    "scriptify": "nbprov.scriptify_cli",
    "run": "nbprov.run_cli",
    "export": "nbprov.prov_export",
    "sweep": "nbprov.sweep.command",
    "study": "nbprov.sweep.command",
}


class CommandError(Exception):
    """A user-facing error: printed on one line, exit status 2."""


# Output formats read by people: stored text in them is neutralised (see render.terminal).
HUMAN_FORMATS = ("table", "md", "text")


def common_options() -> CommandParser:
    """Options shared by every subcommand."""
    common = CommandParser(add_help=False)
    common.add_argument(
        "--db", help="store path or SQLAlchemy URL (default: $NBPROV_DB, else .nbprov/nbprov.db)"
    )
    common.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )
    return common


def _duration(started: str | None, ended: str | None) -> str:
    if not started or not ended:
        return ""
    seconds = (datetime.fromisoformat(ended) - datetime.fromisoformat(started)).total_seconds()
    return seconds_text(seconds)


def seconds_text(seconds: float | None) -> str:
    # A stored duration is a number, but not always a sane one.
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds):
        return ""
    if seconds < 0 or seconds >= 1e9:
        return f"{seconds:.3g}s"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds >= 0.1 else f"{seconds * 1000:.0f}ms"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _when(stamp: str | None, fmt: str = "%m-%d %H:%M") -> str:
    return datetime.fromisoformat(stamp).strftime(fmt) if stamp else ""


def trials_table(records: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the trials listing: facts, then hyperparams, then metrics."""
    hyper = sorted({k for r in records for k in r["hyperparams"]})
    metrics = sorted({k for r in records for k in r["metrics"]})
    headers = ["id", "name", "notebook", "started", "duration", "status", *hyper, *metrics]
    rows = [
        [
            str(r["id"]),
            r["name"] or "",
            Path(r["notebook"]).name if r["notebook"] else "",
            _when(r["started_at"]),
            _duration(r["started_at"], r["ended_at"]),
            str(r["status"]),
            *(format_value(r["hyperparams"].get(k)) for k in hyper),
            *(format_value(r["metrics"].get(k)) for k in metrics),
        ]
        for r in records
    ]
    # Name and notebook columns that are empty in every row only take room.
    keep = [
        i for i, h in enumerate(headers) if h not in ("name", "notebook") or any(r[i] for r in rows)
    ]
    return [headers[i] for i in keep], [[r[i] for i in keep] for r in rows]


def cmd_trials(args: argparse.Namespace) -> int:
    from .store import Store

    store = Store.open(args.db)
    try:
        with store.session() as session:
            records = _select_trials(session, args)
    finally:
        store.close()
    if not records:
        if args.filter or args.notebook:
            raise CommandError("no trial matches")
        raise CommandError("no trials recorded in this store yet")
    if args.format == "json":
        print(to_json(records))
    else:
        print(render(args.format, *trials_table(records)))
    return 0


def _select_trials(session: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    if args.filter is None and args.sort_by is None:
        # The plain listing needs no filter language: skip loading it.
        from .store.queries import list_trials

        if args.limit is not None and args.limit < 0:
            raise CommandError("--limit must be zero or more")
        limit = None if args.limit is None else min(args.limit, 2**62)
        return list_trials(session, notebook=args.notebook, limit=limit)
    from .compare import CompareError, select_trials

    try:
        return select_trials(
            session,
            notebook=args.notebook,
            filter=args.filter,
            sort_by=args.sort_by,
            limit=args.limit,
        )
    except CompareError as exc:
        raise CommandError(str(exc)) from exc


def cmd_show(args: argparse.Namespace) -> int:
    from .api import show_trial

    record = show_trial(args.trial, db=args.db)
    if args.format == "json":
        print(to_json(record))
        return 0
    from .capture.source import first_line

    acts = [
        [
            "" if a["execution_count"] is None else str(a["execution_count"]),
            a["stage"] or "",
            str(a["status"]),
            seconds_text(a["duration_s"]),
            "(source missing)" if a["source"] is None else first_line(a["source"]),
        ]
        for a in record["activations"]
    ]
    variables = [
        [
            v["name"],
            str(v["role"]),
            format_value(v["value"]),
            "" if v["execution_count"] is None else str(v["execution_count"]),
            str(len(v["history"])),
        ]
        for v in record["variables"]
    ]
    act_headers = ["#", "stage", "status", "time", "code"]
    var_headers = ["variable", "role", "value", "at #", "versions"]
    if args.format == "csv":
        print(render("csv", act_headers, acts))
        print()
        print(render("csv", var_headers, variables))
        return 0
    env = record["environment"] if isinstance(record["environment"], dict) else {}
    git = env.get("git") if isinstance(env.get("git"), dict) else {}
    facts = [
        ("trial", f"{record['id']}" + (f" ({record['name']})" if record["name"] else "")),
        ("notebook", record["notebook"] or "(unknown)"),
        ("status", str(record["status"])),
        ("started", _when(record["started_at"], "%Y-%m-%d %H:%M:%S UTC")),
        ("duration", _duration(record["started_at"], record["ended_at"]) or "(running)"),
        ("python", f"{env.get('python', '?')} on {env.get('hostname', '?')}"),
    ]
    if git and git.get("commit"):
        dirty = " (dirty)" if git.get("dirty") else ""
        facts.append(("git", f"{str(git['commit'])[:12]}{dirty}"))
    if args.format == "md":
        print("\n".join(f"- **{k}**: {v}" for k, v in facts))
        print()
        print(render("md", act_headers, acts))
        print()
        print(render("md", var_headers, variables))
        return 0
    # Facts fit the terminal; a path keeps its end, where the notebook's name is.
    room = terminal_width() - 10
    print(
        "\n".join(
            f"{k + ':':<10}{cut_left(v, room) if k == 'notebook' else cut(v, room)}"
            for k, v in facts
        )
    )
    print()
    print(render("table", act_headers, acts))
    if variables:
        print()
        print(render("table", var_headers, variables))
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import main as demo_main

    return demo_main(args.forwarded)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command's parser; with ``command``, only that subcommand's module is loaded
    (every subcommand is still listed when it is unknown, so help and errors are whole)."""
    parser = CommandParser(
        prog="nbprov", description="Provenance of notebook runs: list, show, compare, trace."
    )
    parser.add_argument("--version", action="version", version=f"nbprov {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    common = common_options()

    p = sub.add_parser("trials", parents=[common], help="list trials with tagged values")
    p.add_argument("--notebook", help="only trials of this notebook path")
    p.add_argument(
        "--limit", type=int, help="only the N most recent trials (with --sort-by: the first N)"
    )
    p.add_argument(
        "--filter",
        metavar="EXPR",
        help="only trials matching EXPR, e.g. 'metric.r2 > 0.4 and hyperparam.alpha < 1'",
    )
    p.add_argument(
        "--sort-by",
        metavar="KEY",
        help="order by ROLE.NAME, NAME or trial.FIELD; -KEY or KEY:desc for descending",
    )
    p.set_defaults(handler=cmd_trials)

    p = sub.add_parser("show", parents=[common], help="one trial: facts, cells, variables")
    p.add_argument("trial", help="id, name, 'latest', or -1 / -2 ... counting back")
    p.set_defaults(handler=cmd_show)

    # The demo's own parser takes every option (nbprov demo --help shows them).
    p = sub.add_parser(
        "demo", help="run the demo notebooks as trials, then show them", add_help=False
    )
    p.set_defaults(handler=cmd_demo, forwards_arguments=True)

    modules = list(dict.fromkeys(COMMAND_MODULES.values()))  # a module may add several
    if command in COMMAND_MODULES:
        modules = [COMMAND_MODULES[command]]
    elif command in ("trials", "show", "demo"):
        modules = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; bad input of any kind is one line on stderr and status 2."""
    stdout, stderr = sys.stdout, sys.stderr
    sys.stderr = SafeStream(stderr)
    words = list(sys.argv[1:] if argv is None else argv)
    if words == ["--version"]:  # the quickest answer: nothing to load
        print(f"nbprov {__version__}")
        return 0
    try:
        parser = build_parser(words[0] if words else None)
        args, forwarded = parser.parse_known_args(words)
        if forwarded and not getattr(args, "forwards_arguments", False):
            parser.error(f"unrecognized arguments: {' '.join(forwarded)}")
        args.forwarded = forwarded
        if _human_output(args):
            sys.stdout = SafeStream(stdout)
        handler: Handler = args.handler
        try:
            return handler(args)
        except BrokenPipeError:
            return 0
        except Exception as exc:
            return _failed(exc, args)
    finally:
        sys.stdout, sys.stderr = stdout, stderr


def _human_output(args: argparse.Namespace) -> bool:
    fmt = getattr(args, "format", None)
    if fmt in HUMAN_FORMATS:
        return True
    # CSV, DOT, scripts and PROV documents are exact, unless they land on a terminal;
    # JSON always is (its encoder escapes control characters itself).
    return fmt != "json" and sys.stdout.isatty()


def _failed(exc: Exception, args: argparse.Namespace) -> int:
    """Status 2 and one line for any failure the input explains (bad arguments, paths,
    database URLs, damaged stores); status 1 and one line for nbprov's own faults."""
    message = _input_error(exc, args)
    if message is None:
        if os.environ.get("NBPROV_DEBUG"):
            raise exc
        print(
            f"nbprov: internal error: {type(exc).__name__}: {cut(str(exc), 200)} "
            "(NBPROV_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 1
    print(f"nbprov: {message}", file=sys.stderr)
    return 2


def _input_error(exc: Exception, args: argparse.Namespace) -> str | None:
    if isinstance(exc, (StoreError, CommandError, BadUsage)):
        return " ".join(str(exc).split("\n"))
    if isinstance(exc, OSError) and exc.filename is not None:
        return os_error_text(exc)
    if isinstance(exc, ImportError):
        return f"a package this needs is not installed: {exc}"
    if isinstance(exc, UnicodeEncodeError):  # argv bytes that were not UTF-8 (surrogateescape)
        return f"cannot use {exc.object[exc.start : exc.end + 10]!r}: it is not UTF-8 text"
    return _store_damage(getattr(args, "db", None))


def _store_damage(db: str | None) -> str | None:
    """One line naming the store's bad rows, when the store has any."""
    from .store import Store
    from .store.damage import damage_note

    try:
        store = Store.open(db)
    except Exception:
        return None
    try:
        return damage_note(store.engine, store.description)
    finally:
        store.close()


if __name__ == "__main__":
    # Run the package's own module, not this __main__ copy, so that errors raised by the
    # subcommand modules (nbprov.cli.CommandError) are the class main() catches.
    from nbprov.cli import main as package_main

    sys.exit(package_main())
