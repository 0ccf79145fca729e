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

Failures never lose the record:

- The store is opened on this thread (``connect``), so a store that is locked, away or
  broken never blocks the kernel. Until it opens, operations wait.
- A transient failure (locked, disk full, connection lost) keeps the batch, in order,
  and retries it with a growing pause; operations are told the transaction rolled back,
  so a retry writes each row once.
- Any other failure is isolated: each operation is retried alone, and one that still
  fails is asked to write what it can row by row (``isolated``) or is dropped and
  reported, so one bad row never stops the rows around it or after it.
- What is given up (at close, while the store still cannot be written; or refused for
  good) is counted in ``lost`` with its reason in ``errors``, so the owner can say so.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:  # SQLAlchemy is used on the writer's thread only
    from sqlalchemy import Connection, Engine

Operation = Callable[["Connection"], object]

BATCH_WINDOW = 0.05
QUIET_CHECK = 0.05
MAX_LAG = 2.0
# Pauses between attempts while the store cannot be written: doubling up to the last.
RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0, 5.0)

_STOP = object()  # ends the thread
_WAKE = object()  # only wakes the thread to look at the watch


@dataclass(frozen=True)
class _Deferred:
    op: Operation


@dataclass(frozen=True)
class _WhenQuiet:
    op: Operation


class _Flush:
    """A flush request: ``done`` once everything submitted before it has been tried
    (``until_written``: once it is written, through an outage, or the writer stops)."""

    __slots__ = ("done", "until_written", "written")

    def __init__(self, until_written: bool) -> None:
        self.done = threading.Event()
        self.until_written = until_written
        self.written = False

    def release(self, written: bool, final: bool = False) -> bool:
        """Release the waiter if it may go now (``final``: the writer stops); whether it
        was released."""
        if self.until_written and not (written or final):
            return False
        self.written = written
        self.done.set()
        return True


class _Watch(NamedTuple):  # set for every cell: a tuple is the cheapest to make
    due: float
    op: Operation
    wanted: Callable[[], bool]


class BackgroundWriter:
    def __init__(
        self,
        engine: Engine | Callable[[], Engine],
        poll: float = 0.5,
        quiet: Callable[[], bool] | None = None,
    ) -> None:
        # An engine, or a function that opens one (on the writer's thread).
        self._engine: Engine | None = None if callable(engine) else engine
        self._connect: Callable[[], Engine] | None = engine if callable(engine) else None
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
        # Operations kept through a transient failure, in order, and when to try again.
        self._waiting: list[Operation] = []
        self._retry_at = 0.0
        self._failures = 0
        self._flushes: list[_Flush] = []  # flushes waiting for an outage to end
        # Operations given up when the writer stopped (the store still could not be
        # written, or they failed for good): how many, for the last report.
        self.lost = 0
        self.lost_why: BaseException | None = None  # the last reason one was given up
        self.errors: list[BaseException] = []  # read (and cleared) by the main thread
        # Why the store cannot be written right now (None when it can); read by the
        # main thread for its one warning.
        self.outage: BaseException | None = None
        self.opened = threading.Event()  # set once the first attempt to open has ended
        # NBPROV_WRITER_LOG=<file>: one line per transaction and flush, to tell afterwards
        # what a kernel wrote and when (read once: the writer's thread only appends).
        self._log_path = os.environ.get("NBPROV_WRITER_LOG") or None
        self._thread = threading.Thread(target=self._run, name="nbprov-writer", daemon=True)
        self._thread.start()

    @property
    def engine(self) -> Engine | None:
        return self._engine

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

    def flush(self, timeout: float = 30.0, until_written: bool = False) -> bool:
        """Wait until everything submitted so far has been tried; True when it is
        written (False when some of it is waiting for the store, or was given up: see
        ``errors``). While the store cannot be written, a flush returns
        after the first attempt, so a cell never waits out an outage, unless
        ``until_written``: then it waits for the store (at most ``timeout``)."""
        marker = _Flush(until_written)
        self._queue.put(marker)
        return marker.done.wait(timeout) and marker.written

    def close(self, timeout: float = 30.0) -> bool:
        """Write what is left and stop; False when the writer was still busy at the
        timeout (what it had not written then is lost if the process exits)."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)
        return not self._thread.is_alive()

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
        if self._waiting:
            waits.append(max(0.0, self._retry_at - now))
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
        self._open()
        self.opened.set()
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
            flushing = any(isinstance(item, _Flush) or item is _STOP for item in batch)
            if self._held and (urgent or self._may_write_deferred()):
                ops += self._held
                self._held = []
            # Work for a quiet moment goes after what was submitted before it.
            if (
                self._idle_ops
                and not self._held
                and (flushing or self._quiet is None or self._quiet())
            ):
                ops += self._idle_ops
                self._idle_ops = []
            # A due watched operation follows what was submitted before it ran due (the
            # row of the trial it belongs to, for one).
            due = self._due_watch(stop)
            if due is not None:
                ops.append(due)
            if self._waiting:
                # Kept operations go first: they were submitted first. Until the pause
                # after a failure is over, new ones join them unwritten.
                ops = [*self._waiting, *(op for op in ops if op not in self._waiting)]
                self._waiting = []
                if not (flushing or stop or time.monotonic() >= self._retry_at):
                    self._waiting, ops = ops, []
            lost = self.lost
            if ops:
                self._write(ops, last=stop)
            self._flushes += [item for item in batch if isinstance(item, _Flush)]
            if self._flushes:
                written = not self._waiting and self.lost == lost
                self._log("flush", len(self._flushes), "written" if written else "not written")
                self._flushes = [f for f in self._flushes if not f.release(written, stop)]
            if stop:
                return

    def _may_write_deferred(self) -> bool:
        if time.monotonic() - self._held_since >= MAX_LAG:
            return True
        return self._quiet is None or self._quiet()

    def _open(self) -> Engine | None:
        if self._engine is None and self._connect is not None:
            try:
                self._engine = self._connect()
            except Exception as exc:
                self._log("cannot open the store:", repr(exc))
                self._outage(exc)
            else:
                self._log("store opened")
        return self._engine

    def _outage(self, exc: BaseException) -> None:
        if self.outage is None:
            self.errors.append(exc)  # one warning per outage, not per attempt
        self.outage = exc
        pause = RETRY_PAUSES[min(self._failures, len(RETRY_PAUSES) - 1)]
        self._failures += 1
        self._retry_at = time.monotonic() + pause

    def _write(self, ops: list[Operation], last: bool = False) -> None:
        """Run ``ops`` in one transaction; an operation with ``rolled_back`` or
        ``committed`` methods is told how its transaction ended. ``last``: the writer
        is closing, so nothing is kept for later."""
        engine = self._open()
        self._log("write", len(ops), *(type(op).__name__ for op in ops), "last" if last else "")
        if engine is None:
            self._log("store not open:", self.outage)
            if last:
                self._give_up(ops, self.outage)
            else:
                self._waiting = ops
            return
        try:
            _transaction(engine, ops)
        except Exception as exc:
            self._log("failed:", repr(exc))
            if not transient(exc):
                self._isolate(engine, ops, last)
            elif not last:
                self._waiting = ops
                self._outage(exc)
            else:
                self._give_up(ops, exc)
        else:
            self._log("committed")
            self.outage, self._failures = None, 0

    def _isolate(self, engine: Engine, ops: list[Operation], last: bool) -> None:
        """Write each operation on its own, so that one bad row does not take the others
        with it; an operation that still fails writes what it can row by row."""
        for index, op in enumerate(ops):
            try:
                _transaction(engine, [op])
                continue
            except Exception as exc:
                if transient(exc) and not last:
                    self._waiting = ops[index:]
                    self._outage(exc)
                    return
                failure = exc
            isolated = getattr(op, "isolated", None)
            if callable(isolated):
                try:
                    _transaction(engine, [isolated], told=[op])
                except Exception as exc:
                    failure = exc
                else:
                    # What it had to give up, row by row, is still worth a warning; and
                    # what it could not write at all is lost.
                    problems: list[BaseException] = getattr(op, "take_problems", list)()
                    self.errors += problems
                    given_up = getattr(op, "take_given_up", lambda: 0)()
                    if given_up:
                        self.lost += given_up
                        self.lost_why = problems[-1] if problems else None
                    continue
            self._give_up([op], failure)

    def _log(self, *words: object) -> None:
        if self._log_path is not None:
            try:
                with open(self._log_path, "a", encoding="utf-8") as log:
                    print(f"{time.time():.3f} {os.getpid()}", *words, file=log)
            except OSError:
                self._log_path = None

    def _give_up(self, ops: list[Operation], why: BaseException | None) -> None:
        self._log("given up:", len(ops), repr(why))
        self.lost += len(ops)
        if why is not None:
            self.lost_why = why
            self.errors.append(why)


def transient(exc: BaseException) -> bool:
    """Whether a failed write may succeed later unchanged (a lock, a full disk, a lost
    connection), as opposed to a row the database refuses."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if _refused_by_schema(exc):
        return False
    if isinstance(
        exc,
        (
            sa_exc.OperationalError,
            sa_exc.InterfaceError,
            sa_exc.DisconnectionError,
            sa_exc.TimeoutError,
        ),
    ):
        return True
    if isinstance(exc, OSError):
        return True
    # The same kinds raised by a DB-API driver directly (rows written through its cursor).
    return any(cls.__name__ in ("OperationalError", "InterfaceError") for cls in type(exc).__mro__)


# SQLite reports these as OperationalError too, but no retry will ever see them succeed:
# the statement does not fit the store's tables (a store changed under the kernel).
_SCHEMA_REFUSALS = ("no such table", "no such column", "has no column named", "syntax error")


def _refused_by_schema(exc: BaseException) -> bool:
    driver_error = getattr(exc, "orig", None) or exc
    if type(driver_error).__module__.split(".")[0] not in ("sqlite3", "_sqlite3"):
        return False
    text = str(driver_error)
    return any(refusal in text for refusal in _SCHEMA_REFUSALS)


def _transaction(engine: Engine, ops: list[Operation], told: list[Operation] | None = None) -> None:
    """Run ``ops`` in one transaction and tell ``told`` (default: ``ops``) how it ended."""
    try:
        with engine.begin() as conn:
            for op in ops:
                op(conn)
    except BaseException:
        _tell(told or ops, "rolled_back")
        raise
    _tell(told or ops, "committed")


def _tell(ops: list[Operation], event: str) -> None:
    for op in ops:
        method = getattr(op, event, None)
        if callable(method):
            method()
