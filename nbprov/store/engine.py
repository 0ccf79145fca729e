"""Where the store lives and how to connect to it.

``NBPROV_DB`` (a file path or an SQLAlchemy URL) overrides the default SQLite file
``.nbprov/nbprov.db`` under the working directory, so a team can point every kernel at one
PostgreSQL database.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbprov.store.errors import StoreError

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = ["StoreError", "brief_location", "describe", "make_engine", "resolve_url", "sqlite_path"]

# SQLAlchemy is imported inside the functions: loading nbprov into a kernel must not pay
# for it on the kernel's thread (the store is opened on the writer's).

DEFAULT_RELATIVE_PATH = Path(".nbprov") / "nbprov.db"
SQLITE_BUSY_TIMEOUT_MS = 30_000
CONNECT_TIMEOUT_S = 5  # a server that accepts but never answers


def resolve_url(db: str | os.PathLike[str] | None = None, cwd: str | Path | None = None) -> str:
    """The SQLAlchemy URL for ``db``, else ``$NBPROV_DB``, else the default file."""
    target = os.fspath(db) if db is not None else os.environ.get("NBPROV_DB") or None
    if target and "://" in target:
        return target
    path = Path(target).expanduser() if target else Path(cwd or os.getcwd()) / DEFAULT_RELATIVE_PATH
    if not path.is_absolute():
        path = Path(cwd or os.getcwd()) / path
    return f"sqlite:///{path}"


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    from sqlalchemy.engine import make_url

    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def brief_location(url: str, cwd: str | Path | None = None) -> str:
    """Where the store is, in a few words and without importing SQLAlchemy (it is said
    while nbprov loads): a SQLite file relative to ``cwd`` when it is under it, another
    database's URL without its user and password."""
    prefix = "sqlite:///"
    if url.startswith(prefix):
        path = Path(url[len(prefix) :])
        try:
            return str(path.relative_to(cwd or os.getcwd()))
        except ValueError:
            return str(path)
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.rpartition('@')[2]}"


def describe(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        path = sqlite_path(url)
        return str(path) if path else make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "an unreadable database URL"


def _server_engine(url: str) -> Engine:
    """An engine for a database server, with a bounded connect time (libpq's
    ``connect_timeout``) and a clear message when the URL's driver is missing."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import NoSuchModuleError

    try:
        parsed = make_url(url)
    except Exception as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_S
    try:
        return create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except (ImportError, NoSuchModuleError) as exc:
        backend = parsed.get_backend_name()
        hint = " (pip install 'nbprov[postgres]')" if backend == "postgresql" else ""
        raise StoreError(
            f"cannot use {describe(url)}: no database driver for {parsed.drivername!r}{hint}"
        ) from exc


def make_engine(url: str, *, writer: bool) -> Engine:
    """An engine for ``url``. SQLite gets WAL, a busy timeout, and — for writers —
    ``BEGIN IMMEDIATE`` so that two kernels never deadlock upgrading a read lock."""
    from sqlalchemy import create_engine, event

    path = sqlite_path(url)
    if path is None:
        return _server_engine(url)
    if writer:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the folder of the store {path}: {exc}") from exc
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
    begin = "BEGIN IMMEDIATE" if writer else "BEGIN"

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event choose the transaction kind, not the driver.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if writer:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine
