"""A background writer, so the per-cell hooks only enqueue and never wait on the database.

Operations run in submission order on one thread, many to a transaction:

- ``submit``: written within ``BATCH_WINDOW`` seconds, together with whatever else
  arrived meanwhile.
- ``submit_deferred``: may wait until the kernel is quiet (``quiet()`` says so; it is
  asked every ``QUIET_CHECK`` seconds), at most ``MAX_LAG`` seconds. The recorder defers
  the rows of ended cells: while a notebook runs cell after cell, the store is written
  once every ``MAX_LAG`` seconds, or in the first pause, instead of competing with the
  cells for the CPU. Any ``submit``, ``flush`` or ``close`` writes deferred ones too.
- ``submit_when_quiet``: waits for the kernel to be quiet however long that takes (or
  for ``flush`` or ``close``); for slow work that can wait, such as reading the versions
  of the imported packages.
- ``watch``: one operation to run if it is still wanted ``delay`` seconds from now (the
  recorder uses it to write a row for a cell that is still running by then). Setting a
  watch does not wake the writer: while cells are being run the writer looks at the watch
  at least every ``poll`` seconds, so it runs between ``delay`` and ``delay + poll``
  after it was set. An idle writer blocks without polling, and a new watch wakes it once.

If the kernel is killed, the operations not yet written are lost (at most ``MAX_LAG``
seconds of quick cells; a long cell's row is already written by its watch). The store
itself stays consistent: every batch is one transaction.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

Operation = Callable[[Connection], object]

RETRIES = 3
BATCH_WINDOW = 0.05
QUIET_CHECK = 0.05
MAX_LAG = 2.0

_STOP = object()  # ends the thread
_WAKE = object()  # only wakes the thread to look at the watch


@dataclass(frozen=True)
class _Deferred:
    op: Operation


@dataclass(frozen=True)
class _WhenQuiet:
    op: Operation


@dataclass(frozen=True)
class _Watch:
    due: float
    op: Operation
    wanted: Callable[[], bool]


class BackgroundWriter:
    def __init__(
        self,
        engine: Engine,
        poll: float = 0.5,
        quiet: Callable[[], bool] | None = None,
    ) -> None:
        self._engine = engine
        self._poll = poll
        self._quiet = quiet
        self._queue: queue.Queue[object] = queue.Queue()
        # Replaced whole by the main thread only; the writer never writes it, it notes
        # which watch it has dealt with instead, so no lock is needed.
        self._watch: _Watch | None = None
        self._handled: _Watch | None = None
        self._asleep = False  # the writer is blocked with no timeout
        self._held: list[Operation] = []  # deferred operations not written yet
        self._idle_ops: list[Operation] = []  # operations waiting for a quiet kernel
        self._held_since = 0.0
        self.errors: list[BaseException] = []  # read (and cleared) by the main thread
        self._thread = threading.Thread(target=self._run, name="nbprov-writer", daemon=True)
        self._thread.start()

    # -- the main thread's side ------------------------------------------------------

    def submit(self, op: Operation) -> None:
        self._queue.put(op)

    def submit_deferred(self, op: Operation) -> None:
        self._queue.put(_Deferred(op) if self._quiet is not None else op)

    def submit_when_quiet(self, op: Operation) -> None:
        self._queue.put(_WhenQuiet(op) if self._quiet is not None else op)

    def watch(self, op: Operation, delay: float, wanted: Callable[[], bool]) -> None:
        """Run ``op`` on the writer thread about ``delay`` seconds from now (or at close)
        if ``wanted()`` still says so then. A new watch replaces the previous one."""
        self._watch = _Watch(time.monotonic() + delay, op, wanted)
        # Set the watch first, then look: the writer sets _asleep before its last look at
        # the watch, so one of the two always sees the other.
        if self._asleep:
            self._queue.put(_WAKE)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything submitted so far is written (or failed)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    # -- the writer thread -----------------------------------------------------------

    def _pending_watch(self) -> _Watch | None:
        watch = self._watch
        return None if watch is self._handled else watch

    def _timeout(self) -> float | None:
        """How long the writer may block: until the watch or the held operations need it."""
        now = time.monotonic()
        waits = []
        if self._held:
            waits += [QUIET_CHECK, max(0.0, self._held_since + MAX_LAG - now)]
        if self._idle_ops:
            waits.append(QUIET_CHECK)
        watch = self._pending_watch()
        if watch is None and not waits:
            self._asleep = True
            watch = self._pending_watch()  # set just before _asleep was: do not sleep on it
            if watch is None:
                return None
            self._asleep = False
        if watch is not None:
            waits += [self._poll, max(0.0, watch.due - now)]
        return min(waits)

    def _next_batch(self) -> list[object]:
        batch: list[object] = []
        try:
            batch.append(self._queue.get(timeout=self._timeout()))
        except queue.Empty:
            pass
        finally:
            self._asleep = False
        if batch and callable(batch[0]):
            time.sleep(BATCH_WINDOW)  # let the rest of a burst arrive
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                return batch

    def _due_watch(self, stop: bool) -> Operation | None:
        watch = self._pending_watch()
        if watch is None or not (stop or watch.due <= time.monotonic()):
            return None
        self._handled = watch
        return watch.op if watch.wanted() else None

    def _run(self) -> None:
        while True:
            batch = self._next_batch()
            stop = any(item is _STOP for item in batch)
            # Held and new operations are written in the order they were submitted.
            incoming = [
                item.op if isinstance(item, _Deferred) else item
                for item in batch
                if isinstance(item, _Deferred) or callable(item)
            ]
            self._idle_ops += [item.op for item in batch if isinstance(item, _WhenQuiet)]
            urgent = any(
                not isinstance(item, (_Deferred, _WhenQuiet)) and item is not _WAKE
                for item in batch
            )
            if incoming and not self._held:
                self._held_since = time.monotonic()
            self._held += incoming
            ops: list[Operation] = []
            # A due watched operation goes first: it was meant for earlier.
            due = self._due_watch(stop)
            if due is not None:
                ops.append(due)
            flushing = any(isinstance(item, threading.Event) or item is _STOP for item in batch)
            if self._idle_ops and (flushing or self._quiet is None or self._quiet()):
                ops += self._idle_ops
                self._idle_ops = []
            if self._held and (urgent or self._may_write_deferred()):
                ops += self._held
                self._held = []
            if ops:
                self._write(ops)
            # Flush markers are released whether or not the write succeeded.
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if stop:
                return

    def _may_write_deferred(self) -> bool:
        if time.monotonic() - self._held_since >= MAX_LAG:
            return True
        return self._quiet is None or self._quiet()

    def _write(self, ops: list[Operation]) -> None:
        """Run ``ops`` in one transaction, retried; an operation with ``rolled_back`` or
        ``committed`` methods is told how its transaction ended."""
        for attempt in range(RETRIES):
            try:
                with self._engine.begin() as conn:
                    for op in ops:
                        op(conn)
            except Exception as exc:
                _tell(ops, "rolled_back")
                if attempt == RETRIES - 1:
                    self.errors.append(exc)
                else:
                    time.sleep(0.2 * (attempt + 1))
            else:
                _tell(ops, "committed")
                return


def _tell(ops: list[Operation], event: str) -> None:
    for op in ops:
        method = getattr(op, event, None)
        if callable(method):
            method()
