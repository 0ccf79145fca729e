"""Cell source identity."""

from __future__ import annotations

import hashlib


def cell_hash(source: str) -> str:
    """SHA-256 hex digest of the cell's source text (UTF-8) exactly as the user wrote it."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


def first_line(source: str, width: int = 60) -> str:
    """The first non-blank line of a cell, cut to ``width`` characters, for listings."""
    for line in source.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""


def storable(text: str) -> str:
    """``text`` as a database can hold it: lone surrogates (from undecodable bytes, say)
    are not UTF-8, so they are written as ``\\udcff`` escapes; any other text is kept."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def storable_or_none(text: str | None) -> str | None:
    return None if text is None else storable(text)
