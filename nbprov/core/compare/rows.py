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
          "relative_deltas": [0.0, 9.0],
          "direction": "max" | "min",        # metric rows only: which way is better,
          "direction_source": "stored" | "name"   # as tagged (--max/--min) or guessed
        }
      ],
      "diffs": [{"name", "trials": [a, b], "diff"}],   # only with diff=True
      "warnings": ["..."]
    }

Rows come grouped: hyperparameters, metrics (and any other tagged role), code, then
environment. The code group has a ``notebook`` row, a ``stage NAME`` row per stage (a
digest of the stage's cells) and a ``cell N`` row per cell (a short hash of its source),
with cells matched between trials by cell id, then by source hash and position.

"""

from __future__ import annotations

import difflib
import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from nbprov.capture.source import cell_label
from nbprov.core.compare.direction import resolve_direction
from nbprov.core.compare.facts import (
    CompareError,
    Slot,
    TrialFacts,
    cell_slots,
    finite,
    is_number,
    load_facts,
    tidy,
    value_key,
)
from nbprov.store import Store, store_session
from nbprov.store.queries import (
    resolve_trial,
)

GROUP_ORDER = ("hyperparam", "metric", "code", "environment")
ROW_SORTS = ("name", "delta", "relative_delta", "value")

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
            diff = finite(float(value - first))
            delta: float | int | None = None
            if diff is not None:
                delta = tidy(value - first)
            deltas.append(delta)
            relative.append(None if diff is None or first == 0 else finite(tidy(diff / abs(first))))
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
        row = _row(role, name, values, present, keys)
        if role == "metric":
            # The latest compared trial that tagged a direction says it (trial ids grow).
            latest = sorted(facts, key=lambda t: -t.id)
            stored = (t.tags[name].direction for t in latest if name in t.tags)
            row["direction"], row["direction_source"] = resolve_direction(name, stored)
        rows.append(row)
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
        row["source_line"] = cell_label(sources.get(known[0].cell_hash), 48) if known else ""
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
    with store_session(db, store) as session:
        return compare_trials(session, refs, **options)
