"""``%sweep``: ``nbprov sweep`` from a notebook, into the kernel's own store.

The line takes the options of ``nbprov sweep``; without ``--db`` the search records into
the store this kernel records into. Bad input is a one-line usage error. Interrupting the
kernel stops the search as Ctrl-C stops the command: finished points stay recorded and
the study can be resumed.
"""

from __future__ import annotations

from typing import Any

__all__ = ["sweep_magic"]


def sweep_magic(shell: Any, recorder: Any, line: str) -> int | None:
    """Run a search from the line; returns the command's exit status."""
    from IPython.core.error import UsageError

    from ..cli import CommandError
    from ..render.tables import FORMATS
    from ..usage import BadUsage, HelpShown, RaisingParser, split_line
    from .command import add_sweep_arguments, cmd_sweep

    parser = RaisingParser(prog="%sweep", description="nbprov sweep, from the notebook")
    add_sweep_arguments(parser)
    parser.add_argument("--db", help="store path or URL (default: this kernel's store)")
    parser.add_argument("--format", choices=FORMATS, default="table")
    try:
        args = parser.parse_args(split_line(line))
    except HelpShown:
        return None
    except BadUsage as exc:
        raise UsageError(f"%sweep: {exc}") from None
    if args.db is None:
        args.db = recorder.url
    recorder.writer.flush()
    try:
        return cmd_sweep(args)
    except CommandError as exc:
        raise UsageError(f"%sweep: {exc}") from None
