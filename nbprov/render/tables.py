"""Plain tables for the terminal, CSV and Markdown, shared by every CLI listing."""

from __future__ import annotations

import csv
import io
import json
import math
import shutil
import sys
import textwrap
from collections.abc import Sequence
from typing import Any

FORMATS = ("table", "json", "csv", "md")
MIN_COLUMN = 12  # columns shrink to this (or their header) before any is left out
GAP = 2


def format_value(value: Any, precision: int = 4) -> str:
    """A short human form of a recorded value (exact JSON or a summary object)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value == int(value) and abs(value) < 1e15:
            return f"{value:.1f}"
        return f"{value:.{precision}g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "type" in value and "repr" in value:
        shape = value.get("shape")
        short = str(value["type"]).rsplit(".", 1)[-1]
        if isinstance(shape, list) and shape:
            return f"<{short} {'x'.join(map(str, shape))}>"
        return f"<{short}>"
    return json.dumps(value, sort_keys=True, default=str)


def terminal_width() -> int:
    """The terminal's width, or 80 when output is not a terminal."""
    if not sys.stdout.isatty():
        return 80
    return shutil.get_terminal_size((80, 24)).columns


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)].rstrip("…") + "…"


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None
) -> str:
    """Aligned columns fitting ``width``: wide columns shrink first, and columns that still
    do not fit are left out with a note saying how to see them."""
    width = width or terminal_width()
    cells = [[str(c).replace("\n", " ") for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    floor = [min(w, MIN_COLUMN) for w in widths]

    def total(ws: list[int]) -> int:
        return sum(ws) + GAP * (len(ws) - 1)

    while total(widths) > width:
        widest = max(range(len(widths)), key=lambda i: widths[i] - floor[i])
        if widths[widest] <= floor[widest]:
            break
        widths[widest] -= 1
    shown = len(widths)
    while shown > 1 and total(widths[:shown]) > width:
        shown -= 1
    lines = []
    for row in [list(headers), *cells]:
        parts = [_cut(row[i], widths[i]).ljust(widths[i]) for i in range(shown)]
        lines.append((" " * GAP).join(parts).rstrip())
    lines.insert(1, (" " * GAP).join("-" * widths[i] for i in range(shown)))
    if shown < len(headers):
        hidden = ", ".join(headers[shown:])
        note = f"({len(headers) - shown} more columns: {hidden}; see --format csv or json)"
        lines.extend(textwrap.wrap(note, width))
    return "\n".join(lines)


def render_csv(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue().rstrip("\n")


def render_markdown(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def esc(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(esc(h) for h in headers) + " |"]
    lines.append("|" + "|".join(" --- " for _ in headers) + "|")
    lines.extend("| " + " | ".join(esc(c) for c in row) + " |" for row in rows)
    return "\n".join(lines)


def render(
    fmt: str, headers: Sequence[str], rows: Sequence[Sequence[str]], width: int | None = None
) -> str:
    """One table in ``fmt`` (table, csv or md)."""
    if fmt == "csv":
        return render_csv(headers, rows)
    if fmt == "md":
        return render_markdown(headers, rows)
    return render_table(headers, rows, width)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str)
