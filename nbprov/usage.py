"""Bad input, said in one line: the argument parsers behind every magic and command.

A magic's parser raises :class:`BadUsage` (the magic turns it into IPython's one-line
``UsageError``); the ``nbprov`` command's parser prints one line and exits with status 2.
Neither prints a usage block or a traceback.
"""

from __future__ import annotations

import argparse
import shlex
import sys
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
