"""What every ``nbprov`` subcommand shares: its error type, its common options, and how
times are written."""

from __future__ import annotations

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
