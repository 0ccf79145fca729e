"""Cell source: its identity, its label, and its text as a database can hold it."""

from __future__ import annotations

import hashlib


def cell_hash(source: str) -> str:
    """SHA-256 hex digest of the cell's source text (UTF-8) exactly as the user wrote it."""
    return hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()


# Lines that say little about what a cell does: comments, imports, nbprov's own magics.
_LABEL_SKIP = ("#", "%tag ", "%tag_var ", "%load_ext ", "import ", "from ")


def cell_label(source: str | None, width: int | None = None) -> str:
    """The one rule every front labels a cell by: its first line that says what it does
    (not blank, a comment, an import or a tag), else its first non-blank line; cut to
    ``width``."""
    lines = [line.strip() for line in (source or "").splitlines() if line.strip()]
    label = next((line for line in lines if not (line + " ").startswith(_LABEL_SKIP)), None)
    if label is None:
        label = lines[0] if lines else ""
    if width is not None and len(label) > width:
        return label[: width - 1] + "…"
    return label


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
