"""Text bound for a terminal: stored strings neutralised, lines fitted to a width.

Names, values, sources and paths come from the store, and a store is not trusted: an
escape sequence in a variable name must not recolour, retitle or clear the user's
terminal. Control characters become one visible character each (ESC shows as ``␛``), so
neutralising never changes a line's width and layout can happen before or after it.
"""

from __future__ import annotations

import io
from typing import TextIO

# C0 controls and DEL show as their Unicode control pictures (U+2400..U+2421); C1
# controls, the bidirectional overrides that reorder what a reader sees and lone
# surrogates, as U+FFFD.
_PICTURES = {code: 0x2400 + code for code in range(0x20)}
_PICTURES[0x7F] = 0x2421
_REPLACED = [
    *range(0x80, 0xA0),
    *range(0x202A, 0x202F),
    *range(0x2066, 0x206A),
    0x061C,
    0x200E,
    0x200F,
    *range(0xD800, 0xE000),  # lone surrogates (argv bytes that were not UTF-8): unprintable
]
_TABLE = {**_PICTURES, **{code: 0xFFFD for code in _REPLACED}}
_TABLE_KEEP_NEWLINES = {k: v for k, v in _TABLE.items() if k != 0x0A}


def neutralise(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with every terminal control character replaced by a visible one."""
    return text.translate(_TABLE_KEEP_NEWLINES if keep_newlines else _TABLE)


def has_control(text: str, *, keep_newlines: bool = True) -> bool:
    """Whether ``text`` holds a character :func:`neutralise` would replace."""
    return neutralise(text, keep_newlines=keep_newlines) != text


def cut(text: str, width: int) -> str:
    """``text`` on one line, at most ``width`` characters (``…`` marks a cut)."""
    text = " ".join(text.splitlines())
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + "…" if width > 0 else ""


def cut_left(text: str, width: int) -> str:
    """Like :func:`cut`, keeping the end (a path's file name is its telling part)."""
    text = " ".join(text.splitlines())
    if len(text) <= width:
        return text
    return "…" + text[len(text) - width + 1 :] if width > 1 else text[-width:]


class SafeStream(io.TextIOBase):
    """A text stream that neutralises control characters on their way to ``raw``."""

    def __init__(self, raw: TextIO) -> None:
        super().__init__()
        self.raw = raw

    def write(self, text: str) -> int:
        self.raw.write(neutralise(text, keep_newlines=True))
        return len(text)

    def flush(self) -> None:
        self.raw.flush()

    def isatty(self) -> bool:
        return self.raw.isatty()

    def fileno(self) -> int:
        return self.raw.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.raw, "encoding", None) or "utf-8"


def raw_stream(stream: TextIO) -> TextIO:
    """The stream under a :class:`SafeStream`, for nbprov's own terminal control codes
    (a progress bar redrawn in place)."""
    return stream.raw if isinstance(stream, SafeStream) else stream
