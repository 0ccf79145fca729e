"""Trial selection: which trials a filter, a sort key and a limit pick, as records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from nbprov.core.compare.direction import Direction, resolve_direction
from nbprov.core.compare.facts import CompareError
from nbprov.core.compare.filters import Ref, SortKey, parse_filter, parse_sort, sort_ids
from nbprov.store.models import Trial, Value, VariableTag
from nbprov.store.queries import (
    list_trials,
    tagged_value_rows,
    tagged_values,
)
from nbprov.store.records import iso, trial_record


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


def tagged_direction(
    session: Session, notebook: str | None, name: str
) -> tuple[Direction, str] | None:
    """Which way metric ``name`` improves and why (see :func:`resolve_direction`): the
    latest trial's tag that says so, else its name; None when no trial (of ``notebook``,
    when given) tags it as a metric."""
    query = (
        select(VariableTag.direction)
        .where(VariableTag.name == name, VariableTag.role == "metric")
        .order_by(VariableTag.trial_id.desc())
    )
    if notebook is not None:
        query = query.join(Trial, Trial.id == VariableTag.trial_id).where(
            Trial.notebook == notebook
        )
    stored = list(session.scalars(query))
    return resolve_direction(name, stored) if stored else None


def _best_first(session: Session, notebook: str | None, key: SortKey) -> SortKey:
    """A key that did not say its order: a metric's best first, anything else ascending."""
    ref = key.ref
    if key.descending is not None or ref.kind != "var" or ref.role not in (None, "metric"):
        return key
    found = tagged_direction(session, notebook, ref.name)
    return replace(key, descending=found is not None and found[0] == "max")


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
    candidate trial; full records are built for the trials returned. A sort key without
    ``-``, ``+``, ``:desc`` or ``:asc`` that names a metric puts its best trials first, by
    the direction it was tagged with (else its name's).
    """
    if limit is not None and limit < 0:
        raise CompareError("--limit must be zero or more")
    if limit is not None:
        limit = min(limit, 2**62)  # SQL takes 64-bit integers; no store holds more trials
    test = parse_filter(filter) if filter else None
    key = _best_first(session, notebook, parse_sort(sort_by)) if sort_by else None
    if test is None and key is None:
        from nbprov.store.queries import list_trials

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


def charted_trials(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """The trials a comparison's charts show, oldest first: every trial of the first
    trial's notebook (as the panel and ``%compare`` chart them) and the compared ones."""
    compared = trial_records(session, ids)
    notebook = compared[0]["notebook"] if compared else None
    records = {r["id"]: r for r in compared}
    if notebook is not None:
        for record in list_trials(session, notebook=notebook):
            records.setdefault(record["id"], record)
    return [records[i] for i in sorted(records)]
