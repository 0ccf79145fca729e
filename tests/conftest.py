"""Shared fixtures: an in-process IPython shell with nbprov loaded, stores, PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from pgserver import throwaway_postgres
from support import close_shell, new_shell, run


@pytest.fixture
def store_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SQLite store, made the default through NBPROV_DB."""
    path = tmp_path / "store" / "nbprov.db"
    monkeypatch.setenv("NBPROV_DB", str(path))
    monkeypatch.delenv("NBPROV_NOTEBOOK", raising=False)
    monkeypatch.delenv("NBPROV_TRIAL_NAME", raising=False)
    return path


@pytest.fixture
def bare_shell(store_path: Path) -> Iterator[InteractiveShell]:
    """A shell without nbprov loaded (the store is set up for when it is)."""
    shell = new_shell()
    yield shell
    close_shell(shell)


@pytest.fixture
def shell(bare_shell: InteractiveShell) -> InteractiveShell:
    """A shell with ``%load_ext nbprov`` run as its first cell."""
    run(bare_shell, "%load_ext nbprov")
    return bare_shell


# -- PostgreSQL ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server on loopback; yields its base URL."""
    pytest.importorskip("psycopg")
    with throwaway_postgres() as url:
        if url is None:
            pytest.skip("PostgreSQL server binaries are not installed")
        yield url


def new_postgres_database(server_url: str) -> str:
    """A new empty database on the test server; returns its URL."""
    import psycopg

    name = f"nbprov_{uuid.uuid4().hex[:12]}"
    dsn = server_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    for _ in range(50):
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            break
        except psycopg.OperationalError:
            time.sleep(0.1)
    return f"{server_url}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store URL on each supported database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nbprov.db'}"
    server: str = request.getfixturevalue("postgres_server")
    return new_postgres_database(server)
