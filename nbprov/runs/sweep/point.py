"""One point of a search, run where a worker is (a local process or a Ray task).

:func:`run_point` runs the notebook as an ordinary recorded trial (``run_cli.run_one``:
parameters injected after the ``parameters`` cell, nbprov loaded at kernel start-up),
then writes the trial's link to its study into the store, so a point that finished is
linked even when the process that started the search is gone.

Stopping: the run goes on in a thread while the worker's main thread waits. An interrupt
(SIGINT, or Ray's cancellation) reaches the main thread, which interrupts the notebook's
kernel until the run ends; the trial is then recorded as it is, and the point reported
as interrupted.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from nbprov.runs.batch import RunRecord, RunRequest, run_one

__all__ = ["PointRequest", "PointResult", "init_worker", "link_trial", "run_point"]

#: Seconds to go on interrupting a kernel before it is terminated.
INTERRUPT_GRACE = 5.0

_running = threading.Event()


@dataclass(frozen=True)
class PointRequest:
    """A notebook run, and the study point it is (None for runs outside a study)."""

    run: RunRequest
    study: str | None = None
    number: int | None = None


@dataclass
class PointResult:
    """How a point ended: the run's record, and whether it was stopped."""

    request: PointRequest
    record: RunRecord
    interrupted: bool = False
    seconds: float = 0.0
    linked: bool = False
    notes: list[str] = field(default_factory=list)


def init_worker() -> None:
    """Worker process set-up: an interrupt stops the point it runs, and is ignored
    between points (a terminal's Ctrl-C reaches every process of its group)."""

    def on_interrupt(signum: int, frame: FrameType | None) -> None:
        if _running.is_set():
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)


def _children() -> list[int]:
    """Process ids of this process's children (the kernel), where /proc tells them."""
    me = os.getpid()
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if len(fields) > 1 and fields[1] == str(me):
            found.append(int(entry))
    return found


def _signal_children(signum: int) -> None:
    for pid in _children():
        with contextlib.suppress(OSError):
            os.kill(pid, signum)


def _stop(done: threading.Event) -> None:
    """Interrupt the kernel (its cell fails with KeyboardInterrupt, nbclient shuts the
    kernel down) until the run ends; terminate it after INTERRUPT_GRACE seconds."""
    deadline = time.monotonic() + INTERRUPT_GRACE
    while not done.is_set():
        try:
            if time.monotonic() < deadline:
                _signal_children(signal.SIGINT)
            else:
                _signal_children(signal.SIGTERM)
            done.wait(0.5)
        except KeyboardInterrupt:
            continue  # asked again: already stopping


def _unblock_interrupts() -> None:
    """Let the kernel this thread starts be interrupted.

    A process started from a thread inherits the thread's blocked signals, and Ray's
    workers block SIGINT: the kernel would never see an interrupt.
    """
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _asks_to_stop(should_stop: Callable[[], bool]) -> bool:
    try:
        return bool(should_stop())
    except Exception:  # whoever answers is gone: go on with the point
        return False


def link_trial(db: str, trial_id: int, study: str, number: int) -> None:
    """Record that ``trial_id`` is point ``number`` of ``study``."""
    from nbprov.store import Store
    from nbprov.store.models import StudyTrial

    store = Store.open(db, writer=True)
    try:
        with store.session() as session:
            session.merge(StudyTrial(trial_id=trial_id, study=study, number=number))
            session.commit()
    finally:
        store.close()


#: Seconds between two questions to ``should_stop``.
STOP_POLL = 1.0


def run_point(request: PointRequest, should_stop: Callable[[], bool] | None = None) -> PointResult:
    """Run one point as a recorded trial and link it to its study.

    The point stops, as on an interrupt, when ``should_stop`` (asked every
    :data:`STOP_POLL` seconds) says so: how a Ray task hears that the search stops.
    """
    started = time.monotonic()
    box: list[RunRecord | BaseException] = []
    # An Event, not Thread.join: a join that an interrupt breaks can leave the thread
    # looking finished while it runs.
    done = threading.Event()

    def target() -> None:
        try:
            _unblock_interrupts()
            box.append(run_one(request.run))
        except BaseException as exc:  # reported to the caller below
            box.append(exc)
        finally:
            done.set()

    interrupted = False
    thread = threading.Thread(target=target, name="nbprov-point", daemon=True)
    _running.set()
    try:
        thread.start()
        asked = time.monotonic()
        while not done.is_set():
            done.wait(0.2)
            if should_stop is not None and time.monotonic() - asked >= STOP_POLL:
                asked = time.monotonic()
                if not done.is_set() and _asks_to_stop(should_stop):
                    raise KeyboardInterrupt
    except KeyboardInterrupt:
        interrupted = True
        _stop(done)
    finally:
        _running.clear()
    outcome = box[0] if box else RuntimeError("the run ended without a record")
    if isinstance(outcome, BaseException):
        record = RunRecord(
            notebook=str(Path(request.run.notebook)),
            parameters=dict(request.run.parameters),
            trial=None,
            name=request.run.name,
            status="interrupted" if interrupted else "error",
            ok=False,
            error=f"{type(outcome).__name__}: {outcome}",
        )
    else:
        record = outcome
    if interrupted and record.ok:
        interrupted = False  # it ended by itself before the interrupt reached it
    result = PointResult(request, record, interrupted, time.monotonic() - started)
    if record.trial is not None and request.study is not None and request.number is not None:
        try:
            link_trial(request.run.db, record.trial, request.study, request.number)
            result.linked = True
        except Exception as exc:  # the run is recorded; say why its link is not
            result.notes.append(f"cannot link trial {record.trial}: {exc}")
    return result
