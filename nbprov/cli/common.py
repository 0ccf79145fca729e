"""What every ``nbprov`` subcommand shares: its error type, its common options, and how
times are written."""

from __future__ import annotations

import math
from datetime import datetime

from nbprov.render.tables import FORMATS
from nbprov.store.engine import DEFAULT_RELATIVE_PATH
from nbprov.usage import CommandParser

DB_HELP = f"store path or SQLAlchemy URL (default: $NBPROV_DB, else {DEFAULT_RELATIVE_PATH})"


class CommandError(Exception):
    """A user-facing error: printed on one line, exit status 2."""


# Output formats read by people: stored text in them is neutralised (see render.terminal).
HUMAN_FORMATS = ("table", "md", "text")


def common_options() -> CommandParser:
    """Options shared by every subcommand."""
    common = CommandParser(add_help=False)
    common.add_argument("--db", help=DB_HELP)
    common.add_argument(
        "--format", choices=FORMATS, default="table", help="output format (default: table)"
    )
    return common


def duration_text(started: str | None, ended: str | None) -> str:
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


def when_text(stamp: str | None, fmt: str = "%m-%d %H:%M") -> str:
    return datetime.fromisoformat(stamp).strftime(fmt) if stamp else ""
