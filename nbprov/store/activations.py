"""Writing executed cells in batches: one statement per table for a burst of cells.

Quick cells are written once, when they end, many at a time. A long cell's row is
written while it runs (status ``running``) and updated when it ends.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from nbprov.capture.source import cell_hash, storable
from nbprov.capture.values import exact_fingerprint
from nbprov.store.cell_records import (
    ACCESS_COLUMNS,
    ACTIVATION_COLUMNS,
    CODE_COLUMNS,
    VALUE_COLUMNS,
    Ending,
    Record,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.engine import Dialect

# The kernel's thread builds pending cells from the first cell on; SQLAlchemy, the models
# and the statements are needed only on the writer's thread, which imports them while the
# kernel goes on (loading nbprov stays quick).
# Ended cells kept in memory while the store cannot be written; beyond this the oldest go.
MAX_WAITING_CELLS = 10_000


@dataclass(eq=False)
class TrialRef:
    """A trial's id, known once the writer has inserted its row: rows and operations made
    before that (while the store is still opening, or away) carry the reference and read
    the id when they are written."""

    id: int | None = None

    def __int__(self) -> int:
        if self.id is None:
            raise LookupError("the trial's row has not been written")
        return self.id


@dataclass(eq=False, slots=True)
class PendingCell:
    """One executed cell on its way to the store.

    The hooks fill it with what they observed, as cheaply as they can; everything that
    can wait (hashing the source, formatting times, sorting names, fingerprinting exact
    values) is done on the writer thread, which also fills ``id``.
    """

    trial: TrialRef
    seq: int
    execution_count: int | None
    cell_id: str | None
    stage: str | None
    source: str
    started: float  # time.time() when the cell started
    ending: Ending | None = None  # set when it ends
    # (kind, names) pairs from the tracer, in no particular order.
    accesses: Sequence[tuple[str, Collection[str]]] = ()
    values: Sequence[dict[str, Any]] = ()
    id: int | None = None
    _digest: str | None = None

    @property
    def digest(self) -> str:
        if self._digest is None:
            self._digest = cell_hash(self.source)
        return self._digest

    def written(self) -> None:
        """Its rows are in the store: let its accesses and values go. The recorder keeps
        the cell (as the last writer of each name it bound) for its id, count and seq."""
        self.accesses = ()
        self.values = ()  # the empty tuple: one shared object the collector never scans

    def activation_record(self) -> Record:
        """Its activation row (``ACTIVATION_COLUMNS``) as it stands: ``running`` with the
        start's columns until it has ended."""
        started = datetime.fromtimestamp(self.started, timezone.utc).replace(tzinfo=None)
        cell_id = None if self.cell_id is None else storable(self.cell_id)
        trial, count, seq, digest = int(self.trial), self.execution_count, self.seq, self.digest
        end = self.ending
        if end is None:
            return (
                *(trial, count, seq, cell_id, digest, self.stage, started),
                *(None, "running", None, None),
            )
        return (
            *(trial, end.execution_count, seq, cell_id, digest, end.stage, started),
            *(end.duration, end.status, end.error_type, end.error_message),
        )

    def ending_row(self) -> dict[str, Any]:
        """The update of its activation, written while it ran (``act_id`` names the row)."""
        assert self.ending is not None
        return {"act_id": self.id, **self.ending._asdict()}

    def access_records(self) -> list[Record]:
        """Its access rows (``ACCESS_COLUMNS``)."""
        activation = self.id
        return [(activation, name, kind) for kind, names in self.accesses for name in sorted(names)]

    def value_records(self) -> list[Record]:
        """Its value rows (``VALUE_COLUMNS``). The cell's execution count is final only
        once it has ended (IPython 9 advances the count before the cell runs), so values
        recorded while it ran take it here."""
        return [value_record(v, self.id, self.execution_count) for v in self.values]


def value_record(row: dict[str, Any], activation_id: int | None, count: int | None) -> Record:
    """A value row ready to insert (``VALUE_COLUMNS``): the trial's id resolved, and an
    exact value given its fingerprint here, off the kernel's thread, when the hooks left
    it out."""
    value, exact, fingerprint = row["value"], row["exact"], row.get("fingerprint")
    if fingerprint is None and exact:
        fingerprint = exact_fingerprint(value)
    trial = int(row["trial_id"])
    return (trial, activation_id, count, row["seq"], row["name"], value, exact, fingerprint)


def complete_value_row(row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """:func:`value_record` of ``row`` with some of its columns replaced by ``extra``, as
    a column-keyed row."""
    out = {**row, **extra}
    return dict(
        zip(
            VALUE_COLUMNS,
            value_record(out, out.get("activation_id"), out.get("execution_count")),
            strict=True,
        )
    )


def as_rows(columns: Sequence[str], records: Iterable[Record]) -> list[dict[str, Any]]:
    """Records as the column-keyed rows SQLAlchemy Core takes."""
    return [dict(zip(columns, record, strict=True)) for record in records]


class CellWrites(Protocol):
    """Each table's rows of ended cells, given as records in its columns' order."""

    def code(self, conn: Connection, records: list[Record]) -> None: ...
    def activations(self, conn: Connection, records: list[Record]) -> list[int]: ...
    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...
    def accesses(self, conn: Connection, records: list[Record]) -> None: ...
    def values(self, conn: Connection, records: list[Record]) -> None: ...


class CoreCellWrites:
    """The writes through SQLAlchemy Core, for any database (PostgreSQL's team store)."""

    def __init__(self) -> None:
        from sqlalchemy import bindparam, insert, update

        from nbprov.store.models import Access, Activation, Value

        self._activations = insert(Activation).returning(
            Activation.id, sort_by_parameter_order=True
        )
        self._ending = update(Activation).where(Activation.id == bindparam("act_id"))
        self._access = insert(Access)
        self._value = insert(Value)

    def code(self, conn: Connection, records: list[Record]) -> None:
        from nbprov.store import insert_ignore
        from nbprov.store.models import Code

        insert_ignore(conn, Code, as_rows(CODE_COLUMNS, records))

    def activations(self, conn: Connection, records: list[Record]) -> list[int]:
        if not records:
            return []
        # One multi-row INSERT ... RETURNING where the database has it.
        rows = as_rows(ACTIVATION_COLUMNS, records)
        return [int(i) for i in conn.execute(self._activations, rows).scalars().all()]

    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(self._ending, rows)

    def accesses(self, conn: Connection, records: list[Record]) -> None:
        if records:
            conn.execute(self._access, as_rows(ACCESS_COLUMNS, records))

    def values(self, conn: Connection, records: list[Record]) -> None:
        if records:
            conn.execute(self._value, as_rows(VALUE_COLUMNS, records))


_WRITES: dict[tuple[str, str, str], CellWrites] = {}


def cell_writes(dialect: Dialect) -> CellWrites:
    """The fastest writes for ``dialect``, compiled once per kind of dialect."""
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    writes = _WRITES.get(key)
    if writes is None:
        sqlite = dialect.name == "sqlite" and dialect.driver == "pysqlite"
        if sqlite:
            from nbprov.store.driver_writes import SqliteCellWrites

            writes = SqliteCellWrites(dialect)
        else:
            writes = CoreCellWrites()
        _WRITES[key] = writes
    return writes


class KnownSources:
    """Hashes of the sources this kernel has stored, so each is sent to the store once."""

    def __init__(self) -> None:
        self._known: set[str] = set()

    def records(self, cells: list[PendingCell]) -> list[Record]:
        """``CODE_COLUMNS`` records of the sources of ``cells`` not stored yet."""
        known, new = self._known, {}
        for cell in cells:
            digest = cell.digest
            if digest not in known and digest not in new:
                new[digest] = (digest, storable(cell.source))
        return list(new.values())

    def stored(self, records: list[Record]) -> None:
        """Call once the transaction that wrote ``records`` has committed."""
        self._known.update(record[0] for record in records)


class RunningRow:
    """The writer operation for the row of a cell still running after a moment."""

    def __init__(self, cell: PendingCell) -> None:
        self.cell = cell
        self._gave_id = False

    def __call__(self, conn: Connection) -> None:
        cell = self.cell
        if cell.ending is not None or cell.id is not None:
            return
        writes = cell_writes(conn.dialect)
        writes.code(conn, [(cell.digest, storable(cell.source))])
        cell.id = writes.activations(conn, [cell.activation_record()])[0]
        self._gave_id = True
        from sqlalchemy import update

        from nbprov.store.models import Trial

        # A cell is running: should the kernel die now, the trial reads interrupted.
        conn.execute(
            update(Trial)
            .where(Trial.id == int(cell.trial), Trial.pid.is_not(None))
            .values(status="running")
        )

    def rolled_back(self) -> None:
        if self._gave_id:
            self.cell.id = None
            self._gave_id = False


class FinishedCells:
    """Ended cells waiting for the writer; calling it (on the writer thread) writes them
    all: new rows in one statement per table, rows written while running updated.

    Each cell is written once per transaction: the cells of a transaction that rolls back
    go back to the front of the queue with the ids they were given taken away, so the
    retry writes them again, once.
    """

    def __init__(self, max_waiting: int = MAX_WAITING_CELLS) -> None:
        self._cells: list[PendingCell] = []
        self._lock = threading.Lock()
        self.sources = KnownSources()
        self.max_waiting = max_waiting
        self.dropped = 0  # cells given up because too many were waiting for the store
        self._problems: list[BaseException] = []  # what isolated() had to give up, and why
        self._given_up = 0  # cells isolated() could not write at all
        # Written in the transaction in progress (kept until it commits or rolls back).
        self._in_transaction: list[PendingCell] = []
        self._given_ids: list[PendingCell] = []
        self._code: list[Record] = []

    def add(self, cell: PendingCell) -> bool:
        """Queue ``cell``; True when the queue was empty (a write must be scheduled)."""
        with self._lock:
            self._cells.append(cell)
            if len(self._cells) > self.max_waiting:
                # The store has been away for a long time: keep the newest cells.
                del self._cells[0]
                self.dropped += 1
            return len(self._cells) == 1

    def _take(self) -> list[PendingCell]:
        with self._lock:
            cells, self._cells = self._cells, []
        self._in_transaction.extend(cells)
        return cells

    def __call__(self, conn: Connection) -> None:
        self._write(conn, self._take())

    def _write(self, conn: Connection, cells: list[PendingCell]) -> None:
        writes = cell_writes(conn.dialect)
        new = [c for c in cells if c.id is None]
        # Cells written while running: their rows are updated.
        started = [c for c in cells if c.id is not None] if len(new) < len(cells) else []
        if new:
            code = self.sources.records(new)
            writes.code(conn, code)
            self._code += code
            ids = writes.activations(conn, [c.activation_record() for c in new])
            for cell, new_id in zip(new, ids, strict=True):
                cell.id = new_id
            self._given_ids += new
        writes.endings(conn, [c.ending_row() for c in started])
        writes.accesses(conn, [record for c in cells for record in c.access_records()])
        writes.values(conn, [record for c in cells for record in c.value_records()])

    def isolated(self, conn: Connection) -> None:
        """Write the queued cells one at a time, each in a savepoint, after their batch
        failed: a value the database refuses is replaced by a note saying so, and a cell
        whose activation itself is refused is given up, without taking the others."""
        for cell in self._take():
            try:
                with conn.begin_nested():
                    self._write(conn, [cell])
                continue
            except Exception:
                self._forget_ids([cell])
            values, cell.values = cell.values, ()
            try:
                with conn.begin_nested():
                    self._write(conn, [cell])
            except Exception as exc:
                self._forget_ids([cell])
                self._problems.append(exc)
                self._given_up += 1
                continue
            for row in values:
                try:
                    with conn.begin_nested():
                        cell_writes(conn.dialect).values(
                            conn, [value_record(row, cell.id, cell.execution_count)]
                        )
                except Exception as exc:
                    self._problems.append(exc)
                    with conn.begin_nested():
                        cell_writes(conn.dialect).values(
                            conn, [unstorable_value_row(row, exc, cell.id, cell.execution_count)]
                        )

    def take_problems(self) -> list[BaseException]:
        problems, self._problems = self._problems, []
        return problems

    def take_given_up(self) -> int:
        """How many cells ``isolated`` had to give up whole since last asked."""
        given_up, self._given_up = self._given_up, 0
        return given_up

    def _forget_ids(self, cells: list[PendingCell]) -> None:
        for cell in cells:
            if cell in self._given_ids:
                cell.id = None
                self._given_ids.remove(cell)

    def rolled_back(self) -> None:
        for cell in self._given_ids:
            cell.id = None
        with self._lock:
            self._cells[:0] = self._in_transaction
        self._in_transaction, self._given_ids, self._code = [], [], []

    def committed(self) -> None:
        self.sources.stored(self._code)
        for cell in self._in_transaction:
            cell.written()
        self._in_transaction, self._given_ids, self._code = [], [], []


def unstorable_value_row(
    row: dict[str, Any], exc: BaseException, activation_id: int | None, count: int | None
) -> Record:
    """A value row the database refused, replaced by a note of why (kept as a version)."""
    note = {"type": "unstorable", "error": f"{type(exc).__name__}: {exc}"[:200]}
    return value_record(
        {**row, "value": note, "exact": False, "fingerprint": None}, activation_id, count
    )
