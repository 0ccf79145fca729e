"""What a comparison view offers to pick: recent trials of a notebook, the trials asked
for, and the tagged metrics and hyperparameters to plot."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nbprov.core.compare.facts import CompareError
from nbprov.store.models import Trial, VariableTag
from nbprov.store.queries import resolve_trial


@dataclass
class Choices:
    chosen: list[int]  # the baseline first; the two latest trials when none were asked
    recent: list[tuple[int, str | None, datetime | None]]  # (id, name, started), newest first
    metrics: list[str]
    hyperparams: list[str]


def comparison_choices(
    session: Session, notebook: str | None, refs: Sequence[str | int], *, limit: int
) -> Choices:
    """The ``limit`` latest trials of ``notebook`` (all notebooks when None) plus those
    ``refs`` name, and the tagged names. Raises :class:`CompareError` when fewer than two
    trials exist and none were named."""
    chosen = [resolve_trial(session, ref).id for ref in refs]
    query = select(Trial.id, Trial.name, Trial.started_at).order_by(Trial.id.desc())
    names = select(VariableTag.name, VariableTag.role).distinct()
    if notebook is not None:
        query = query.where(Trial.notebook == notebook)
        names = names.join(Trial, Trial.id == VariableTag.trial_id).where(
            Trial.notebook == notebook
        )
    recent: list[tuple[int, str | None, datetime | None]] = [
        (row[0], row[1], row[2]) for row in session.execute(query.limit(limit)).all()
    ]
    missing = [i for i in chosen if i not in {r[0] for r in recent}]
    if missing:
        recent += [
            (row[0], row[1], row[2])
            for row in session.execute(
                select(Trial.id, Trial.name, Trial.started_at).where(Trial.id.in_(missing))
            ).all()
        ]
    tags = session.execute(names).all()
    if not chosen:
        if len(recent) < 2:
            raise CompareError(
                "need two trials to compare"
                + (f" of {notebook}" if notebook else "")
                + " (start another with %trial new)"
            )
        chosen = [recent[1][0], recent[0][0]]
    return Choices(
        chosen=chosen,
        recent=recent,
        metrics=sorted({n for n, role in tags if role == "metric"}),
        hyperparams=sorted({n for n, role in tags if role == "hyperparam"}),
    )
