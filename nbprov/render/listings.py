"""The trials listing as people read it (``nbprov trials``): facts, then hyperparameters,
then metrics, a row per trial."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nbprov.render.tables import format_value, render, to_json
from nbprov.render.times import duration_text, when_text


def trials_table(records: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the trials listing: facts, then hyperparams, then metrics."""
    hyper = sorted({k for r in records for k in r["hyperparams"]})
    metrics = sorted({k for r in records for k in r["metrics"]})
    headers = ["id", "name", "notebook", "started", "duration", "status", *hyper, *metrics]
    rows = [
        [
            str(r["id"]),
            r["name"] or "",
            Path(r["notebook"]).name if r["notebook"] else "",
            when_text(r["started_at"]),
            duration_text(r["started_at"], r["ended_at"]),
            str(r["status"]),
            *(format_value(r["hyperparams"].get(k)) for k in hyper),
            *(format_value(r["metrics"].get(k)) for k in metrics),
        ]
        for r in records
    ]
    # Name and notebook columns that are empty in every row only take room.
    keep = [
        i for i, h in enumerate(headers) if h not in ("name", "notebook") or any(r[i] for r in rows)
    ]
    return [headers[i] for i in keep], [[r[i] for i in keep] for r in rows]


def print_listing(records: list[dict[str, Any]], fmt: str) -> None:
    """Trial records as ``nbprov trials`` prints them."""
    if fmt == "json":
        print(to_json(records))
    else:
        print(render(fmt, *trials_table(records)))
