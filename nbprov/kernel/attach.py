"""One Recorder per shell: started on load, stopped on unload or at interpreter exit."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from nbprov.kernel import tracebacks
from nbprov.kernel.recorder import Recorder

ATTRIBUTE = "_nbprov_recorder"  # the Recorder lives on its shell: one per shell
EXIT_TIMEOUT = 3.0  # seconds the last writes may take when the interpreter exits


def start(shell: Any) -> Recorder | None:
    """Start recording ``shell``; None when it is recorded already (never record twice).

    Never raises and never waits long: the store opens on the recorder's writer thread.
    """
    if getattr(shell, ATTRIBUTE, None) is not None:
        return None
    import atexit
    import functools

    from nbprov.kernel.gc_freeze import freeze_startup_objects

    recorder = Recorder(shell)
    setattr(shell, ATTRIBUTE, recorder)
    recorder.register()
    tracebacks.install(shell)
    # Registered per shell and removed on unload, so an unloaded shell is not kept alive.
    recorder.at_exit = functools.partial(_close_at_exit, shell)
    atexit.register(recorder.at_exit)
    recorder.froze_gc = freeze_startup_objects(shell)
    if recorder.froze_gc:
        # The store's modules load on the writer's thread after this: freeze them too,
        # in the first quiet moment, if the namespace still holds nothing of the user's.
        recorder.writer.submit_when_quiet(lambda _conn: freeze_startup_objects(shell))
    return recorder


def stop(shell: Any) -> None:
    """Stop recording: remove the hooks, end the trial, flush the store."""
    import atexit

    from nbprov.kernel.gc_freeze import unfreeze

    recorder = getattr(shell, ATTRIBUTE, None)
    if recorder is None:
        return
    setattr(shell, ATTRIBUTE, None)
    if recorder.at_exit is not None:
        atexit.unregister(recorder.at_exit)
    problem = recorder.close()
    tracebacks.uninstall(shell)
    if recorder.froze_gc:
        unfreeze()
    if problem is not None:  # said in the cell that unloaded nbprov
        import warnings

        from nbprov.kernel.recorder import NbprovRecordingWarning

        warnings.warn(problem, NbprovRecordingWarning, stacklevel=2)


def _close_at_exit(shell: Any) -> None:
    """At interpreter exit: end the trial and write what is queued, quietly and quickly
    (the kernel is going away; a store that cannot be written then is given up)."""
    recorder = getattr(shell, ATTRIBUTE, None)
    if recorder is not None:
        setattr(shell, ATTRIBUTE, None)
        with contextlib.suppress(Exception):
            problem = recorder.close(timeout=EXIT_TIMEOUT)
            # The cells' output is gone by now: the process's own stderr (a terminal,
            # the Jupyter server's log, a runner's capture) is the one place left to say.
            if problem is not None and sys.__stderr__ is not None:
                print(problem, file=sys.__stderr__, flush=True)


def recorder_of(shell: Any = None) -> Recorder | None:
    """The Recorder of ``shell`` (default: the running IPython), if nbprov is loaded."""
    if shell is None:
        from IPython.core.getipython import get_ipython

        shell = get_ipython()  # type: ignore[no-untyped-call,unused-ignore]
    return getattr(shell, ATTRIBUTE, None) if shell is not None else None


def flush_before_shutdown(timeout: float) -> str:
    """Write everything the recorder holds, for a runner about to shut the kernel down:
    the exit handler gives the writer only ``EXIT_TIMEOUT`` seconds, which a store still
    opening, or locked for a while, may need more than. Returns what could not be
    written, in a sentence ('' when everything was, or when nbprov is not recording)."""
    recorder = recorder_of()
    if recorder is None:
        return ""
    recorder.settle()
    written = recorder.writer.flush(timeout, until_written=True)
    # Also what was given up earlier in the session (a refused operation, say).
    return recorder.unwritten(finished=written, timeout=timeout) or ""
