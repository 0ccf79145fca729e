"""A background writer, so the per-cell hooks only enqueue and never wait on the database.

Operations run in submission order on one thread. After the first operation of a burst
arrives the writer waits ``BATCH_WINDOW`` seconds and writes everything that came in
meanwhile in one transaction, so a run of quick cells costs one commit, not one each.
``submit_later`` schedules an operation for a moment from now (the recorder uses it to
write a row for a cell only if the cell is still running by then).

If the kernel is killed, at most the operations still queued are lost; the store itself
stays consistent because every batch is one transaction.
"""

from __future__ import annotations

import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine

Operation = Callable[[Connection], object]

_STOP = object()  # not callable, not an Event: ends the thread
RETRIES = 3
BATCH_WINDOW = 0.05


class BackgroundWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.Queue[object] = queue.Queue()
        # A heap of (due, order, op, wanted), on the writer thread only.
        self._later: list[tuple[float, int, Operation, Callable[[], bool]]] = []
        self._order = itertools.count()
        self.errors: list[BaseException] = []  # read (and cleared) by the main thread
        self._thread = threading.Thread(target=self._run, name="nbprov-writer", daemon=True)
        self._thread.start()

    def submit(self, op: Operation) -> None:
        self._queue.put(op)

    def submit_later(
        self, op: Operation, delay: float, wanted: Callable[[], bool] = lambda: True
    ) -> None:
        """Run ``op`` on the writer thread ``delay`` seconds from now (or at close), if
        ``wanted()`` still says so then; an unwanted one costs no transaction."""
        self._queue.put((time.monotonic() + delay, op, wanted))

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything submitted so far is written (or failed)."""
        done = threading.Event()
        self._queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            wait = max(0.0, self._later[0][0] - time.monotonic()) if self._later else None
            batch: list[object] = []
            try:
                batch.append(self._queue.get(timeout=wait))
                if not isinstance(batch[0], threading.Event) and batch[0] is not _STOP:
                    time.sleep(BATCH_WINDOW)  # let the rest of a burst arrive
            except queue.Empty:
                pass
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            stop = any(item is _STOP for item in batch)
            ops: list[Operation] = []
            for item in batch:
                if isinstance(item, tuple):
                    due, op, wanted = item
                    heapq.heappush(self._later, (due, next(self._order), op, wanted))
            now = time.monotonic()
            # Scheduled operations that are due go first: they were meant for earlier.
            while self._later and (stop or self._later[0][0] <= now):
                _, _, op, wanted = heapq.heappop(self._later)
                if wanted():
                    ops.append(op)
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
