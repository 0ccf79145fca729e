"""How trials differ: the comparison every front renders, and trial selection.

:func:`compare_trials` answers with one JSON-ready object (stable, documented in the README)::

    {
      "trials": [3, 7],                      # trial ids, in the order asked; the first is
                                             # the baseline every delta is measured against
      "trial_info": [{"id", "name", "notebook", "status", "started_at"}],
      "rows": [
        {
          "group": "hyperparam" | "metric" | <other role> | "code" | "environment",
          "name": "alpha",
          "values": [0.1, 1.0],              # one per trial; null when missing there
          "present": [true, true],           # false where the trial lacks the row
          "changed": true,
          "delta": 0.9,                      # last trial minus first; null unless numeric
          "relative_delta": 9.0,             # delta / |first|; null when first is 0
          "deltas": [0, 0.9],                # each trial minus the first
          "relative_deltas": [0.0, 9.0]
        }
      ],
      "diffs": [{"name", "trials": [a, b], "diff"}],   # only with diff=True
      "warnings": ["..."]
    }

Rows come grouped: hyperparameters, metrics (and any other tagged role), code, then
environment. The code group has a ``notebook`` row, a ``stage NAME`` row per stage (a
digest of the stage's cells) and a ``cell N`` row per cell (a short hash of its source),
with cells matched between trials by cell id, then by source hash and position.

:func:`why` answers "which cells in the metric's backward slice differ between two trials",
and :func:`select_trials` lists trials with a filter expression (see :func:`parse_filter`),
a sort key and a limit.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import math
import re
import sys
import types
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from .store import Store
from .store.models import Activation, Code, Trial, Value, VariableTag
from .store.queries import (
    iso,
    resolve_trial,
    tagged_value_rows,
    tagged_values,
    trial_record,
    trial_status,
)

GROUP_ORDER = ("hyperparam", "metric", "code", "environment")
ROW_SORTS = ("name", "delta", "relative_delta", "value")
TRIAL_FIELDS = ("id", "name", "notebook", "status", "started_at", "ended_at")
ROLE_ALIASES = {"metrics": "metric", "hyperparams": "hyperparam", "hyperparameter": "hyperparam"}
MAX_FILTER_LENGTH = 2000
# Cells made only of these magics are nbprov's own bookkeeping, not the experiment.
_BOOKKEEPING = re.compile(r"^\s*%(trial|compare|deps|scriptify|load_ext\s+nbprov)\b")


class CompareError(ValueError):
    """Bad input to a comparison or a trial selection (shown to the user on one line)."""


# -- values -----------------------------------------------------------------------------


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _tidy(number: float | int) -> float | int:
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


def source_label(source: str | None, width: int = 48) -> str:
    """The first telling line of a cell: not blank, not a ``%tag`` magic."""
    for line in (source or "").splitlines():
        text = line.strip()
        if text and not text.startswith(("%tag ", "%tag\t")):
            return text if len(text) <= width else text[: width - 1] + "…"
    return ""


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
    for trial_id, name, role in session.execute(
        select(VariableTag.trial_id, VariableTag.name, VariableTag.role).where(
            VariableTag.trial_id.in_(ids)
        )
    ):
        facts[trial_id].tags[name] = Tagged(role, None, True, None)
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


# -- rows -------------------------------------------------------------------------------


def _row(
    group: str, name: str, values: list[Any], present: list[bool], keys: list[str]
) -> dict[str, Any]:
    shown = [k for k, p in zip(keys, present, strict=True) if p]
    changed = len(set(shown)) > 1 or (0 < len(shown) < len(present))
    deltas: list[float | int | None] = []
    relative: list[float | None] = []
    first = values[0]
    for value, here in zip(values, present, strict=True):
        if present[0] and here and is_number(first) and is_number(value):
            diff = _finite(float(value - first))
            delta: float | int | None = None
            if diff is not None:
                delta = _tidy(value - first)
            deltas.append(delta)
            relative.append(
                None if diff is None or first == 0 else _finite(_tidy(diff / abs(first)))
            )
        else:
            deltas.append(None)
            relative.append(None)
    return {
        "group": group,
        "name": name,
        "values": values,
        "present": present,
        "changed": changed,
        "delta": deltas[-1] if len(values) > 1 else None,
        "relative_delta": relative[-1] if len(values) > 1 else None,
        "deltas": deltas,
        "relative_deltas": relative,
    }


def _tag_rows(facts: Sequence[TrialFacts]) -> list[dict[str, Any]]:
    names: dict[str, str] = {}
    for trial in facts:
        for name, tag in trial.tags.items():
            names.setdefault(name, tag.role)
    rows = []
    for name, role in names.items():
        values, present, keys = [], [], []
        for trial in facts:
            found = trial.tags.get(name)
            values.append(None if found is None else found.value)
            present.append(found is not None)
            keys.append("" if found is None else value_key(found.value, found.fingerprint))
        rows.append(_row(role, name, values, present, keys))
    return rows


def _digest(hashes: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(hashes).encode()).hexdigest()[:12]


def _code_rows(
    facts: Sequence[TrialFacts], sources: dict[str, str]
) -> tuple[list[dict[str, Any]], list[Slot]]:
    rows = []
    notebooks = [t.notebook for t in facts]
    rows.append(
        _row("code", "notebook", notebooks, [True] * len(facts), [str(n) for n in notebooks])
    )
    stages: list[str] = []
    for trial in facts:
        for cell in trial.cells:
            if cell.stage and cell.stage not in stages:
                stages.append(cell.stage)
    for stage in stages:
        values: list[Any] = []
        for trial in facts:
            hashes = [c.cell_hash for c in trial.cells if c.stage == stage]
            values.append(_digest(hashes) if hashes else None)
        present = [v is not None for v in values]
        rows.append(_row("code", f"stage {stage}", values, present, [str(v) for v in values]))
    slots = cell_slots(facts)
    for slot in slots:
        values = [None if c is None else c.cell_hash[:12] for c in slot.cells]
        present = [c is not None for c in slot.cells]
        row = _row("code", slot.name, values, present, [str(v) for v in values])
        known = [c for c in slot.cells if c is not None]
        row["stage"] = next((c.stage for c in known if c.stage), None)
        row["source_line"] = source_label(sources.get(known[0].cell_hash)) if known else ""
        row["cell_hashes"] = [None if c is None else c.cell_hash for c in slot.cells]
        row["execution_counts"] = [None if c is None else c.execution_count for c in slot.cells]
        rows.append(row)
    return rows, slots


def _environment_rows(facts: Sequence[TrialFacts]) -> list[dict[str, Any]]:
    def git(env: dict[str, Any]) -> str | None:
        state = env.get("git")
        if not isinstance(state, dict) or not state.get("commit"):
            return None
        return str(state["commit"])[:12] + ("+dirty" if state.get("dirty") else "")

    getters: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
        ("python", lambda env: env.get("python")),
        ("host", lambda env: env.get("hostname")),
        ("git commit", git),
    ]

    def installed(env: dict[str, Any]) -> dict[str, Any]:
        packages = env.get("packages")
        return packages if isinstance(packages, dict) else {}

    packages: list[str] = sorted(
        {str(p) for t in facts for p in installed(t.environment)}, key=str.lower
    )

    def package_version(package: str) -> Callable[[dict[str, Any]], Any]:
        return lambda env: installed(env).get(package)

    for package in packages:
        getters.append((f"package {package}", package_version(package)))
    rows = []
    for name, getter in getters:
        values = [getter(t.environment) for t in facts]
        present = [v is not None for v in values]
        if not any(present):
            continue
        rows.append(_row("environment", name, values, present, [str(v) for v in values]))
    return rows


def _group_rank(group: str) -> int:
    if group in GROUP_ORDER[:2]:
        return GROUP_ORDER.index(group)
    if group == "code":
        return 3
    if group == "environment":
        return 4
    return 2  # other tagged roles sit between metrics and code


def _compile(pattern: str | None, flag: str) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise CompareError(f"{flag}: bad regular expression {pattern!r}: {exc}") from exc


def _sort_rows(rows: list[dict[str, Any]], sort_by: str | None) -> list[dict[str, Any]]:
    if sort_by is None:
        return sorted(rows, key=lambda r: _group_rank(r["group"]))
    descending = sort_by.startswith("-")
    key_name = sort_by.lstrip("-+")
    if key_name not in ROW_SORTS:
        raise CompareError(f"--sort-by: choose one of {', '.join(ROW_SORTS)} (got {sort_by!r})")

    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        if key_name == "name":
            return (0, row["name"].lower())
        if key_name == "value":
            last = row["values"][-1]
            return (0, float(last)) if is_number(last) else (1, str(last))
        number = row[key_name]
        # Biggest change first; rows without a number last.
        return (0, -abs(number)) if number is not None else (1, 0.0)

    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row["group"]].append(row)
    out: list[dict[str, Any]] = []
    for group in sorted(groups, key=_group_rank):
        members = sorted(groups[group], key=key)
        if descending:
            members.reverse()
        out.extend(members)
    return out


def compare_trials(
    session: Session,
    refs: Sequence[str | int],
    *,
    show_all: bool = False,
    keep: str | None = None,
    drop: str | None = None,
    sort_by: str | None = None,
    diff: bool = False,
) -> dict[str, Any]:
    """Compare trials (ids, names, ``latest``, -1, -2 ...); the first is the baseline.

    Only rows that differ between the trials unless ``show_all``; ``keep`` / ``drop`` are
    regular expressions searched in ``name`` and in ``group.name``; ``sort_by`` is one of
    :data:`ROW_SORTS` (prefix ``-`` to reverse), applied within each group; ``diff`` adds
    unified diffs of changed cell sources.
    """
    if len(refs) < 2:
        raise CompareError("compare needs at least two trials")
    keep_re, drop_re = _compile(keep, "--keep"), _compile(drop, "--drop")
    trials = [resolve_trial(session, ref) for ref in refs]
    facts, sources = load_facts(session, trials)
    code_rows, slots = _code_rows(facts, sources)
    rows = _tag_rows(facts) + code_rows + _environment_rows(facts)
    if not show_all:
        rows = [r for r in rows if r["changed"]]

    def matches(pattern: re.Pattern[str], row: dict[str, Any]) -> bool:
        return bool(pattern.search(row["name"]) or pattern.search(f"{row['group']}.{row['name']}"))

    if keep_re is not None:
        rows = [r for r in rows if matches(keep_re, r)]
    if drop_re is not None:
        rows = [r for r in rows if not matches(drop_re, r)]
    result: dict[str, Any] = {
        "trials": [t.id for t in facts],
        "trial_info": [t.info() for t in facts],
        "rows": _sort_rows(rows, sort_by),
        "warnings": [],
    }
    if len({t.notebook for t in facts}) > 1:
        result["warnings"].append(
            "the trials come from different notebooks: cells are matched by source hash "
            "and position only"
        )
    if diff:
        result["diffs"] = cell_diffs(facts, slots, sources)
    return result


def cell_diffs(
    facts: Sequence[TrialFacts], slots: Sequence[Slot], sources: dict[str, str]
) -> list[dict[str, Any]]:
    """Unified diffs of each changed cell: the baseline's source against each trial's."""
    out = []
    for slot in slots:
        first = slot.cells[0]
        for k in range(1, len(facts)):
            cell = slot.cells[k]
            if (first is None and cell is None) or (
                first is not None and cell is not None and first.cell_hash == cell.cell_hash
            ):
                continue
            before = sources.get(first.cell_hash, "") if first else ""
            after = sources.get(cell.cell_hash, "") if cell else ""
            # Lines without their ends: a cell's last line has no newline, and with
            # keepends it would run into the next line of the diff.
            lines = difflib.unified_diff(
                before.splitlines(),
                after.splitlines(),
                fromfile=f"trial {facts[0].id}: {slot.name}" if first else "/dev/null",
                tofile=f"trial {facts[k].id}: {slot.name}" if cell else "/dev/null",
                lineterm="",
            )
            text = "".join(line + "\n" for line in lines)
            out.append({"name": slot.name, "trials": [facts[0].id, facts[k].id], "diff": text})
    return out


def compare(
    refs: Sequence[str | int],
    *,
    db: str | None = None,
    store: Store | None = None,
    **options: Any,
) -> dict[str, Any]:
    """:func:`compare_trials` on the store named by ``db`` (or an open ``store``)."""
    own = store is None
    opened = Store.open(db) if store is None else store
    try:
        with opened.session() as session:
            return compare_trials(session, refs, **options)
    finally:
        if own:
            opened.close()


# -- why did a metric move ---------------------------------------------------------------


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
    from .lineage.slicing import SliceError, slice_json

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
            "source_line": source_label(sources.get(cell.cell_hash)),
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
                    "source_line": source_label(sources.get(cell.cell_hash)),
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
        delta = _tidy(final[1] - final[0])  # type: ignore[operator]
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


# -- filter expressions -----------------------------------------------------------------


class FilterError(CompareError):
    """A filter expression that is malformed or uses something other than comparisons."""


MISSING: Any = None

Getter = Callable[[dict[Any, Any]], Any]
Predicate = Callable[[dict[Any, Any]], Any]


class Ref(NamedTuple):
    """What a name in an expression refers to: a trial field, or a tagged variable
    (``role`` None means any role)."""

    kind: str  # "trial" | "var"
    role: str | None
    name: str

    def text(self) -> str:
        if self.kind == "trial":
            return f"trial.{self.name}"
        return f"{self.role}.{self.name}" if self.role else self.name


def parse_ref(node: ast.expr) -> Ref | None:
    if isinstance(node, ast.Name):
        return Ref("var", None, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        prefix = node.value.id
        if prefix == "trial":
            if node.attr not in TRIAL_FIELDS:
                raise FilterError(
                    f"unknown trial field {node.attr!r} (choose from {', '.join(TRIAL_FIELDS)})"
                )
            return Ref("trial", None, node.attr)
        return Ref("var", ROLE_ALIASES.get(prefix, prefix), node.attr)
    return None


def _ordered(left: Any, right: Any) -> bool:
    return (is_number(left) and is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )


def _equal(left: Any, right: Any) -> bool:
    if is_number(left) and is_number(right):
        return bool(left == right)
    return type(left) is type(right) and bool(left == right)


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: _equal,
    ast.NotEq: lambda a, b: not _equal(a, b),
    ast.Lt: lambda a, b: _ordered(a, b) and bool(a < b),
    ast.LtE: lambda a, b: _ordered(a, b) and bool(a <= b),
    ast.Gt: lambda a, b: _ordered(a, b) and bool(a > b),
    ast.GtE: lambda a, b: _ordered(a, b) and bool(a >= b),
    ast.In: lambda a, b: isinstance(b, tuple) and any(_equal(a, x) for x in b),
    ast.NotIn: lambda a, b: isinstance(b, tuple) and not any(_equal(a, x) for x in b),
}


@dataclass
class Filter:
    """A parsed filter: call it with a lookup ``{Ref: value}`` to test one trial."""

    text: str
    refs: set[Ref]
    test: Predicate

    def __call__(self, values: dict[Any, Any]) -> bool:
        return bool(self.test(values))


def _constant(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (bool, int, float, str))
    ):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and is_number(node.operand.value)
    ):
        number: int | float = node.operand.value  # type: ignore[assignment]
        return -number if isinstance(node.op, ast.USub) else number
    raise FilterError(f"expected a number, string, True, False or None, got {ast.unparse(node)!r}")


def parse_filter(text: str) -> Filter:
    """Parse a filter such as ``metric.r2 > 0.4 and hyperparam.alpha < 1``.

    Grammar: comparisons (``== != < <= > >=``, chained, and ``in`` / ``not in`` a list of
    constants) between references and constants, combined with ``and``, ``or``, ``not``
    and parentheses. A reference is ``ROLE.NAME`` (``metric.r2``, ``hyperparam.alpha``,
    any tag role), a bare ``NAME`` (a tagged variable of any role) or ``trial.FIELD``
    (id, name, notebook, status, started_at, ended_at). A bare reference tests its truth.
    Strings compare only with strings and numbers with numbers; a comparison involving a
    missing value is false (except ``== None``). The text is parsed with :mod:`ast` and
    interpreted node by node; nothing is ever evaluated as Python.
    """
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"filter longer than {MAX_FILTER_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError) as exc:
        raise FilterError(f"cannot parse filter {text!r}: {exc}") from exc
    refs: set[Ref] = set()

    def operand(node: ast.expr) -> Getter:
        ref = parse_ref(node)
        if ref is not None:
            refs.add(ref)
            return lambda values: values.get(ref, MISSING)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = tuple(_constant(e) for e in node.elts)
            return lambda values: items
        value = _constant(node)
        return lambda values: value

    def build(node: ast.expr) -> Predicate:
        if isinstance(node, ast.BoolOp):
            parts = [build(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda values: all(p(values) for p in parts)
            return lambda values: any(p(values) for p in parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = build(node.operand)
            return lambda values: not inner(values)
        if isinstance(node, ast.Compare):
            getters = [operand(node.left), *(operand(c) for c in node.comparators)]
            checks = []
            for op in node.ops:
                check = _COMPARE.get(type(op))
                if check is None:
                    raise FilterError(f"operator {type(op).__name__} is not allowed in a filter")
                checks.append(check)

            def compare(values: dict[Any, Any]) -> bool:
                got = [g(values) for g in getters]
                return all(check(got[i], got[i + 1]) for i, check in enumerate(checks))

            return compare
        ref = parse_ref(node)
        if ref is not None:
            refs.add(ref)
            return lambda values: bool(values.get(ref, MISSING))
        raise FilterError(
            f"not allowed in a filter: {ast.unparse(node)!r} "
            "(use comparisons joined by and / or / not)"
        )

    try:
        test = build(tree.body)
    except RecursionError as exc:
        raise FilterError("filter nested too deeply") from exc
    return Filter(text, refs, test)


# -- trial selection ----------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    ref: Ref
    descending: bool


def parse_sort(text: str) -> SortKey:
    """``NAME``, ``ROLE.NAME`` or ``trial.FIELD``; ``-`` in front or ``:desc`` after for
    descending order (``:asc`` is the default)."""
    spec = text.strip()
    descending = False
    if spec.startswith("-"):
        descending, spec = True, spec[1:]
    elif spec.startswith("+"):
        spec = spec[1:]
    lowered = spec.lower()
    for suffix, flag in ((":desc", True), (":asc", False)):
        if lowered.endswith(suffix):
            descending, spec = flag, spec[: -len(suffix)]
    try:
        node = ast.parse(spec, mode="eval").body
    except SyntaxError as exc:
        raise CompareError(f"--sort-by: cannot parse {text!r}") from exc
    ref = parse_ref(node)
    if ref is None:
        raise CompareError(f"--sort-by: expected NAME, ROLE.NAME or trial.FIELD, got {text!r}")
    return SortKey(ref, descending)


def _sort_value(value: Any) -> tuple[int, Any]:
    if is_number(value):
        return (0, float(value))
    if isinstance(value, str):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True, default=str))


def sort_ids(ids: Sequence[int], values: dict[int, dict[Any, Any]], key: SortKey) -> list[int]:
    """Trial ids ordered by ``key``; trials without the value come last, by id."""
    have = [i for i in ids if values.get(i, {}).get(key.ref) is not None]
    lacking = [i for i in ids if values.get(i, {}).get(key.ref) is None]
    have.sort(key=lambda i: (_sort_value(values[i][key.ref]), i), reverse=key.descending)
    return have + sorted(lacking)


def lookup_values(
    session: Session, notebook: str | None, refs: set[Ref]
) -> tuple[list[int], dict[int, dict[Any, Any]]]:
    """Candidate trial ids (oldest first) and, per trial, the values ``refs`` name.

    Two queries whatever the number of trials: the trial columns, and the final values of
    only the variables the expression mentions.
    """
    fields = sorted({r.name for r in refs if r.kind == "trial"} | {"id"})
    columns = [getattr(Trial, f) for f in fields]
    query = select(*columns).order_by(Trial.id)
    if notebook is not None:
        query = query.where(Trial.notebook == notebook)
    values: dict[int, dict[Any, Any]] = {}
    ids: list[int] = []
    for row in session.execute(query):
        record = dict(zip(fields, row, strict=True))
        trial_id = record["id"]
        ids.append(trial_id)
        values[trial_id] = {
            Ref("trial", None, f): (iso(record[f]) if f.endswith("_at") else record[f])
            for f in fields
        }
    names = sorted({r.name for r in refs if r.kind == "var"})
    if names:
        found = tagged_value_rows(
            Value.trial_id, Value.name, VariableTag.role, Value.value, Value.exact
        ).where(Value.name.in_(names))
        if notebook is not None:
            found = found.join(Trial, Trial.id == Value.trial_id).where(Trial.notebook == notebook)
        keys: dict[tuple[str, str], tuple[Ref, Ref]] = {}
        for trial_id, name, role, value, exact in session.execute(found):
            slot = values.get(trial_id)
            if slot is None:
                continue
            pair = keys.get((role, name))
            if pair is None:
                pair = keys[(role, name)] = (Ref("var", role, name), Ref("var", None, name))
            shown = value if exact else None
            slot[pair[0]] = shown
            slot[pair[1]] = shown
    return ids, values


def select_trials(
    session: Session,
    *,
    notebook: str | None = None,
    filter: str | None = None,
    sort_by: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Trials as ``nbprov trials --format json`` records, filtered, sorted and limited.

    Without ``sort_by`` the answer is the ``limit`` most recent matching trials, oldest
    first (as ``nbprov trials`` always listed them); with it, the first ``limit`` trials in
    that order. Only the values the filter and the sort key name are read for every
    candidate trial; full records are built for the trials returned.
    """
    if limit is not None and limit < 0:
        raise CompareError("--limit must be zero or more")
    if limit is not None:
        limit = min(limit, 2**62)  # SQL takes 64-bit integers; no store holds more trials
    test = parse_filter(filter) if filter else None
    key = parse_sort(sort_by) if sort_by else None
    if test is None and key is None:
        from .store.queries import list_trials

        return list_trials(session, notebook=notebook, limit=limit)
    refs = set(test.refs if test else set()) | ({key.ref} if key else set())
    ids, values = lookup_values(session, notebook, refs)
    if test is not None:
        ids = [i for i in ids if test(values[i])]
    if key is not None:
        ids = sort_ids(ids, values, key)
        if limit is not None:
            ids = ids[:limit]
    elif limit is not None:
        ids = ids[-limit:] if limit else []
    return trial_records(session, ids)


def trial_records(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Full ``nbprov trials`` records for ``ids``, in that order (a fixed number of queries)."""
    if not ids:
        return []
    query = select(Trial).where(Trial.id.in_(list(ids))).options(defer(Trial.environment))
    by_id = {t.id: t for t in session.scalars(query)}
    tags = tagged_values(session, list(ids))
    return [trial_record(by_id[i], tags.get(i, [])) for i in ids if i in by_id]


# -- ``nbprov.compare(...)`` ------------------------------------------------------------


class _CallableModule(types.ModuleType):
    """Importing ``nbprov.compare`` (this module) sets the package attribute ``compare`` to
    the module, shadowing the notebook function of the same name; calling the module does
    what the function does, so ``nbprov.compare(3, 7)`` works whatever was imported first.
    """

    def __call__(self, *refs: str | int, db: str | None = None) -> Any:
        from .compare_widget import compare as view

        return view(*refs, db=db)


sys.modules[__name__].__class__ = _CallableModule
