"""Opening a store: an engine plus the URL it came from, with its schema ensured."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.orm import Session

from nbprov.store.engine import StoreError, describe, make_engine, resolve_url, sqlite_path
from nbprov.store.migrations import ensure_schema
from nbprov.store.models import Base

__all__ = ["Store", "insert_ignore", "open_store", "store_session"]


class Store:
    """One open store: an engine plus the URL it came from."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    @classmethod
    def open(
        cls,
        db: str | os.PathLike[str] | None = None,
        *,
        writer: bool = False,
        cwd: str | Path | None = None,
    ) -> Store:
        """Open the store named by ``db`` / ``$NBPROV_DB`` / the default path.

        A reader never creates a SQLite file: a missing store is a :class:`StoreError`.
        """
        url = resolve_url(db, cwd)
        path = sqlite_path(url)
        if not writer and path is not None and not path.exists():
            raise StoreError(
                f"no nbprov store at {path} (run a notebook with %load_ext nbprov, "
                "or point --db / NBPROV_DB at a store)"
            )
        engine = make_engine(url, writer=writer)
        try:
            ensure_schema(engine)
        except StoreError:
            engine.dispose()
            raise
        except Exception as exc:
            engine.dispose()
            raise StoreError(f"cannot open the nbprov store at {describe(url)}: {exc}") from exc
        return cls(url, engine)

    @property
    def description(self) -> str:
        return describe(self.url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with Session(self.engine) as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()


@contextmanager
def open_store(
    db: str | os.PathLike[str] | None = None,
    *,
    writer: bool = False,
    cwd: str | Path | None = None,
) -> Iterator[Store]:
    """The store named by ``db`` / ``$NBPROV_DB`` / the default path, closed on leaving."""
    store = Store.open(db, writer=writer, cwd=cwd)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def store_session(
    db: str | os.PathLike[str] | None = None, store: Store | None = None
) -> Iterator[Session]:
    """A session on ``store`` when one is open already, else on the store ``db`` names
    (opened for the session and closed after it)."""
    if store is not None:
        with store.session() as session:
            yield session
        return
    with open_store(db) as opened, opened.session() as session:
        yield session


def insert_ignore(conn: Connection, model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows, skipping any whose primary key exists (for content-addressed tables)."""
    if not rows:
        return
    table = cast(Table, model.__table__)
    dialect = conn.dialect.name
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        conn.execute(sqlite_insert(table).on_conflict_do_nothing(), rows)
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).on_conflict_do_nothing(), rows)
    else:
        for row in rows:
            key = {col.name: row[col.name] for col in table.primary_key.columns}
            where = [table.c[name] == value for name, value in key.items()]
            if conn.execute(table.select().where(*where)).first() is None:
                conn.execute(table.insert(), [row])
