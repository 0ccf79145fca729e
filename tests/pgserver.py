"""A throwaway PostgreSQL server on loopback, for the store tests and the benchmarks."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def _bindir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    return versions[-1] if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def throwaway_postgres() -> Iterator[str | None]:
    """Start a server; yield its base URL (``postgresql+psycopg://postgres@127.0.0.1:PORT``),
    or None when the server binaries are not installed. Stopped and removed at exit."""
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        yield None
        return
    # Not under a private temp root: the server's own user must reach it.
    data = Path(tempfile.mkdtemp(prefix="nbprov-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # the server refuses to run as root
        shutil.chown(data, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    quiet = {
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.DEVNULL,
        "stderr": subprocess.DEVNULL,
    }
    try:
        subprocess.run(
            [*prefix, str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"],
            check=True,
            timeout=120,
            **quiet,
        )
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off"
        # The server gets a log file, not our pipes: it outlives pg_ctl and would hold
        # them open, and waiting on pg_ctl would never end.
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
            timeout=120,
            **quiet,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            timeout=120,
            **quiet,
        )
        shutil.rmtree(data, ignore_errors=True)
