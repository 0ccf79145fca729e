"""Shared fixtures: an in-process IPython shell with nbprov loaded, stores, PostgreSQL."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
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


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A throwaway PostgreSQL server on loopback; yields its base URL."""
    bindir = _pg_bin()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.skip("PostgreSQL server binaries are not installed")
    pytest.importorskip("psycopg")
    # Not under pytest's private temp root: the server's own user must reach it.
    data = Path(tempfile.mkdtemp(prefix="nbprov-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(data, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
    # The server must not inherit our pipes, or waiting on pg_ctl would never end.
    subprocess.run(
        [
            *prefix,
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(data / "server.log"),
            "-o",
            options,
            "-w",
            "start",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=60,
        )
        shutil.rmtree(data, ignore_errors=True)


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
