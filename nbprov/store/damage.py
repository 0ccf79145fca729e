"""Rows a reader cannot trust: what makes a command fail on a damaged or crafted store.

Called only after a command failed, so that the user reads which rows are bad instead of
a traceback. Every column is read raw and put through the same conversion the models
apply (dates, JSON, numbers); required columns must not be empty and references must
point at existing rows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    cast,
    select,
    type_coerce,
)
from sqlalchemy.exc import DBAPIError

from nbprov.store.models import Base

_INT64 = 2**63


def _environment_problem(env: Any) -> str | None:
    if not isinstance(env, dict):
        return "not a JSON object"
    for key in ("packages", "git"):
        if env.get(key) is not None and not isinstance(env[key], dict):
            return f"not in the documented shape ({key} is not an object)"
    return None


def _value_problem(value: Any) -> str | None:
    if isinstance(value, dict) and "type" in value and "repr" in value:
        if not isinstance(value["type"], str):
            return "a summary whose type is not text"
        if value.get("shape") is not None and not isinstance(value["shape"], list):
            return "a summary whose shape is not a list"
    return None


# The documented JSON shapes, checked once a JSON column has decoded.
_SHAPES = {("trial", "environment"): _environment_problem, ("value", "value"): _value_problem}


def _kind_problem(column: Column[Any], raw: Any, processor: Any) -> str | None:
    if isinstance(column.type, Boolean):
        return None if raw in (0, 1, True, False) else "not a boolean"
    if isinstance(column.type, Integer):
        ok = isinstance(raw, int) and not isinstance(raw, bool) and -_INT64 <= raw < _INT64
        return None if ok else "not an integer"
    if isinstance(column.type, Float):
        return None if isinstance(raw, (int, float)) else "not a number"
    if isinstance(column.type, String) and not isinstance(raw, str):
        return "not text"
    if processor is None:
        return None
    try:
        decoded = processor(raw)
    except Exception as exc:  # the model's own conversion is the test
        return f"unreadable ({type(exc).__name__})"
    shape = _SHAPES.get((column.table.name, column.name))
    return shape(decoded) if shape is not None else None


def _show(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 24 else text[:23] + "…"


def _undecodable(conn: Any, table: Table, column: Column[Any]) -> list[Any]:
    """Keys of the rows whose ``column`` holds bytes that are not UTF-8 text."""
    names = [c.name for c in table.primary_key.columns]
    blobs = [cast(table.c[n], LargeBinary) for n in names]
    found = []
    for *key, data in conn.execute(select(*blobs, cast(column, LargeBinary))):
        try:
            bytes(data or b"").decode("utf-8")
        except UnicodeDecodeError:
            shown = [bytes(k or b"").decode("utf-8", "replace") for k in key]
            found.append(shown[0] if len(shown) == 1 else tuple(shown))
    return found


def find_damage(engine: Engine, limit: int = 3) -> tuple[list[str], int]:
    """Up to ``limit`` descriptions of bad cells (``trial 3: started_at ...``) and how
    many were found in all."""
    from nbprov.render.terminal import neutralise

    found: list[str] = []
    total = 0
    dialect = engine.dialect

    def note(table: str, key: Any, text: str) -> None:
        nonlocal total
        total += 1
        if len(found) < limit:
            found.append(neutralise(f"{table} {_show(key)}: {text}"))

    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            names = [c.name for c in table.primary_key.columns]
            keys = [type_coerce(table.c[n], String()) for n in names]
            for column in table.columns:
                processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
                raw_column = type_coerce(column, String())
                try:
                    rows = conn.execute(select(*keys, raw_column)).all()
                except DBAPIError:  # text the driver cannot decode: find it byte by byte
                    for ident in _undecodable(conn, table, column):
                        note(table.name, ident, f"{column.name} is text that is not UTF-8")
                    continue
                for *key, raw in rows:
                    ident = key[0] if len(key) == 1 else tuple(key)
                    if raw is None:
                        if not column.nullable:
                            note(table.name, ident, f"{column.name} is empty")
                        continue
                    problem = _kind_problem(column, raw, processor)
                    if problem:
                        note(table.name, ident, f"{column.name} is {problem}: {_show(raw)}")
                for fk in column.foreign_keys:
                    target = fk.column
                    orphans = conn.execute(
                        select(*keys).where(
                            column.is_not(None),
                            column.not_in(select(target).scalar_subquery()),
                        )
                    )
                    for row in orphans:
                        ident = row[0] if len(row) == 1 else tuple(row)
                        missing = target.table.name
                        note(table.name, ident, f"{column.name} names a missing {missing}")
    return found, total


def damage_note(engine: Engine, where: str) -> str | None:
    """One line naming the bad rows of the store at ``where``, or None when it has none
    (or cannot even be scanned)."""
    try:
        found, total = find_damage(engine)
    except Exception:
        return None
    if not total:
        return None
    more = f" and {total - len(found)} more" if total > len(found) else ""
    return f"the store at {where} has damaged rows: {'; '.join(found)}{more}"
