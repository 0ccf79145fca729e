"""Where a value came from: the backward slice of a variable in a recorded trial, as the
JSON documented in :mod:`nbprov.lineage.slicing`. Every front renders this answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nbprov.lineage.slicing import SliceError, slice_json
from nbprov.store import open_store
from nbprov.store.queries import resolve_trial

__all__ = ["SliceError", "deps_in_store", "deps_json"]


def deps_json(
    engine: Engine, trial_ref: str | int, name: str, *, at: int | None = None
) -> dict[str, Any]:
    """The backward slice of ``name`` in a trial (id, name, ``latest`` or -1, -2, ...),
    at the end of the trial or as of execution count ``at``. Raises :class:`SliceError`
    for a variable never written, ``StoreError`` for an unknown trial."""
    with Session(engine) as session:
        trial_id = resolve_trial(session, trial_ref).id
        return slice_json(session.connection(), trial_id, name, as_of_execution=at)


def deps_in_store(
    name: str, trial: str | int | None = None, db: str | None = None, at: int | None = None
) -> dict[str, Any]:
    """The slice of ``name`` in ``trial`` (default: the latest) of the store ``db``."""
    with open_store(db) as store:
        return deps_json(store.engine, "latest" if trial is None else trial, name, at=at)
