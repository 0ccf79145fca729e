"""A comparison (the JSON of :mod:`nbprov.core.compare`) as people read it: a table a row
per value and a column per trial, the cells that changed as diffs, and why a metric
moved; in the terminal, CSV or Markdown."""

from __future__ import annotations

import sys
import textwrap
from typing import Any

from nbprov.render.tables import format_value, render, terminal_width, to_json
from nbprov.render.terminal import cut

GROUP_TITLES = {"hyperparam": "hyperparams", "metric": "metrics"}
MISSING_TEXT = "-"
DEFAULT_PRECISION = 4  # significant digits of values and deltas


def _number(value: float | int, precision: int, sign: bool = True) -> str:
    flag = "+" if sign else ""
    if isinstance(value, int):
        return f"{value:{flag}d}"
    return f"{value:{flag}.{precision}g}"


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:+.1f}%"


def cell_text(row: dict[str, Any], k: int, precision: int, inline_delta: bool) -> str:
    if not row["present"][k]:
        return MISSING_TEXT
    text = format_value(row["values"][k], precision)
    if text == "":
        text = "None"
    delta = row["deltas"][k]
    if inline_delta and k > 0 and delta is not None and row["changed"]:
        text += f" ({_number(delta, precision)})"
    return text


def row_title(row: dict[str, Any]) -> str:
    name = str(row["name"])
    if row.get("stage"):
        name += f" [{row['stage']}]"
    if row.get("source_line"):
        name += f" {row['source_line']}"
    return name


def trial_header(info: dict[str, Any]) -> str:
    return f"#{info['id']}" + (f" {info['name']}" if info.get("name") else "")


def compare_table(
    result: dict[str, Any], precision: int, repeat_group: bool = False
) -> tuple[list[str], list[list[str]]]:
    """Headers and rows for the table, CSV and Markdown forms of a comparison."""
    count = len(result["trials"])
    two = count == 2
    headers = ["group", "row", *(trial_header(t) for t in result["trial_info"])]
    if two:
        headers += ["delta", "rel"]
    rows = []
    last_group = None
    for row in result["rows"]:
        group = GROUP_TITLES.get(row["group"], row["group"])
        shown = group if repeat_group or group != last_group else ""
        last_group = group
        cells = [shown, row_title(row)]
        cells += [cell_text(row, k, precision, not two) for k in range(count)]
        if two:
            delta = row["delta"]
            cells += [
                "" if delta is None else _number(delta, precision),
                _percent(row["relative_delta"]),
            ]
        rows.append(cells)
    return headers, rows


def why_table(data: dict[str, Any], precision: int) -> tuple[list[str], list[list[str]]]:
    headers = ["cell", "stage", "reason", "detail"]
    rows = []

    def changes(items: list[dict[str, Any]]) -> str:
        return ", ".join(
            f"{i['name']}: {format_value(i['values'][0], precision) or '?'} -> "
            f"{format_value(i['values'][1], precision) or '?'}"
            for i in items
        )

    for cell in data["cells"]:
        counts = cell["execution_counts"]
        where = " -> ".join("-" if c is None else f"[{c}]" for c in counts)
        if cell["reason"] == "inputs":
            detail = changes(cell["inputs"])
        else:
            detail = cell["source_line"]
            if cell.get("outputs"):
                detail += f"; sets {changes(cell['outputs'])}"
        rows.append([where, cell["stage"] or "", cell["reason"], detail])
    return headers, rows


def why_heading(data: dict[str, Any], precision: int) -> str:
    a, b = data["trials"]
    va, vb = (format_value(v, precision) or "None" for v in data["values"])
    change = "" if data["delta"] is None else f" ({_number(data['delta'], precision)})"
    verb = "moved" if data["changed"] else "did not move"
    return f"why {data['metric']} {verb} between trials {a} and {b}: {va} -> {vb}{change}"


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width, subsequent_indent="  ", break_on_hyphens=False))


def print_result(result: dict[str, Any], fmt: str, precision: int) -> None:
    if fmt == "json":
        print(to_json(result))
        return
    width = terminal_width()
    for warning in result["warnings"]:
        print(_wrap(f"nbprov: note: {warning}", width), file=sys.stderr)
    headers, rows = compare_table(result, precision, repeat_group=fmt == "csv")
    ids = ", ".join(str(i) for i in result["trials"])
    if rows or fmt == "csv":
        print(render(fmt, headers, rows))
    else:
        print(_wrap(f"no differences between trials {ids} (use --all to see every row)", width))
    diffs = result.get("diffs")
    if diffs is not None:
        print()
        if fmt == "csv":
            print(
                render(
                    "csv",
                    ["row", "trial_a", "trial_b", "diff"],
                    [
                        [d["name"], str(d["trials"][0]), str(d["trials"][1]), d["diff"]]
                        for d in diffs
                    ],
                )
            )
        elif not diffs:
            print("no cell changed")
        for d in diffs if fmt != "csv" else []:
            if fmt == "md":
                print(f"**{d['name']}** (trial {d['trials'][0]} → {d['trials'][1]})\n")
                print("```diff\n" + d["diff"].rstrip("\n") + "\n```\n")
            else:  # a line cut to the terminal ends in "…"; --format md shows it whole
                print("".join(cut(line, width) + "\n" for line in d["diff"].splitlines()))
    data = result.get("why")
    if data is not None:
        print()
        headers, rows = why_table(data, precision)
        if fmt == "md":
            print(f"**{why_heading(data, precision)}**\n")
        elif fmt == "table":
            print(_wrap(why_heading(data, precision), width))
        if rows or fmt == "csv":
            print(render(fmt, headers, rows))
        else:
            print("no cell in its backward slice differs")
