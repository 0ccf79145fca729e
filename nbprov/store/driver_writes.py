"""Ended cells written through the SQLite driver's own cursor.

On the kernel's writer thread, SQLAlchemy Core spends several times longer preparing each
statement's parameters than SQLite spends storing the rows, and that Python time competes
with the user's code for the GIL. Here each statement is compiled by SQLAlchemy once, its
parameters are converted by the same bind processors SQLAlchemy would apply, and the rows
go straight to the driver's ``executemany``, inside the transaction SQLAlchemy opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from nbprov.store.models import Access, Activation, Code, Value

# Columns of each statement, in the order the hooks fill them.
ACTIVATION_START = (
    "trial_id",
    "execution_count",
    "seq",
    "cell_id",
    "cell_hash",
    "stage",
    "started_at",
    "status",
)
ACTIVATION_END = (
    "execution_count",
    "duration",
    "status",
    "stage",
    "error_type",
    "error_message",
)
VALUE_COLUMNS = (
    "trial_id",
    "activation_id",
    "execution_count",
    "seq",
    "name",
    "value",
    "exact",
    "fingerprint",
)


class DriverStatement:
    """One statement compiled for a positional-parameter dialect, with its bind processors."""

    def __init__(self, statement: ClauseElement, dialect: Dialect, columns: Sequence[str]) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {statement}")
        if not compiled.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name} does not take positional parameters")
        self.sql = str(compiled)
        self.names: list[str] = list(compiled.positiontup)
        processors: list[Callable[[Any], Any] | None] = [
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        ]
        # Most columns have no processor: only those that do are visited per row.
        self._processed = [(i, p) for i, p in enumerate(processors) if p is not None]

    def parameters(self, row: Mapping[str, Any]) -> list[Any]:
        values = [row.get(name) for name in self.names]
        # Every processor sees None too, as SQLAlchemy's own execution would have it: a
        # JSON column turns it into ``null``, the others pass it on as SQL NULL.
        for index, process in self._processed:
            values[index] = process(values[index])
        return values

    def many(self, rows: Iterable[Mapping[str, Any]]) -> list[list[Any]]:
        return [self.parameters(row) for row in rows]


class SqliteCellWrites:
    """The ``code``, ``activation``, ``access`` and ``value`` writes of ended cells, on
    SQLite (see :class:`nbprov.store.activations.CoreCellWrites` for other databases)."""

    def __init__(self, dialect: Dialect) -> None:
        self._code = DriverStatement(
            sqlite_insert(Code).on_conflict_do_nothing(), dialect, ("hash", "source")
        )
        self._activation = DriverStatement(
            insert(Activation), dialect, ACTIVATION_START + ACTIVATION_END[1:]
        )
        self._ending = DriverStatement(
            update(Activation).where(Activation.id == bindparam("act_id")),
            dialect,
            ACTIVATION_END,
        )
        self._access = DriverStatement(insert(Access), dialect, ("activation_id", "name", "kind"))
        self._value = DriverStatement(insert(Value), dialect, VALUE_COLUMNS)

    @staticmethod
    def _many(conn: Connection, statement: DriverStatement, rows: list[dict[str, Any]]) -> None:
        if rows:
            cursor = conn.connection.cursor()
            try:
                cursor.executemany(statement.sql, statement.many(rows))
            finally:
                cursor.close()

    def code(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Insert sources, skipping those already stored."""
        self._many(conn, self._code, rows)

    def activations(self, conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
        """Insert activation rows; their new ids, in order."""
        cursor = conn.connection.cursor()
        try:
            ids = []
            for row in rows:
                # One execute per row: the driver's executemany cannot hand back the ids.
                cursor.execute(self._activation.sql, self._activation.parameters(row))
                ids.append(int(cursor.lastrowid))
            return ids
        finally:
            cursor.close()

    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Update activations written while running (``act_id`` names the row)."""
        self._many(conn, self._ending, rows)

    def accesses(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        self._many(conn, self._access, rows)

    def values(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        self._many(conn, self._value, rows)
