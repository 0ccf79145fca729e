"""Writing executed cells in batches: one statement per table for a burst of cells.

Quick cells are written once, when they end, many at a time. A long cell's row is
written while it runs (status ``running``) and updated when it ends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.engine import Dialect

from . import insert_ignore
from .driver_writes import SqliteCellWrites
from .models import Access, Activation, Code, Value

_INSERT_ACTIVATIONS = insert(Activation).returning(Activation.id, sort_by_parameter_order=True)
_UPDATE_ACTIVATION = update(Activation).where(Activation.id == bindparam("act_id"))
_INSERT_ACCESS = insert(Access)
_INSERT_VALUE = insert(Value)


@dataclass
class PendingCell:
    """One executed cell on its way to the store (the writer thread fills ``id``)."""

    row: dict[str, Any]  # activation columns known when the cell starts
    code: tuple[str, str] | None  # (hash, source) when this source may be new to the store
    ending: dict[str, Any] | None = None  # columns known when it ends
    accesses: list[tuple[str, str]] = field(default_factory=list)
    values: list[dict[str, Any]] = field(default_factory=list)
    id: int | None = None


class CellWrites(Protocol):
    def code(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...
    def activations(self, conn: Connection, rows: list[dict[str, Any]]) -> list[int]: ...
    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...
    def accesses(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...
    def values(self, conn: Connection, rows: list[dict[str, Any]]) -> None: ...


class CoreCellWrites:
    """The writes through SQLAlchemy Core, for any database (PostgreSQL's team store)."""

    def code(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        insert_ignore(conn, Code, rows)

    def activations(self, conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
        if not rows:
            return []
        # One multi-row INSERT ... RETURNING where the database has it.
        return [int(i) for i in conn.execute(_INSERT_ACTIVATIONS, rows).scalars().all()]

    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(_UPDATE_ACTIVATION, rows)

    def accesses(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(_INSERT_ACCESS, rows)

    def values(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        if rows:
            conn.execute(_INSERT_VALUE, rows)


_WRITES: dict[tuple[str, str, str], CellWrites] = {}


def cell_writes(dialect: Dialect) -> CellWrites:
    """The fastest writes for ``dialect``, compiled once per kind of dialect."""
    key = (dialect.name, dialect.driver, dialect.paramstyle)
    writes = _WRITES.get(key)
    if writes is None:
        sqlite = dialect.name == "sqlite" and dialect.driver == "pysqlite"
        writes = SqliteCellWrites(dialect) if sqlite else CoreCellWrites()
        _WRITES[key] = writes
    return writes


def _code_rows(cells: list[PendingCell]) -> list[dict[str, Any]]:
    rows = {c.code[0]: {"hash": c.code[0], "source": c.code[1]} for c in cells if c.code}
    return list(rows.values())


def insert_running(conn: Connection, cell: PendingCell) -> None:
    """Write the row of a cell that is still running, unless it already ended."""
    if cell.ending is not None or cell.id is not None:
        return
    writes = cell_writes(conn.dialect)
    writes.code(conn, _code_rows([cell]))
    cell.id = writes.activations(conn, [cell.row])[0]


def write_finished(conn: Connection, cells: list[PendingCell]) -> None:
    """Write ended cells: new rows in one statement, then their accesses and values."""
    writes = cell_writes(conn.dialect)
    new = [c for c in cells if c.id is None]
    if new:
        writes.code(conn, _code_rows(new))
        ids = writes.activations(conn, [{**c.row, **(c.ending or {})} for c in new])
        for cell, new_id in zip(new, ids, strict=True):
            cell.id = new_id
    started = [c for c in cells if c not in new]
    writes.endings(conn, [{"act_id": c.id, **(c.ending or {})} for c in started])
    writes.accesses(
        conn,
        [
            {"activation_id": c.id, "name": name, "kind": kind}
            for c in cells
            for name, kind in c.accesses
        ],
    )
    writes.values(conn, [dict(v, activation_id=c.id) for c in cells for v in c.values])


class FinishedCells:
    """Ended cells waiting for the writer; one writer operation takes them all."""

    def __init__(self) -> None:
        self._cells: list[PendingCell] = []
        self._taken: list[PendingCell] = []  # the batch being written, kept for a retry
        self._lock = threading.Lock()

    def add(self, cell: PendingCell) -> bool:
        """Queue ``cell``; True when the queue was empty (a write must be scheduled)."""
        with self._lock:
            self._cells.append(cell)
            return len(self._cells) == 1

    def write(self, conn: Connection) -> None:
        """Write the queued cells. If the transaction fails, the writer retries: the same
        batch is written again, with the ids this attempt gave out taken back."""
        with self._lock:
            self._taken.extend(self._cells)
            self._cells = []
        ids = [c.id for c in self._taken]
        try:
            write_finished(conn, self._taken)
        except Exception:
            for cell, old in zip(self._taken, ids, strict=True):
                cell.id = old
            raise
        self._taken = []
