"""Ended cells written through the SQLite driver's own cursor.

On the kernel's writer thread, SQLAlchemy Core spends several times longer preparing each
statement's parameters than SQLite spends storing the rows, and that Python time competes
with the user's code for the GIL. Here each statement is compiled by SQLAlchemy once; the
cells' records already hold its parameters in the compiled order, so only the columns
with a bind processor (times, JSON, booleans, floats) are converted, by the processors
SQLAlchemy would apply, and the rows go straight to the driver's ``executemany``, inside
the transaction SQLAlchemy opened.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement

from nbprov.store.cell_records import (
    ACCESS_COLUMNS,
    ACTIVATION_COLUMNS,
    CODE_COLUMNS,
    VALUE_COLUMNS,
    Ending,
    Record,
)
from nbprov.store.models import Access, Activation, Code, Value


class DriverStatement:
    """One statement compiled for a positional-parameter dialect, with its bind processors.

    ``columns``: the statement's parameters; when ``records`` is set, they must compile in
    that order (records are passed positionally, so a different order is refused here
    rather than written into the wrong columns)."""

    def __init__(
        self,
        statement: ClauseElement,
        dialect: Dialect,
        columns: Sequence[str],
        records: bool = True,
    ) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(columns))
        if not isinstance(compiled, SQLCompiler):
            raise TypeError(f"not a SQL statement: {statement}")
        if not compiled.positional or compiled.positiontup is None:
            raise ValueError(f"{dialect.name} does not take positional parameters")
        self.sql = str(compiled)
        self.names: list[str] = list(compiled.positiontup)
        if records and self.names != list(columns):
            raise ValueError(f"{statement} compiles its parameters as {self.names}")
        processors: list[Callable[[Any], Any] | None] = [
            compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
            for name in self.names
        ]
        # Most columns have no processor: only those that do are visited per row. Every
        # processor sees None too, as SQLAlchemy's own execution would have it: a JSON
        # column turns it into ``null``, the others pass it on as SQL NULL.
        self._processed = [(i, p) for i, p in enumerate(processors) if p is not None]

    def parameters(self, row: Mapping[str, Any]) -> Sequence[Any]:
        """A column-keyed row's parameters."""
        return self.convert([row.get(name) for name in self.names])

    def convert(self, record: Sequence[Any]) -> Sequence[Any]:
        """A record's parameters: its columns with a processor converted."""
        if not self._processed:
            return record
        values = list(record)
        for index, process in self._processed:
            values[index] = process(values[index])
        return values


class SqliteCellWrites:
    """The ``code``, ``activation``, ``access`` and ``value`` writes of ended cells, on
    SQLite (see :class:`nbprov.store.activations.CoreCellWrites` for other databases)."""

    def __init__(self, dialect: Dialect) -> None:
        self._code = DriverStatement(
            sqlite_insert(Code).on_conflict_do_nothing(), dialect, CODE_COLUMNS
        )
        self._activation = DriverStatement(insert(Activation), dialect, ACTIVATION_COLUMNS)
        self._ending = DriverStatement(
            update(Activation).where(Activation.id == bindparam("act_id")),
            dialect,
            Ending._fields,
            records=False,
        )
        self._access = DriverStatement(insert(Access), dialect, ACCESS_COLUMNS)
        self._value = DriverStatement(insert(Value), dialect, VALUE_COLUMNS)

    @staticmethod
    def _many(conn: Connection, sql: str, parameters: Sequence[Sequence[Any]]) -> None:
        if parameters:
            cursor = conn.connection.cursor()
            try:
                cursor.executemany(sql, parameters)
            finally:
                cursor.close()

    def _records(self, conn: Connection, statement: DriverStatement, records: list[Record]) -> None:
        convert = statement.convert
        self._many(conn, statement.sql, [convert(record) for record in records])

    def code(self, conn: Connection, records: list[Record]) -> None:
        """Insert sources, skipping those already stored."""
        self._records(conn, self._code, records)

    def activations(self, conn: Connection, records: list[Record]) -> list[int]:
        """Insert activation rows; their new ids, in order."""
        cursor = conn.connection.cursor()
        statement = self._activation
        try:
            ids = []
            for record in records:
                # One execute per row: the driver's executemany cannot hand back the ids.
                cursor.execute(statement.sql, statement.convert(record))
                ids.append(int(cursor.lastrowid))
            return ids
        finally:
            cursor.close()

    def endings(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Update activations written while running (``act_id`` names the row)."""
        self._many(conn, self._ending.sql, [self._ending.parameters(row) for row in rows])

    def accesses(self, conn: Connection, records: list[Record]) -> None:
        self._records(conn, self._access, records)

    def values(self, conn: Connection, records: list[Record]) -> None:
        self._records(conn, self._value, records)
