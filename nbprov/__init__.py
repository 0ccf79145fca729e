"""nbprov: provenance for notebooks.

``%load_ext nbprov`` records every executed cell of the kernel into a store, trial by
trial; ``%tag`` and ``%tag_var`` label stages and variables. The functions below read the
record back from Python.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .recorder import Recorder

_ATTRIBUTE = "_nbprov_recorder"  # the Recorder lives on its shell: one per shell
EXIT_TIMEOUT = 3.0  # seconds the last writes may take when the interpreter exits


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the built JupyterLab extension is, for ``jupyter labextension develop``."""
    return [{"src": "labextension", "dest": "nbprov"}]


def load_ipython_extension(shell: Any) -> None:
    """Start recording ``shell``: register the hooks and magics and open a trial."""
    if getattr(shell, _ATTRIBUTE, None) is not None:
        return  # loading twice must never double-record
    import atexit
    import functools

    from .gc_freeze import freeze_startup_objects
    from .magics import NbprovMagics
    from .recorder import Recorder

    # Never raises and never waits long: the store opens on the recorder's writer thread,
    # and the magics are registered whatever happens to it, so tagged cells always run.
    recorder = Recorder(shell)
    setattr(shell, _ATTRIBUTE, recorder)
    recorder.register()
    shell.register_magics(NbprovMagics(shell, recorder))
    # Registered per shell and removed on unload, so an unloaded shell is not kept alive.
    recorder.at_exit = functools.partial(_close_at_exit, shell)
    atexit.register(recorder.at_exit)
    recorder.froze_gc = freeze_startup_objects(shell)
    if recorder.froze_gc:
        # The store's modules load on the writer's thread after this: freeze them too,
        # in the first quiet moment, if the namespace still holds nothing of the user's.
        recorder.writer.submit_when_quiet(lambda _conn: freeze_startup_objects(shell))


def unload_ipython_extension(shell: Any) -> None:
    """Stop recording: remove the hooks, end the trial, flush the store."""
    import atexit

    from .gc_freeze import unfreeze

    recorder = getattr(shell, _ATTRIBUTE, None)
    if recorder is None:
        return
    setattr(shell, _ATTRIBUTE, None)
    if recorder.at_exit is not None:
        atexit.unregister(recorder.at_exit)
    recorder.close()
    if recorder.froze_gc:
        unfreeze()


def _close_at_exit(shell: Any) -> None:
    """At interpreter exit: end the trial and write what is queued, quietly and quickly
    (the kernel is going away; a store that cannot be written then is given up)."""
    recorder = getattr(shell, _ATTRIBUTE, None)
    if recorder is not None:
        setattr(shell, _ATTRIBUTE, None)
        with contextlib.suppress(Exception):
            recorder.close(timeout=EXIT_TIMEOUT)


def get_recorder(shell: Any = None) -> Recorder | None:
    """The Recorder of ``shell`` (default: the running IPython), if nbprov is loaded."""
    if shell is None:
        from IPython.core.getipython import get_ipython

        shell = get_ipython()  # type: ignore[no-untyped-call,unused-ignore]
    return getattr(shell, _ATTRIBUTE, None) if shell is not None else None


def trials(db: str | None = None, notebook: str | None = None) -> Any:
    """All trials: a pandas DataFrame (a row per trial, a column per tagged value) when
    pandas is installed, else a list of dicts shaped like ``nbprov trials --format json``.
    """
    from .api import list_trials, trials_frame

    records = list_trials(db=db, notebook=notebook)
    return trials_frame(records)


def compare(*refs: str | int, db: str | None = None) -> Any:
    """Compare trials in the notebook as a widget (default: the two latest trials of this
    notebook); the same rows as ``nbprov compare``."""
    from .compare_widget import compare as view

    return view(*refs, db=db)


def deps(
    name: str, trial: str | int | None = None, db: str | None = None, at: int | None = None
) -> Any:
    """The backward slice of ``name`` as ``nbprov deps --format json`` gives it: in this
    kernel's trial when nbprov is loaded and no trial or store is named, else in ``trial``
    (default: the latest) of ``db``."""
    from .lineage.commands import deps as lineage_deps

    return lineage_deps(name, trial=trial, db=db, at=at)
