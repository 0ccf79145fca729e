"""A background writer, so the per-cell hooks only enqueue and never wait on the database.

Operations run in submission order on one thread, batched into one transaction per wake-up.
If the kernel is killed, at most the operations still queued are lost; the store itself
stays consistent because every batch is one transaction.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from sqlalchemy import Connection, Engine

Operation = Callable[[Connection], object]

_STOP = object()  # not callable, not an Event: ends the thread
RETRIES = 3


class BackgroundWriter:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.Queue[object] = queue.Queue()
        self.errors: list[BaseException] = []  # read (and cleared) by the main thread
        self._thread = threading.Thread(target=self._run, name="nbprov-writer", daemon=True)
        self._thread.start()

    def submit(self, op: Operation) -> None:
        self._queue.put(op)

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
            batch = [self._queue.get()]
            while True:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            ops: list[Operation] = [op for op in batch if callable(op)]
            if ops:
                self._write(ops)
            # Flush markers are released whether or not the write succeeded.
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
            if any(item is _STOP for item in batch):
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
