"""The union of several targets' backward slices, translated by :mod:`nbprov.scriptify`.

:func:`nbprov.scriptify.build_script` rebuilds one value; a pipeline rebuilds several at
once. Their slices are merged (activations and variable versions), then scriptify's own
composer translates the cells and keeps only the statements the merged slice needs,
pulling in the slices of names a kept statement still misses, as it does for one value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from nbprov.core.scriptify.build import compose, names_imported_in, pull_in, recorded_value
from nbprov.core.scriptify.script import MAX_PULLS, RecordedValue, Script, ScriptifyError
from nbprov.lineage.slicing import SliceError, load_trace, merge_slice, slice_json
from nbprov.store.models import Trial

__all__ = ["merged_slice", "translate_targets"]


def merged_slice(session: Session, trial_id: int, targets: Sequence[str]) -> dict[str, Any]:
    """One slice JSON (see :func:`nbprov.lineage.slicing.slice_json`) holding every
    target's slice: activations and versions once each, in execution order."""
    merged: dict[str, Any] = {
        "trial": trial_id,
        "variable": None,
        "activations": [],
        "variables": [],
        "edges": [],
    }
    for name in targets:
        try:
            merge_slice(merged, slice_json(session.connection(), trial_id, name))
        except SliceError as exc:
            raise ScriptifyError(str(exc)) from exc
    return merged


def translate_targets(
    session: Session, trial: Trial, targets: Sequence[str]
) -> tuple[Script, dict[str, RecordedValue | None], dict[int, set[str]]]:
    """Scriptify's translation of the merged slice (its ``sections`` are the cells), the
    recorded value of each target at its last version, and the names each activation (by
    seq) was recorded binding or changing."""
    sl = merged_slice(session, trial.id, targets)
    recorded: dict[str, RecordedValue | None] = {}
    for name in targets:
        seq = max(v["seq"] for v in sl["variables"] if v["name"] == name)
        recorded[name] = recorded_value(session, trial.id, name, seq)
    trace = load_trace(session.connection(), trial.id)
    imported = names_imported_in(trace)
    script, missing = compose(session, trial, targets[0], sl, recorded[targets[0]], imported)
    for _ in range(MAX_PULLS):
        if not missing or not pull_in(sl, trace, missing):
            break
        script, missing = compose(session, trial, targets[0], sl, recorded[targets[0]], imported)
    written = {step.seq: set(step.writes) for step in trace.steps}
    return script, recorded, written
