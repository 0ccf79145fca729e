"""A background writer, so the per-cell hooks only enqueue and never wait on the database.

Operations run in submission order on one thread. After the first operation of a burst
arrives the writer waits ``BATCH_WINDOW`` seconds and writes everything that came in
meanwhile in one transaction, so a run of quick cells costs one commit, not one each.

``watch`` names one operation to run if it is still wanted ``delay`` seconds from now (the
recorder uses it to write a row for a cell that is still running by then). Setting a
watch does not wake the writer: while cells are being run the writer polls every
``delay`` seconds, so a watched operation runs between ``delay`` and twice ``delay``
after it was set, and back-to-back quick cells cost no thread wake-ups at all. An idle
writer blocks without polling and a new watch wakes it once.

If the kernel is killed, at most the operations still queued are lost; the store itself
stays consistent because every batch is one transaction.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

Operation = Callable[[Connection], object]

_STOP = object()  # ends the thread
_WAKE = object()  # only wakes the thread to look at the watch
RETRIES = 3
BATCH_WINDOW = 0.05


@dataclass(frozen=True)
class _Watch:
    due: float
    op: Operation
    wanted: Callable[[], bool]


class BackgroundWriter:
    def __init__(self, engine: Engine, poll: float = 0.5) -> None:
        self._engine = engine
        self._poll = poll
        self._queue: queue.Queue[object] = queue.Queue()
        # Replaced whole by the main thread only; the writer never writes it, it notes
        # which watch it has dealt with instead, so no lock is needed.
        self._watch: _Watch | None = None
        self._handled: _Watch | None = None
        self._asleep = False  # the writer is blocked with no timeout
        self.errors: list[BaseException] = []  # read (and cleared) by the main thread
        self._thread = threading.Thread(target=self._run, name="nbprov-writer", daemon=True)
        self._thread.start()

    def submit(self, op: Operation) -> None:
        self._queue.put(op)

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

    def _pending_watch(self) -> _Watch | None:
        watch = self._watch
        return None if watch is self._handled else watch

    def _next_item(self) -> object | None:
        """The next queued item, waiting at most until the watch is due."""
        watch = self._pending_watch()
        if watch is None:
            self._asleep = True
            watch = self._pending_watch()  # set just before _asleep was: do not sleep on it
        try:
            if watch is None:
                return self._queue.get()
            wait = min(self._poll, max(0.0, watch.due - time.monotonic()))
            return self._queue.get(timeout=wait)
        except queue.Empty:
            return None
        finally:
            self._asleep = False

    def _due_watch(self, stop: bool) -> Operation | None:
        watch = self._pending_watch()
        if watch is None or not (stop or watch.due <= time.monotonic()):
            return None
        self._handled = watch
        return watch.op if watch.wanted() else None

    def _run(self) -> None:
        while True:
            batch: list[object] = []
            item = self._next_item()
            if item is not None:
                batch.append(item)
                if callable(item):
                    time.sleep(BATCH_WINDOW)  # let the rest of a burst arrive
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in batch)
            ops: list[Operation] = []
            # A due watched operation goes first: it was meant for earlier.
            due = self._due_watch(stop)
            if due is not None:
                ops.append(due)
            ops.extend(item for item in batch if callable(item))
            if ops:
                self._write(ops)
            # Flush markers are released whether or not the write succeeded.
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if stop:
                return

    def _write(self, ops: list[Operation]) -> None:
        for attempt in range(RETRIES):
            try:
                with self._engine.begin() as conn:
                    for op in ops:
                        op(conn)
                return
            except Exception as exc:
                if attempt == RETRIES - 1:
                    self.errors.append(exc)
                else:
                    time.sleep(0.2 * (attempt + 1))
