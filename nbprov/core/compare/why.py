"""Why a metric moved: the cells in its backward slice whose code or inputs differ
between two trials."""

from __future__ import annotations

import difflib
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nbprov.capture.source import cell_label
from nbprov.core.compare.facts import Cell, CompareError, is_number, match_cells, tidy, value_key
from nbprov.store import Store
from nbprov.store.models import Activation
from nbprov.store.queries import (
    resolve_trial,
)


def _slice_cells(session: Session, trial_id: int, data: dict[str, Any]) -> list[Cell]:
    seqs = [a["seq"] for a in data["activations"]]
    ids = dict(
        session.execute(
            select(Activation.seq, Activation.cell_id).where(
                Activation.trial_id == trial_id, Activation.seq.in_(seqs)
            )
        ).all()
    )
    return [
        Cell(
            f"seq:{a['seq']}",
            ids.get(a["seq"]),
            a["cell_hash"],
            a["stage"],
            a["execution_count"],
            a["seq"],
        )
        for a in data["activations"]
    ]


def _inputs(data: dict[str, Any]) -> dict[int, dict[str, int]]:
    """Per reader seq: each input name and the seq of the version it read."""
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for edge in data["edges"]:
        if edge["kind"] == "uses":
            out[edge["activation"]][edge["variable"]] = edge["version"]
    return out


def why_in_session(session: Session, a: str | int, b: str | int, metric: str) -> dict[str, Any]:
    """See :func:`why`."""
    from nbprov.lineage.slicing import SliceError, slice_json

    trials = [resolve_trial(session, a), resolve_trial(session, b)]
    conn = session.connection()
    slices = []
    for trial in trials:
        try:
            slices.append(slice_json(conn, trial.id, metric))
        except SliceError as exc:
            raise CompareError(f"--why: {metric!r} was not computed in trial {trial.id}") from exc
    sa, sb = slices
    cells_a = _slice_cells(session, trials[0].id, sa)
    cells_b = _slice_cells(session, trials[1].id, sb)
    pairs = match_cells(cells_a, cells_b)
    back = {j: i for i, j in pairs.items()}
    values = [{(v["name"], v["seq"]): v for v in data["variables"]} for data in (sa, sb)]
    inputs_a, inputs_b = _inputs(sa), _inputs(sb)
    defines_b: dict[int, set[str]] = defaultdict(set)
    for edge in sb["edges"]:
        if edge["kind"] == "defines":
            defines_b[edge["activation"]].add(edge["variable"])
    writer_b = {v["seq"] for v in sb["variables"]}
    sources = {
        act["cell_hash"]: act["source"] or "" for act in sa["activations"] + sb["activations"]
    }
    differs: set[int] = set()  # seqs in trial b whose output may differ
    found: list[dict[str, Any]] = []

    def known(version: dict[str, Any] | None) -> bool:
        return version is not None and bool(version.get("exact"))

    for j, cell in enumerate(cells_b):
        entry: dict[str, Any] = {
            "name": f"[{cell.execution_count}]" if cell.execution_count is not None else "[ ]",
            "stage": cell.stage,
            "source_line": cell_label(sources.get(cell.cell_hash), 48),
            "inputs": [],
            "outputs": [],
        }
        i = back.get(j)
        if i is None:
            entry.update(
                reason="added",
                execution_counts=[None, cell.execution_count],
                cell_hashes=[None, cell.cell_hash],
            )
        else:
            other = cells_a[i]
            entry.update(
                execution_counts=[other.execution_count, cell.execution_count],
                cell_hashes=[other.cell_hash, cell.cell_hash],
            )
            if other.cell_hash != cell.cell_hash:
                entry["reason"] = "code"
                entry["diff"] = "".join(
                    difflib.unified_diff(
                        sources.get(other.cell_hash, "").splitlines(keepends=True),
                        sources.get(cell.cell_hash, "").splitlines(keepends=True),
                        fromfile=f"trial {trials[0].id}",
                        tofile=f"trial {trials[1].id}",
                    )
                )
            got_a = inputs_a.get(other.seq, {})
            for name, version in sorted(inputs_b.get(cell.seq, {}).items()):
                vb = values[1].get((name, version))
                va = values[0].get((name, got_a[name])) if name in got_a else None
                if name not in got_a:
                    moved = True
                elif known(va) and known(vb):
                    moved = value_key(va["value"]) != value_key(vb["value"])  # type: ignore[index]
                else:
                    moved = version in differs and version in writer_b
                if moved:
                    entry["inputs"].append(
                        {
                            "name": name,
                            "values": [
                                va["value"] if va else None,
                                vb["value"] if vb else None,
                            ],
                        }
                    )
            outputs = []
            for name in sorted(defines_b.get(cell.seq, ())):
                vb = values[1].get((name, cell.seq))
                va = values[0].get((name, other.seq))
                if known(va) and known(vb) and value_key(va["value"]) != value_key(vb["value"]):  # type: ignore[index]
                    outputs.append({"name": name, "values": [va["value"], vb["value"]]})  # type: ignore[index]
            entry["outputs"] = outputs
            if "reason" not in entry and entry["inputs"]:
                entry["reason"] = "inputs"
        if "reason" in entry:
            differs.add(cell.seq)
            found.append(entry)
    for i, cell in enumerate(cells_a):
        if i not in pairs:
            found.append(
                {
                    "name": f"[{cell.execution_count}]",
                    "stage": cell.stage,
                    "source_line": cell_label(sources.get(cell.cell_hash), 48),
                    "inputs": [],
                    "outputs": [],
                    "reason": "removed",
                    "execution_counts": [cell.execution_count, None],
                    "cell_hashes": [cell.cell_hash, None],
                }
            )
    final = [
        next((v["value"] for v in reversed(data["variables"]) if v["name"] == metric), None)
        for data in (sa, sb)
    ]
    delta = None
    if is_number(final[0]) and is_number(final[1]):
        delta = tidy(final[1] - final[0])  # type: ignore[operator]
    return {
        "metric": metric,
        "trials": [t.id for t in trials],
        "values": final,
        "changed": value_key(final[0]) != value_key(final[1]),
        "delta": delta,
        "cells": found,
    }


def why(store: Store, a: str | int, b: str | int, metric: str) -> dict[str, Any]:
    """The cells in ``metric``'s backward slice whose code or inputs differ between trials
    ``a`` and ``b``, in trial ``b``'s execution order (then cells only ``a`` ran).

    Each cell has a ``reason``: ``code`` (its source changed; ``diff`` shows how),
    ``inputs`` (same code, but an input it read differs: listed in ``inputs`` with both
    values, null where no value was recorded), ``added`` or ``removed``. ``outputs`` lists
    the recorded values the cell wrote that differ. An input without
    a recorded value counts as differing when the cell that wrote it is itself listed.
    """
    with store.session() as session:
        return why_in_session(session, a, b, metric)
