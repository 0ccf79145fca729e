"""One variable's recorded values in a trial: the version a lineage node stands for and
every version before and after it, as the panel shows when a variable node is clicked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nbprov.render.graph import value_text
from nbprov.store import open_store
from nbprov.store.queries import resolve_trial, variable_tag, variable_versions

__all__ = ["UNTAGGED_NOTE", "history_in_store", "history_json"]

# What the kernel keeps of a variable nobody tagged (see nbprov.capture.values.summarize).
UNTAGGED_NOTE = (
    "untagged: numbers and small containers of numbers are kept exactly; text and other "
    "containers only as type, length and fingerprint; other objects as type and a short repr"
)


def history_json(
    engine: Engine, trial_ref: str | int, name: str, *, seq: int | None = None
) -> dict[str, Any]:
    """``name``'s recorded versions in a trial (id, name, ``latest`` or -1, -2, ...), oldest
    first, each with a one-line ``summary``; ``current`` is the index of the version
    recorded by the activation ``seq`` (the last one at or before it; null when ``seq`` is
    not given or comes before every version). Raises ``StoreError`` for an unknown trial."""
    with Session(engine) as session:
        trial_id = resolve_trial(session, trial_ref).id
        role = variable_tag(session, trial_id, name)
        versions = variable_versions(session, trial_id, name)
    current: int | None = None
    for index, version in enumerate(versions):
        version["summary"] = value_text(version["value"], version["exact"])
        if seq is not None and version["seq"] <= seq:
            current = index
    return {
        "trial": trial_id,
        "variable": name,
        "role": role,
        "tagged": role is not None,
        "note": None if role is not None else UNTAGGED_NOTE,
        "seq": seq,
        "current": current,
        "versions": versions,
    }


def history_in_store(
    name: str, trial: str | int | None = None, db: str | None = None, seq: int | None = None
) -> dict[str, Any]:
    """:func:`history_json` in ``trial`` (default: the latest) of the store ``db``."""
    with open_store(db) as store:
        return history_json(store.engine, "latest" if trial is None else trial, name, seq=seq)
