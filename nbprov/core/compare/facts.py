"""What a comparison is made of: each trial's tagged values, cells and environment,
read in a fixed number of queries, and cells matched between trials."""

from __future__ import annotations

import difflib
import json
import math
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nbprov.store.models import Activation, Code, Trial, Value, VariableTag
from nbprov.store.queries import (
    tagged_value_rows,
)
from nbprov.store.records import iso, trial_status

# Cells made only of these magics are nbprov's own bookkeeping, not the experiment.
_BOOKKEEPING = re.compile(r"^\s*%(trial|compare|deps|scriptify|load_ext\s+nbprov)\b")


class CompareError(ValueError):
    """Bad input to a comparison or a trial selection (shown to the user on one line)."""


# -- values -----------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def tidy(number: float | int) -> float | int:
    """Drop binary noise from a computed delta (0.30000000000000004 -> 0.3)."""
    if isinstance(number, int):
        return number
    return float(f"{number:.12g}")


def value_key(value: Any, fingerprint: str | None = None) -> str:
    """A canonical key: equal keys mean the same recorded value (1 and 1.0 are equal)."""
    if fingerprint is not None and isinstance(value, dict) and "repr" in value:
        return "fp:" + fingerprint
    if is_number(value):
        number = float(value)
        return "num:nan" if math.isnan(number) else f"num:{number!r}"
    return "json:" + json.dumps(value, sort_keys=True, default=str)


@dataclass
class Cell:
    """A cell as a trial last ran it."""

    key: str
    cell_id: str | None
    cell_hash: str
    stage: str | None
    execution_count: int | None
    seq: int


@dataclass
class Tagged:
    role: str
    value: Any
    exact: bool
    fingerprint: str | None
    direction: str | None = None  # a metric's "max" or "min" as tagged


@dataclass
class TrialFacts:
    """What a comparison needs to know about one trial."""

    id: int
    name: str | None
    notebook: str | None
    status: str
    started_at: str | None
    environment: dict[str, Any]
    tags: dict[str, Tagged] = field(default_factory=dict)
    cells: list[Cell] = field(default_factory=list)

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "notebook": self.notebook,
            "status": self.status,
            "started_at": self.started_at,
        }


def _bookkeeping(source: str | None) -> bool:
    if source is None:
        return False
    lines = [line for line in source.splitlines() if line.strip()]
    return bool(lines) and all(_BOOKKEEPING.match(line) for line in lines)


def load_facts(
    session: Session, trials: Sequence[Trial]
) -> tuple[list[TrialFacts], dict[str, str]]:
    """Tagged final values, cells and sources of ``trials``: a fixed number of queries."""
    ids = sorted({t.id for t in trials})
    facts = {
        t.id: TrialFacts(
            id=t.id,
            name=t.name,
            notebook=t.notebook,
            status=trial_status(t),
            started_at=iso(t.started_at),
            environment=t.environment if isinstance(t.environment, dict) else {},
        )
        for t in trials
    }
    for trial_id, name, role, direction in session.execute(
        select(
            VariableTag.trial_id, VariableTag.name, VariableTag.role, VariableTag.direction
        ).where(VariableTag.trial_id.in_(ids))
    ):
        facts[trial_id].tags[name] = Tagged(role, None, True, None, direction)
    rows = session.execute(
        tagged_value_rows(
            Value.trial_id, Value.name, Value.value, Value.exact, Value.fingerprint
        ).where(Value.trial_id.in_(ids))
    )
    for trial_id, name, value, exact, fingerprint in rows:
        tag = facts[trial_id].tags[name]
        tag.value, tag.exact, tag.fingerprint = value, bool(exact), fingerprint
    acts = session.execute(
        select(
            Activation.trial_id,
            Activation.seq,
            Activation.cell_id,
            Activation.cell_hash,
            Activation.stage,
            Activation.execution_count,
        )
        .where(Activation.trial_id.in_(ids))
        .order_by(Activation.trial_id, Activation.seq)
    ).all()
    hashes = {row[3] for row in acts}
    sources: dict[str, str] = {}
    if hashes:
        sources = dict(
            session.execute(select(Code.hash, Code.source).where(Code.hash.in_(hashes))).all()
        )
    per_trial: dict[int, dict[str, Cell]] = defaultdict(dict)
    for trial_id, seq, cell_id, digest, stage, count in acts:
        if _bookkeeping(sources.get(digest)):
            continue
        key = f"id:{cell_id}" if cell_id else f"hash:{digest}"
        cells = per_trial[trial_id]
        previous = cells.get(key)
        # The last run of a cell is the one that counts; it keeps its first position.
        cells[key] = Cell(
            key,
            cell_id,
            digest,
            stage or (previous.stage if previous else None),
            count,
            previous.seq if previous else seq,
        )
    for trial_id, cells in per_trial.items():
        facts[trial_id].cells = sorted(cells.values(), key=lambda c: c.seq)
    return [facts[t.id] for t in trials], sources


# -- cell matching ----------------------------------------------------------------------


def match_cells(reference: Sequence[Cell], other: Sequence[Cell]) -> dict[int, int]:
    """Pair cells of ``other`` (values) with cells of ``reference`` (keys), by index.

    Cells with the same cell id are the same cell. The rest are aligned by source hash in
    order (difflib); a run of changed cells between two aligned ones is paired by position.
    """
    pairs: dict[int, int] = {}
    ref_ids = {c.cell_id: i for i, c in enumerate(reference) if c.cell_id}
    for j, cell in enumerate(other):
        if cell.cell_id and cell.cell_id in ref_ids:
            pairs[ref_ids[cell.cell_id]] = j
    taken = set(pairs.values())
    left = [i for i in range(len(reference)) if i not in pairs]
    right = [j for j in range(len(other)) if j not in taken]
    matcher = difflib.SequenceMatcher(
        a=[reference[i].cell_hash for i in left],
        b=[other[j].cell_hash for j in right],
        autojunk=False,
    )
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op in ("equal", "replace"):
            for a, b in zip(range(a0, a1), range(b0, b1), strict=False):
                pairs[left[a]] = right[b]
    return pairs


@dataclass
class Slot:
    """One cell row: a reference cell, or a cell some other trial added."""

    name: str
    cells: list[Cell | None]


def cell_slots(facts: Sequence[TrialFacts]) -> list[Slot]:
    reference = facts[0].cells
    base: list[list[Cell | None]] = [[c] + [None] * (len(facts) - 1) for c in reference]
    added: dict[tuple[int, str], list[Cell | None]] = {}
    order: list[tuple[int, str]] = []
    for k, trial in enumerate(facts[1:], start=1):
        pairs = match_cells(reference, trial.cells)
        back = {j: i for i, j in pairs.items()}
        anchor = -1
        for j, cell in enumerate(trial.cells):
            if j in back:
                anchor = back[j]
                base[anchor][k] = cell
                continue
            key = (anchor, cell.cell_hash)
            if key not in added:
                added[key] = [None] * len(facts)
                order.append(key)
            added[key][k] = cell
    slots: list[Slot] = []
    extra: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for key in order:
        extra[key[0]].append(key)

    def add_extra(anchor: int) -> None:
        for n, key in enumerate(extra.get(anchor, []), start=1):
            slots.append(Slot(f"cell {anchor + 1}+{n}", added[key]))

    add_extra(-1)
    for i, cells in enumerate(base):
        slots.append(Slot(f"cell {i + 1}", cells))
        add_extra(i)
    return slots
