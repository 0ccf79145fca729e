"""``%deps`` drawn in the notebook: the slice as SVG (or a text tree with DOT)."""

from __future__ import annotations

from IPython.core.error import UsageError
from IPython.display import display

from nbprov.core.deps import SliceError, deps_json
from nbprov.kernel.recorder import Recorder
from nbprov.render import graph
from nbprov.store.damage import damage_note


def show_lineage(recorder: Recorder, name: str, *, depth: int | None, at: int | None) -> None:
    """Display NAME's backward slice in the recorder's trial."""
    recorder.flush()
    try:
        answer = deps_json(recorder.store.engine, recorder.trial_id, name, at=at)
    except SliceError as exc:
        raise UsageError(str(exc)) from exc
    except Exception as exc:
        note = damage_note(recorder.store.engine, recorder.store.description)
        if note is None:
            raise
        raise UsageError(f"%deps: {note}") from exc
    display(graph.mime_bundle(answer, depth=depth), raw=True)
