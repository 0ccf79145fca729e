"""The background writer: batching, the watched running-row operation, flushing, closing."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, event

from nbprov.store.writer import BATCH_WINDOW, BackgroundWriter


@pytest.fixture
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://")
    yield engine
    engine.dispose()


def count_transactions(engine: Engine) -> list[int]:
    begun: list[int] = []

    @event.listens_for(engine, "begin")
    def _begin(_conn: Any) -> None:
        begun.append(1)

    return begun


def wait_for(condition: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


class Outage:
    """Operations that fail as the store does in an outage (``message``) while ``down``
    is set, and note their names in ``written`` once it is cleared."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.down = threading.Event()
        self.down.set()
        self.written: list[str] = []

    def op(self, name: str) -> Any:
        from sqlalchemy.exc import OperationalError

        def op(_conn: Connection) -> None:
            if self.down.is_set():
                raise OperationalError("INSERT", {}, Exception(self.message))
            self.written.append(name)

        return op


def test_a_burst_of_operations_is_one_transaction_in_order(engine: Engine) -> None:
    begun = count_transactions(engine)
    writer = BackgroundWriter(engine)
    seen: list[int] = []
    for n in range(20):
        writer.submit(lambda _conn, n=n: seen.append(n))
    assert writer.flush()
    writer.close()
    assert seen == list(range(20))
    assert len(begun) == 1


def test_a_watched_operation_runs_once_when_due_and_still_wanted(engine: Engine) -> None:
    writer = BackgroundWriter(engine, poll=0.05)
    ran = threading.Event()
    writer.watch(lambda _conn: ran.set(), 0.05, wanted=lambda: True)
    assert ran.wait(2.0)
    writer.close()


def test_an_unwanted_watch_costs_no_transaction(engine: Engine) -> None:
    begun = count_transactions(engine)
    writer = BackgroundWriter(engine, poll=0.05)
    asked = threading.Event()

    def wanted() -> bool:
        asked.set()
        return False

    writer.watch(lambda _conn: pytest.fail("ran an unwanted operation"), 0.05, wanted=wanted)
    assert asked.wait(2.0)
    writer.close()
    assert begun == []


def test_a_new_watch_replaces_the_old_one(engine: Engine) -> None:
    writer = BackgroundWriter(engine, poll=0.05)
    ran: list[str] = []
    writer.watch(lambda _conn: ran.append("first"), 0.2, wanted=lambda: True)
    writer.watch(lambda _conn: ran.append("second"), 0.05, wanted=lambda: True)
    assert wait_for(lambda: ran)
    time.sleep(0.3)
    writer.close()
    assert ran == ["second"]


def test_an_idle_writer_wakes_for_a_watch(engine: Engine) -> None:
    writer = BackgroundWriter(engine, poll=0.05)
    assert wait_for(lambda: writer._asleep)  # nothing to do: blocked without a timeout
    ran = threading.Event()
    writer.watch(lambda _conn: ran.set(), 0.01, wanted=lambda: True)
    assert ran.wait(2.0)
    writer.close()


def test_quick_operations_do_not_wait_for_the_poll(engine: Engine) -> None:
    writer = BackgroundWriter(engine, poll=60.0)
    writer.watch(lambda _conn: None, 60.0, wanted=lambda: True)
    done = threading.Event()
    started = time.monotonic()
    writer.submit(lambda _conn: done.set())
    assert done.wait(2.0)
    assert time.monotonic() - started < 1.0 + BATCH_WINDOW
    writer.close()


def test_close_runs_a_watched_operation_that_is_still_wanted(engine: Engine) -> None:
    writer = BackgroundWriter(engine, poll=60.0)
    ran: list[str] = []
    writer.watch(lambda _conn: ran.append("watched"), 60.0, wanted=lambda: True)
    writer.close()
    assert ran == ["watched"]


def test_a_refused_operation_is_isolated_and_reported_once(engine: Engine) -> None:
    writer = BackgroundWriter(engine)
    attempts: list[int] = []
    written: list[str] = []

    def broken(_conn: Connection) -> None:
        attempts.append(1)
        raise RuntimeError("a row the database refuses")

    writer.submit(lambda _conn: written.append("before"))
    writer.submit(broken)
    writer.submit(lambda _conn: written.append("after"))
    assert not writer.flush()  # one operation was given up: the flush says so
    writer.submit(lambda _conn: written.append("later"))
    assert writer.flush()
    writer.close()
    # Once in the batch, once alone; never again with later batches.
    assert len(attempts) == 2
    assert writer.lost == 1
    assert [str(e) for e in writer.errors] == ["a row the database refuses"]
    assert written[-3:] == ["before", "after", "later"]


def test_a_transient_failure_keeps_the_batch_until_the_store_recovers(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.01,))
    writer = BackgroundWriter(engine)
    store = Outage("database or disk is full")
    writer.submit(store.op("tag"))
    writer.submit(store.op("cells"))
    # A plain flush returns after the attempt (a cell never waits out an outage), and
    # says that not everything is written.
    assert not writer.flush()
    assert store.written == [] and writer.outage is not None
    writer.submit(store.op("trial end"))
    assert not writer.flush()
    store.down.clear()
    assert wait_for(lambda: store.written == ["tag", "cells", "trial end"])
    assert writer.outage is None
    assert writer.flush()
    writer.close()
    assert len(writer.errors) == 1  # one report for the whole outage
    assert writer.lost == 0


def test_a_flush_until_written_waits_out_an_outage(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.02,))
    writer = BackgroundWriter(engine)
    store = Outage("database is locked")
    writer.submit(store.op("cells"))
    started = time.monotonic()
    assert not writer.flush(0.3, until_written=True)  # still down at its timeout
    assert time.monotonic() - started >= 0.3 and store.written == []
    threading.Timer(0.3, store.down.clear).start()
    assert writer.flush(10, until_written=True)
    assert store.written == ["cells"]
    writer.close()
    assert writer.lost == 0


def test_what_cannot_be_written_at_close_is_counted_and_reported(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.01,))
    writer = BackgroundWriter(engine)
    store = Outage("database is locked")  # and stays so
    writer.submit(store.op("cells"))
    writer.submit(store.op("trial end"))
    assert not writer.flush()
    waiting = threading.Event()
    result: list[bool] = []
    threading.Thread(
        target=lambda: (result.append(writer.flush(30, until_written=True)), waiting.set())
    ).start()
    assert writer.close(10)
    # The waiting flush is let go when the writer stops, and told nothing was written.
    assert waiting.wait(5) and result == [False]
    assert writer.lost == 2 and store.written == []
    assert "database is locked" in str(writer.errors[-1])


def test_operations_for_a_store_that_never_opened_are_counted_at_close(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.01,))

    def connect() -> Engine:
        raise OSError("the server is not answering")

    writer = BackgroundWriter(connect)
    assert writer.opened.wait(2.0)
    for _ in range(3):
        writer.submit(lambda _conn: None)
    assert not writer.flush()
    assert writer.close(10)
    assert writer.lost == 3
    assert "not answering" in str(writer.errors[-1])


def test_a_store_that_cannot_be_opened_is_retried_on_the_writer_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.01,))
    attempts: list[int] = []
    ready = create_engine("sqlite://")

    def connect() -> Engine:
        attempts.append(1)
        if len(attempts) < 3:
            raise OSError("the server is not answering")
        return ready

    writer = BackgroundWriter(connect)
    assert writer.opened.wait(2.0)
    assert writer.outage is not None and writer.engine is None
    done = threading.Event()
    writer.submit(lambda _conn: done.set())
    assert done.wait(5.0)
    assert writer.engine is ready and len(attempts) == 3
    writer.close()
    ready.dispose()


def test_deferred_operations_wait_for_a_quiet_kernel(engine: Engine) -> None:
    quiet = threading.Event()
    writer = BackgroundWriter(engine, quiet=quiet.is_set)
    ran: list[str] = []
    writer.submit_deferred(lambda _conn: ran.append("cells"))
    time.sleep(0.3)
    assert ran == []  # the kernel is busy: held
    quiet.set()
    assert wait_for(lambda: ran == ["cells"])
    writer.close()


def test_deferred_operations_wait_at_most_max_lag(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbprov.store.writer.MAX_LAG", 0.2)
    writer = BackgroundWriter(engine, quiet=lambda: False)
    done = threading.Event()
    started = time.monotonic()
    writer.submit_deferred(lambda _conn: done.set())
    assert done.wait(5.0)
    assert time.monotonic() - started >= 0.2
    writer.close()


def test_an_urgent_operation_writes_held_ones_first_in_one_transaction(engine: Engine) -> None:
    begun = count_transactions(engine)
    writer = BackgroundWriter(engine, quiet=lambda: False)
    ran: list[str] = []
    writer.submit_deferred(lambda _conn: ran.append("cells 1-3"))
    time.sleep(0.2)
    writer.submit(lambda _conn: ran.append("tag"))
    assert writer.flush()
    assert ran == ["cells 1-3", "tag"]
    assert len(begun) == 1
    writer.submit_deferred(lambda _conn: ran.append("cells 4-5"))
    assert writer.flush()  # a flush writes held operations too
    assert ran[-1] == "cells 4-5"
    writer.close()


def test_work_for_a_quiet_moment_is_not_hurried_by_other_writes(engine: Engine) -> None:
    quiet = threading.Event()
    writer = BackgroundWriter(engine, quiet=quiet.is_set)
    ran: list[str] = []
    writer.submit_when_quiet(lambda _conn: ran.append("packages"))
    writer.submit(lambda _conn: ran.append("tag"))
    assert wait_for(lambda: ran == ["tag"])
    time.sleep(0.2)
    assert ran == ["tag"]
    quiet.set()
    assert wait_for(lambda: ran == ["tag", "packages"])
    quiet.clear()
    writer.submit_when_quiet(lambda _conn: ran.append("packages again"))
    assert writer.flush()  # a flush does not wait for a quiet moment
    assert ran[-1] == "packages again"
    writer.close()


def test_a_retried_transaction_writes_each_cell_once(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import insert, select
    from sqlalchemy.exc import OperationalError

    from nbprov.store import Store
    from nbprov.store.activations import (
        FinishedCells,
        PendingCell,
        RunningRow,
        TrialRef,
    )
    from nbprov.store.cell_records import Ending
    from nbprov.store.models import Access, Activation, Trial
    from nbprov.store.records import utcnow

    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.0,))
    store = Store.open(str(tmp_path / "nbprov.db"), writer=True)
    with store.engine.begin() as conn:
        conn.execute(insert(Trial).values(uuid="u", started_at=utcnow(), status="running"))

    def cell(seq: int, source: str) -> PendingCell:
        return PendingCell(
            trial=TrialRef(1),
            seq=seq,
            execution_count=seq,
            cell_id=None,
            stage=None,
            source=source,
            started=time.time(),
        )

    long_cell, quick = cell(1, "import time; time.sleep(9)"), cell(2, "x = 1")
    finished = FinishedCells()
    failures = iter([OperationalError("COMMIT", {}, Exception("database is locked"))])

    def flaky(_conn: Connection) -> None:
        for failure in failures:
            raise failure

    writer = BackgroundWriter(store.engine)
    running = RunningRow(long_cell)
    writer.submit(running)
    writer.submit(flaky)  # the first transaction fails after the running row was written
    assert writer.flush(until_written=True)
    long_cell.ending = Ending(duration=9.0, status="ok", execution_count=1)
    quick.ending = Ending(duration=0.1, status="ok", execution_count=2)
    quick.accesses = [("bind", {"x"})]
    finished.add(long_cell)
    finished.add(quick)
    failures = iter([OperationalError("COMMIT", {}, Exception("database is locked"))])
    writer.submit(finished)
    writer.submit(flaky)
    assert writer.flush(until_written=True)
    writer.close()
    assert {str(e.orig) for e in writer.errors} == {"database is locked"}  # type: ignore[attr-defined]
    with store.engine.connect() as conn:
        acts = conn.execute(select(Activation.id, Activation.seq, Activation.status)).all()
        accesses = conn.execute(select(Access.activation_id, Access.name)).all()
    store.close()
    assert sorted((seq, status) for _, seq, status in acts) == [(1, "ok"), (2, "ok")]
    quick_id = next(i for i, seq, _ in acts if seq == 2)
    assert accesses == [(quick_id, "x")]


def test_a_statement_the_schema_refuses_is_not_retried_as_a_passing_failure(
    tmp_path: Any,
) -> None:
    """SQLite calls "no such table" an OperationalError, as it does a lock; kept and
    retried, it would hold every later batch back until the kernel exits."""
    engine = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    writer = BackgroundWriter(engine)
    written: list[str] = []
    writer.submit(lambda conn: conn.exec_driver_sql("INSERT INTO no_such_table VALUES (1)"))
    writer.submit(lambda _conn: written.append("after"))
    assert not writer.flush()
    assert written == ["after"] and writer.outage is None
    writer.submit(lambda _conn: written.append("later"))
    assert writer.flush()
    writer.close()
    assert written == ["after", "later"]
    assert writer.lost == 1 and "no such table" in str(writer.lost_why)
    engine.dispose()
