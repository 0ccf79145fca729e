"""Bad input, said in one line: the argument parsers behind every magic and command.

A magic's parser raises :class:`BadUsage` (the magic turns it into IPython's one-line
``UsageError``); the ``nbprov`` command's parser prints one line and exits with status 2.
Neither prints a usage block or a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence
from typing import NoReturn

from nbprov.render.terminal import neutralise


class BadUsage(Exception):
    """Input a magic or command cannot parse; the message is one line."""


def split_line(line: str) -> list[str]:
    """A magic's line as shell-like words; an unclosed quote is bad usage."""
    try:
        return shlex.split(line)
    except ValueError as exc:  # "No closing quotation", "No escaped character"
        raise BadUsage(f"{str(exc).lower()} in {neutralise(line)!r}") from exc


def dropped_values(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The single-valued positionals ``parser`` left as an empty list: Python 3.11's
    argparse drops a second ``--`` meant as a value (``%tag_var x -- --``)."""
    return [
        action.metavar if isinstance(action.metavar, str) else action.dest.upper()
        for action in parser._actions
        if action.nargs is None
        and not action.option_strings
        and isinstance(getattr(args, action.dest, None), list)
    ]


class HelpShown(Exception):
    """``--help`` printed the help: the magic stops without doing anything."""


class RaisingParser(argparse.ArgumentParser):
    """An argument parser for magics: raises :class:`BadUsage` instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise BadUsage(neutralise(message))

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status == 0:
            raise HelpShown
        raise BadUsage(neutralise(message or "").strip() or self.format_usage().strip())


class CommandParser(argparse.ArgumentParser):
    """An argument parser for the shell: one line on stderr and status 2 for bad usage."""

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        missing = dropped_values(self, parsed)
        if missing:
            self.error(f"{missing[0]} is missing")
        return parsed, extras

    def error(self, message: str) -> NoReturn:
        text = neutralise(f"{self.prog}: {message} (see {self.prog} --help)")
        print(text, file=sys.stderr)
        sys.exit(2)


def os_error_text(exc: OSError) -> str:
    """``PATH: reason`` for a file that cannot be read or written."""
    reason = exc.strerror or str(exc)
    if exc.filename is None:
        return neutralise(reason)
    return neutralise(f"{exc.filename}: {reason}")
