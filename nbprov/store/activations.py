"""Writing executed cells in batches: one statement per table for a burst of cells.

Quick cells are written once, when they end, many at a time. A long cell's row is
written while it runs (status ``running``) and updated when it ends.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Protocol

from nbprov.capture.source import cell_hash, storable, storable_or_none
from nbprov.capture.values import exact_fingerprint

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
    ending: dict[str, Any] | None = None  # columns known when it ends
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

    def start_row(self) -> dict[str, Any]:
        """The activation columns known when the cell started."""
        return {
            "trial_id": int(self.trial),
            "execution_count": self.execution_count,
            "seq": self.seq,
            "cell_id": storable_or_none(self.cell_id),
            "cell_hash": self.digest,
            "stage": self.stage,
            "started_at": datetime.fromtimestamp(self.started, timezone.utc).replace(tzinfo=None),
            "status": "running",
        }

    def access_rows(self) -> list[dict[str, Any]]:
        return [
            {"activation_id": self.id, "name": name, "kind": kind}
            for kind, names in self.accesses
            for name in sorted(names)
        ]

    def value_rows(self) -> list[dict[str, Any]]:
        # The cell's execution count is final only once it has ended (IPython 9 advances
        # the count before the cell runs), so values recorded while it ran take it here.
        return [
            complete_value_row(v, activation_id=self.id, execution_count=self.execution_count)
            for v in self.values
        ]


def complete_value_row(row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A value row ready to insert: the trial's id resolved, and exact values given their
    fingerprint here, off the kernel's thread, when the hooks left it out."""
    out = dict(row, **extra)
    if isinstance(out.get("trial_id"), TrialRef):
        out["trial_id"] = int(out["trial_id"])
    if out.get("fingerprint") is None and out.get("exact"):
        out["fingerprint"] = exact_fingerprint(out["value"])
    return out


class CellWrites(Protocol):
    def code(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...
    def activations(self, conn: Connection, rows: list[dict[str, Any]]) -> list[int]: ...
    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...
    def accesses(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...
    def values(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...


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

    def code(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        from nbprov.store import insert_ignore
        from nbprov.store.models import Code

        insert_ignore(conn, Code, rows)

    def activations(self, conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        # One multi-row INSERT ... RETURNING where the database has it.
        return [int(i) for i in conn.execute(self._activations, rows).scalars().all()]

    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(self._ending, rows)

    def accesses(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(self._access, rows)

    def values(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(self._value, rows)


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

    def rows(self, cells: list[PendingCell]) -> list[dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        for cell in cells:
            if cell.digest not in self._known:
                rows[cell.digest] = {"hash": cell.digest, "source": storable(cell.source)}
        return list(rows.values())

    def stored(self, rows: list[dict[str, Any]]) -> None:
        """Call once the transaction that wrote ``rows`` has committed."""
        self._known.update(row["hash"] for row in rows)


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
        writes.code(conn, [{"hash": cell.digest, "source": storable(cell.source)}])
        cell.id = writes.activations(conn, [cell.start_row()])[0]
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
        # Written in the transaction in progress (kept until it commits or rolls back).
        self._in_transaction: list[PendingCell] = []
        self._given_ids: list[PendingCell] = []
        self._code: list[dict[str, Any]] = []

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
        if new:
            code = self.sources.rows(new)
            writes.code(conn, code)
            self._code += code
            ids = writes.activations(conn, [{**c.start_row(), **(c.ending or {})} for c in new])
            for cell, new_id in zip(new, ids, strict=True):
                cell.id = new_id
            self._given_ids += new
        started = [c for c in cells if c not in new]
        writes.endings(conn, [{"act_id": c.id, **(c.ending or {})} for c in started])
        writes.accesses(conn, [row for c in cells for row in c.access_rows()])
        writes.values(conn, [row for c in cells for row in c.value_rows()])

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
                continue
            for row in values:
                try:
                    with conn.begin_nested():
                        cell_writes(conn.dialect).values(
                            conn, [complete_value_row(row, activation_id=cell.id)]
                        )
                except Exception as exc:
                    self._problems.append(exc)
                    with conn.begin_nested():
                        cell_writes(conn.dialect).values(
                            conn, [unstorable_value_row(row, exc, activation_id=cell.id)]
                        )

    def take_problems(self) -> list[BaseException]:
        problems, self._problems = self._problems, []
        return problems

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


def unstorable_value_row(row: dict[str, Any], exc: BaseException, **extra: Any) -> dict[str, Any]:
    """A value row the database refused, replaced by a note of why (kept as a version)."""
    note = {"type": "unstorable", "error": f"{type(exc).__name__}: {exc}"[:200]}
    return complete_value_row(row, value=note, exact=False, fingerprint=None, **extra)
