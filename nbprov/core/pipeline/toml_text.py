"""A small TOML writer for ``params.toml``: scalars, lists and inline tables.

TOML has no null: a value it cannot hold is written as a comment, and the package's
``params.py`` keeps the recorded value as the default.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

__all__ = ["toml_document", "toml_value"]

# fullmatch: "$" would also match before a final newline, and "0\n" is no bare key.
BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _string(text: str) -> str:
    # JSON's escapes are TOML basic-string escapes, but not its surrogate pairs, and
    # TOML wants DEL escaped too.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _key(text: str) -> str:
    return text if BARE_KEY.fullmatch(text) else _string(text)


def toml_value(value: Any) -> str | None:
    """``value`` as TOML, or None when TOML cannot hold it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (list, tuple)):
        items = [toml_value(v) for v in value]
        return None if any(i is None for i in items) else "[" + ", ".join(items) + "]"  # type: ignore[arg-type]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        pairs = [(k, toml_value(v)) for k, v in value.items()]
        if any(v is None for _, v in pairs):
            return None
        return "{" + ", ".join(f"{_key(k)} = {v}" for k, v in pairs) + "}"
    return None


def toml_document(values: dict[str, Any], comments: dict[str, str], header: str) -> str:
    """``name = value`` lines, each after its comment; unrepresentable values commented."""
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for name, value in values.items():
        lines.append("")
        if comments.get(name):
            lines.append(f"# {comments[name]}")
        text = toml_value(value)
        if text is None:
            lines.append(f"# {_key(name)} = {value!r}  (TOML cannot hold it: params.py keeps it)")
        else:
            lines.append(f"{_key(name)} = {text}")
    return "\n".join(lines) + "\n"
