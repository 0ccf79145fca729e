"""Read queries over the store, returning the JSON-ready shapes every front renders."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, String, and_, func, literal, select
from sqlalchemy.orm import Session, defer

from nbprov.store.engine import StoreError
from nbprov.store.models import Activation, Code, Trial, Value, VariableTag
from nbprov.store.records import (
    iso,
    kernel_gone,
    trial_record,
)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def resolve_trial(session: Session, ref: str | int) -> Trial:
    """A trial by id, name, ``latest``, or negative index (-1 latest, -2 the one before).

    A name used by several trials means the latest of them.
    """
    text = str(ref).strip()
    trial: Trial | None = None
    if not text.isascii() and not _is_utf8(text):  # a stray surrogate: no stored name has one
        raise StoreError(f"no trial {text!r} (give an id, a name, 'latest' or -1, -2, ...)")
    if text == "latest":
        text = "-1"
    # ASCII digits only, within SQL's 64-bit integers: anything else is looked up as a name.
    if re.fullmatch(r"-?[0-9]{1,18}", text):
        number = int(text)
        if number < 0:
            trial = session.scalars(
                select(Trial).order_by(Trial.id.desc()).offset(-number - 1).limit(1)
            ).first()
        else:
            trial = session.get(Trial, number)
    if trial is None:
        trial = session.scalars(
            select(Trial).where(Trial.name == text).order_by(Trial.id.desc()).limit(1)
        ).first()
    if trial is None:
        total = session.scalar(select(func.count()).select_from(Trial)) or 0
        if total == 0:
            raise StoreError("the store has no trials yet")
        raise StoreError(f"no trial {text!r} (give an id, a name, 'latest' or -1, -2, ...)")
    return trial


def tagged_value_rows(*columns: Any) -> Select[Any]:
    """``columns`` of the recorded values of tagged variables, oldest first per trial."""
    return (
        select(*columns)
        .join(
            VariableTag,
            and_(VariableTag.trial_id == Value.trial_id, VariableTag.name == Value.name),
        )
        .order_by(Value.trial_id, Value.seq, Value.id)
    )


def tagged_values(
    session: Session, trial_ids: Iterable[int], *, directions: bool = False
) -> dict[int, list[dict[str, Any]]]:
    """Per trial: each tagged variable with its role, final value and history, and with
    ``directions`` a metric's direction (None when it was tagged without one)."""
    ids = list(trial_ids)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if not ids:
        return out
    # Only ``show`` prints directions: a listing must not read (and fail on) a column
    # it does not show, as the quick listing does not read it either.
    direction_column = VariableTag.direction if directions else literal(None, String)
    tags = session.execute(
        select(VariableTag.trial_id, VariableTag.name, VariableTag.role, direction_column)
        .where(VariableTag.trial_id.in_(ids))
        .order_by(VariableTag.trial_id, VariableTag.name)
    ).all()
    rows = session.execute(
        tagged_value_rows(
            Value.trial_id, Value.name, Value.value, Value.exact, Value.execution_count
        ).where(Value.trial_id.in_(ids))
    ).all()
    history: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for trial_id, name, value, exact, count in rows:
        history[(trial_id, name)].append(
            {"value": value, "exact": bool(exact), "execution_count": count}
        )
    for trial_id, name, role, direction in tags:
        versions = history.get((trial_id, name), [])
        final = versions[-1] if versions else {"value": None, "exact": True}
        out[trial_id].append(
            {
                "name": name,
                "role": role,
                "direction": direction,
                "value": final["value"],
                "exact": final["exact"],
                "execution_count": final.get("execution_count"),
                "history": [
                    {"execution_count": v["execution_count"], "value": v["value"]} for v in versions
                ],
            }
        )
    return out


def list_trials(
    session: Session, *, notebook: str | None = None, limit: int | None = None
) -> list[dict[str, Any]]:
    """Trials oldest first; ``limit`` keeps the most recent ones."""
    # The listing never shows the environment: a damaged one must not hide the trials.
    query = select(Trial).options(defer(Trial.environment))
    if notebook is not None:
        query = query.where(Trial.notebook == notebook)
    query = query.order_by(Trial.id.desc())
    if limit is not None:
        query = query.limit(limit)
    trials = list(reversed(session.scalars(query).all()))
    tags = tagged_values(session, [t.id for t in trials])
    return [trial_record(t, tags.get(t.id, [])) for t in trials]


def activations_with_source(session: Session, trial_id: int) -> list[Any]:
    """(Activation, source) pairs of a trial in execution order; the source is None when
    the store lacks its code row (the cell still ran, and is still listed)."""
    return list(
        session.execute(
            select(Activation, Code.source)
            .outerjoin(Code, Code.hash == Activation.cell_hash)
            .where(Activation.trial_id == trial_id)
            .order_by(Activation.seq)
        ).all()
    )


def show_trial(session: Session, trial: Trial) -> dict[str, Any]:
    """The documented ``nbprov show`` object: the trial, its activations and variables."""
    tags = tagged_values(session, [trial.id], directions=True).get(trial.id, [])
    record = trial_record(trial, tags)
    record["uuid"] = trial.uuid
    record["environment"] = trial.environment or {}
    dead = kernel_gone(trial.status, trial.host, trial.pid)
    rows = activations_with_source(session, trial.id)
    record["activations"] = [
        {
            "execution_count": act.execution_count,
            "cell_id": act.cell_id,
            "cell_hash": act.cell_hash,
            "stage": act.stage,
            "status": "interrupted" if dead and act.status == "running" else act.status,
            "started_at": iso(act.started_at),
            "duration_s": act.duration,
            "error": (
                {"type": act.error_type, "message": act.error_message} if act.error_type else None
            ),
            "source": source,
        }
        for act, source in rows
    ]
    record["variables"] = [
        {
            "name": t["name"],
            "role": t["role"],
            "direction": t["direction"],
            "value": t["value"],
            "execution_count": t["execution_count"],
            "history": t["history"],
        }
        for t in tags
    ]
    return record


def variable_versions(session: Session, trial_id: int, name: str) -> list[dict[str, Any]]:
    """Every recorded value of ``name`` in a trial, in execution order: the activation's
    seq and execution count, the value (exact JSON or a summary object), its fingerprint,
    and when the cell that recorded it started (None for a value recorded outside a cell)."""
    rows = session.execute(
        select(
            Value.seq,
            Value.execution_count,
            Value.value,
            Value.exact,
            Value.fingerprint,
            Activation.started_at,
        )
        .outerjoin(Activation, Activation.id == Value.activation_id)
        .where(Value.trial_id == trial_id, Value.name == name)
        .order_by(Value.seq, Value.id)
    ).all()
    return [
        {
            "seq": seq,
            "execution_count": count,
            "value": value,
            "exact": bool(exact),
            "fingerprint": fingerprint,
            "started_at": iso(started),
        }
        for seq, count, value, exact, fingerprint, started in rows
    ]


def variable_tag(session: Session, trial_id: int, name: str) -> str | None:
    """The role ``name`` was tagged with in a trial, or None when it was not tagged."""
    return session.scalar(
        select(VariableTag.role).where(VariableTag.trial_id == trial_id, VariableTag.name == name)
    )
