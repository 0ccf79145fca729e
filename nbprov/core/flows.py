"""The data flows between a trial's cells (see :mod:`nbprov.lineage.flows`), read from the
store: what the panel needs to mark the cells that depend on an edited one as stale."""

from __future__ import annotations

from typing import Any

from nbprov.lineage.flows import trace_flows
from nbprov.lineage.slicing import load_trace
from nbprov.store import store_session
from nbprov.store.queries import resolve_trial


def flows(trial: str | int, db: str | None = None) -> dict[str, Any]:
    """The flows of a trial of the store ``db`` (default: ``$NBPROV_DB``)."""
    with store_session(db) as session:
        trial_id = resolve_trial(session, trial).id
        trace = load_trace(session.connection(), trial_id, with_sources=False)
        return {"trial": trial_id, "flows": trace_flows(trace)}
