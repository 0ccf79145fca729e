"""Names IPython itself binds in a user namespace, which are never the user's variables."""

from __future__ import annotations

import re

# Input and output history (_i, _i7, _, _7, ...), directory history, last exit code.
HISTORY_NAME = re.compile(r"_{1,3}|_i{1,3}|_i?\d+|_oh|_ih|_dh|_exit_code")


def is_history_name(name: str) -> bool:
    """Whether IPython's history binds ``name``; asked of names every cell adds, so a
    name not starting with ``_`` is told apart without the regular expression."""
    return name[:1] == "_" and HISTORY_NAME.fullmatch(name) is not None


def output_count(name: str) -> int | None:
    """N for the output history entry ``_N`` (``_`` and decimal digits), else None."""
    if name[:1] == "_" and name[1:].isdecimal():
        return int(name[1:])
    return None
