"""Writing executed cells in batches: one statement per table for a burst of cells.

Quick cells are written once, when they end, many at a time. A long cell's row is
written while it runs (status ``running``) and updated when it ends.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update

from . import insert_ignore
from .models import Access, Activation, Code, Value

_INSERT_ACTIVATIONS = insert(Activation).returning(Activation.id, sort_by_parameter_order=True)
_INSERT_ACTIVATION = insert(Activation)
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


def _insert_code(conn: Connection, cells: list[PendingCell]) -> None:
    rows = {c.code[0]: {"hash": c.code[0], "source": c.code[1]} for c in cells if c.code}
    insert_ignore(conn, Code, list(rows.values()))


def insert_running(conn: Connection, cell: PendingCell) -> None:
    """Write the row of a cell that is still running, unless it already ended."""
    if cell.ending is not None or cell.id is not None:
        return
    _insert_code(conn, [cell])
    cell.id = conn.execute(_INSERT_ACTIVATION, cell.row).inserted_primary_key[0]  # type: ignore[index]


def write_finished(conn: Connection, cells: list[PendingCell]) -> None:
    """Write ended cells: new rows in one multi-row insert, then their accesses and values."""
    new = [c for c in cells if c.id is None]
    if new:
        _insert_code(conn, new)
        result = conn.execute(_INSERT_ACTIVATIONS, [{**c.row, **(c.ending or {})} for c in new])
        for cell, new_id in zip(new, result.scalars().all(), strict=True):
            cell.id = new_id
    started = [c for c in cells if c not in new]
    if started:
        conn.execute(_UPDATE_ACTIVATION, [{"act_id": c.id, **(c.ending or {})} for c in started])
    accesses = [
        {"activation_id": c.id, "name": name, "kind": kind}
        for c in cells
        for name, kind in c.accesses
    ]
    if accesses:
        conn.execute(_INSERT_ACCESS, accesses)
    values = [dict(v, activation_id=c.id) for c in cells for v in c.values]
    if values:
        conn.execute(_INSERT_VALUE, values)


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
