"""nbprov: provenance for notebooks.

``%load_ext nbprov`` records every executed cell of the kernel into a store, trial by
trial; ``%tag`` and ``%tag_var`` label stages and variables. The functions below read the
record back from Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nbprov.version import __version__ as __version__

if TYPE_CHECKING:
    from nbprov.kernel.recorder import Recorder


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the built JupyterLab extension is, for ``jupyter labextension develop``."""
    return [{"src": "labextension", "dest": "nbprov"}]


def load_ipython_extension(shell: Any) -> None:
    """Start recording ``shell``: register the hooks and magics and open a trial."""
    from nbprov.notebook import extension

    extension.load(shell)


def unload_ipython_extension(shell: Any) -> None:
    """Stop recording: remove the hooks, end the trial, flush the store."""
    from nbprov.notebook import extension

    extension.unload(shell)


def get_recorder(shell: Any = None) -> Recorder | None:
    """The Recorder of ``shell`` (default: the running IPython), if nbprov is loaded."""
    from nbprov.kernel.attach import recorder_of

    return recorder_of(shell)


def trials(db: str | None = None, notebook: str | None = None) -> Any:
    """All trials: a pandas DataFrame (a row per trial, a column per tagged value) when
    pandas is installed, else a list of dicts shaped like ``nbprov trials --format json``.
    """
    from nbprov.core.trials import list_trials, trials_frame

    records = list_trials(db=db, notebook=notebook)
    return trials_frame(records)


def compare(*refs: str | int, db: str | None = None) -> Any:
    """Compare trials in the notebook as a widget (default: the two latest trials of this
    notebook); the same rows as ``nbprov compare``."""
    from nbprov.notebook.compare_widget import compare as view

    return view(*refs, db=db)


def deps(
    name: str, trial: str | int | None = None, db: str | None = None, at: int | None = None
) -> Any:
    """The backward slice of ``name`` as ``nbprov deps --format json`` gives it: in this
    kernel's trial when nbprov is loaded and no trial or store is named, else in ``trial``
    (default: the latest) of ``db``."""
    from nbprov.core.deps import deps_in_store, deps_json

    recorder = get_recorder() if trial is None and db is None else None
    if recorder is not None:
        recorder.flush()
        return deps_json(recorder.store.engine, recorder.trial_id, name, at=at)
    return deps_in_store(name, trial=trial, db=db, at=at)
