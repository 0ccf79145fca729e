"""The ``nbprov`` command: parses arguments, calls the core, renders the answer.

Every listing takes ``--format table|json|csv|md`` and ``--db``. The JSON shapes are
documented in the README and kept stable: they are the API for scripts and CI. Each
subcommand lives in its own module of this package and adds itself with ``register``.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from nbprov.cli.common import HUMAN_FORMATS, CommandError, common_options
from nbprov.render.terminal import SafeStream, cut
from nbprov.store import StoreError
from nbprov.usage import BadUsage, CommandParser, os_error_text
from nbprov.version import __version__

Handler = Callable[[argparse.Namespace], int]
# Each subcommand module's ``register(subparsers, common)``.
Register = Callable[[Any, argparse.ArgumentParser], None]

# In the order ``nbprov --help`` lists them.
COMMANDS = (
    "trials",
    "show",
    "demo",
    "deps",
    "compare",
    "scriptify",
    "pipeline",
    "run",
    "sweep",
    "study",
    "export",
)


def _register_function(command: str) -> Register:
    """The ``register`` of the module that owns ``command``. Only the module of the
    command being run is imported (each pulls in what its command needs), so a command
    starts as quickly as its own imports allow; help imports them all."""
    if command in ("trials", "show"):
        from nbprov.cli import trials as module
    elif command == "demo":
        from nbprov.cli import demo as module  # type: ignore[no-redef]
    elif command == "deps":
        from nbprov.cli import deps as module  # type: ignore[no-redef]
    elif command == "compare":
        from nbprov.cli import compare as module  # type: ignore[no-redef]
    elif command == "scriptify":
        from nbprov.cli import scriptify as module  # type: ignore[no-redef]
    elif command == "pipeline":
        from nbprov.cli import pipeline as module  # type: ignore[no-redef]
    elif command == "run":
        from nbprov.cli import run as module  # type: ignore[no-redef]
    elif command in ("sweep", "study"):
        from nbprov.cli import sweep as module  # type: ignore[no-redef]
    elif command == "export":
        from nbprov.cli import export as module  # type: ignore[no-redef]
    else:
        raise KeyError(command)
    return module.register


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
    wanted = [command] if command in COMMANDS else list(COMMANDS)
    done: set[Register] = set()
    for name in wanted:
        register = _register_function(name)
        if register not in done:
            done.add(register)
            register(sub, common)
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
    from nbprov.store import open_store
    from nbprov.store.damage import damage_note

    try:
        with open_store(db) as store:
            return damage_note(store.engine, store.description)
    except Exception:
        return None
