"""The store on SQLite and on a real PostgreSQL server: schema, migration, queries."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from sqlalchemy import create_engine, inspect, text
from support import close_shell, flush, new_shell, run

from nbprov.core.compare import compare
from nbprov.core.trials import list_trials, show_trial
from nbprov.store import Store, StoreError
from nbprov.store.engine import resolve_url
from nbprov.store.schema_version import SCHEMA_VERSION

# The schema as nbprov wrote it before version 2 (no meta table, no access table,
# no host/pid on trials).
V1_SCHEMA = """
CREATE TABLE trial (id INTEGER PRIMARY KEY AUTOINCREMENT, uuid VARCHAR(36) UNIQUE,
  name VARCHAR(200), notebook TEXT, started_at DATETIME, ended_at DATETIME,
  status VARCHAR(16), environment TEXT);
CREATE TABLE code (hash VARCHAR(64) PRIMARY KEY, source TEXT);
CREATE TABLE activation (id INTEGER PRIMARY KEY AUTOINCREMENT, trial_id INTEGER
  REFERENCES trial(id), execution_count INTEGER, seq INTEGER, cell_id VARCHAR(128),
  cell_hash VARCHAR(64) REFERENCES code(hash), stage VARCHAR(64), started_at DATETIME,
  duration FLOAT, status VARCHAR(16), error_type VARCHAR(200), error_message TEXT);
CREATE TABLE value (id INTEGER PRIMARY KEY AUTOINCREMENT, trial_id INTEGER, activation_id
  INTEGER, execution_count INTEGER, seq INTEGER, name VARCHAR(512), value TEXT,
  exact BOOLEAN, fingerprint VARCHAR(64));
CREATE TABLE variable_tag (trial_id INTEGER, name VARCHAR(512), role VARCHAR(64),
  PRIMARY KEY (trial_id, name));
INSERT INTO trial VALUES (1, 'u-1', 'old run', 'nb.ipynb', '2026-01-02 03:04:05', NULL,
  'ok', '{}');
INSERT INTO code VALUES ('h1', 'alpha = 0.3');
INSERT INTO activation VALUES (1, 1, 1, 1, NULL, 'h1', 'read', '2026-01-02 03:04:06', 0.01,
  'ok', NULL, NULL);
INSERT INTO variable_tag VALUES (1, 'alpha', 'hyperparam');
INSERT INTO value VALUES (1, 1, 1, 1, 1, 'alpha', '0.3', 1, NULL);
"""


def record_a_trial(db: str) -> None:
    """Drive a real shell against ``db`` through NBPROV_DB."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NBPROV_DB", db)
        shell = new_shell()
        try:
            run(shell, "%load_ext nbprov")
            run(shell, "%tag_var alpha hyperparam\n%tag_var score metric")
            run(shell, "%tag read\nalpha = 0.25")
            run(shell, "%tag evaluate\nscore = 1 - alpha")
            run(shell, "%trial name stored")
            flush(shell)
        finally:
            close_shell(shell)


def test_the_recorder_writes_and_the_api_reads_on_each_database(db_url: str) -> None:
    record_a_trial(db_url)
    record_a_trial(db_url)
    records = list_trials(db=db_url)
    assert [r["id"] for r in records] == [1, 2]
    assert records[1]["hyperparams"] == {"alpha": 0.25}
    assert records[1]["metrics"] == {"score": 0.75}
    assert records[1]["status"] == "ok"
    shown = show_trial("stored", db=db_url)
    assert shown["id"] == 2
    assert [a["stage"] for a in shown["activations"]] == [None, "read", "evaluate", None]
    assert shown["variables"][0]["name"] == "alpha"


LONG_CELL = """
import time
from sqlalchemy import create_engine, text
_engine = create_engine({url!r})
for _ in range(500):
    with _engine.connect() as _conn:
        _rows = _conn.execute(text("SELECT status FROM activation ORDER BY id")).all()
    if ("running",) in _rows:
        break
    time.sleep(0.01)
_engine.dispose()
seen_running = ("running",) in _rows
answer = 42
"""


def test_a_long_cell_is_written_while_it_runs_then_completed(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbprov.kernel.recorder.RUNNING_ROW_DELAY", 0.05)
    monkeypatch.setenv("NBPROV_DB", db_url)
    shell = new_shell()
    try:
        run(shell, "%load_ext nbprov")
        flush(shell)  # the store is created by the writer: the cell below reads it
        run(shell, LONG_CELL.format(url=db_url))
        assert shell.user_ns["seen_running"] is True
        run(shell, "doubled = answer * 2")
        flush(shell)
    finally:
        close_shell(shell)
    shown = show_trial("latest", db=db_url)
    acts = shown["activations"]
    # One row per cell: the long cell's running row was completed, not duplicated.
    assert [(a["execution_count"], a["status"]) for a in acts] == [(2, "ok"), (3, "ok")]
    assert acts[0]["duration_s"] > 0.05
    with Store.open(db_url).engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.execution_count, v.name FROM value v "
                "JOIN activation a ON a.id = v.activation_id ORDER BY v.id"
            )
        ).all()
        reads = conn.execute(
            text(
                "SELECT a.execution_count FROM access x JOIN activation a "
                "ON a.id = x.activation_id WHERE x.name = 'answer' AND x.kind = 'read'"
            )
        ).all()
    assert (2, "answer") in rows and (3, "doubled") in rows
    assert reads == [(3,)]


def test_trial_references(db_url: str) -> None:
    for _ in range(3):
        record_a_trial(db_url)
    assert show_trial(1, db=db_url)["id"] == 1
    assert show_trial("latest", db=db_url)["id"] == 3
    assert show_trial("-1", db=db_url)["id"] == 3
    assert show_trial("-3", db=db_url)["id"] == 1
    assert show_trial("stored", db=db_url)["id"] == 3  # a shared name means the latest
    with pytest.raises(StoreError, match="no trial '7'"):
        show_trial(7, db=db_url)
    with pytest.raises(StoreError, match="no trial '-4'"):
        show_trial("-4", db=db_url)


def test_an_empty_store_says_so(db_url: str) -> None:
    Store.open(db_url, writer=True).close()
    assert list_trials(db=db_url) == []
    with pytest.raises(StoreError, match="no trials yet"):
        show_trial("latest", db=db_url)


def test_a_reader_never_creates_a_sqlite_store(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "nbprov.db"
    with pytest.raises(StoreError, match="no nbprov store"):
        list_trials(db=str(missing))
    assert not missing.parent.exists()


def test_sqlite_store_uses_wal(store_path: Path, shell: InteractiveShell) -> None:
    flush(shell)
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_store_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBPROV_DB", raising=False)
    assert resolve_url(cwd=tmp_path) == f"sqlite:///{tmp_path / '.nbprov' / 'nbprov.db'}"
    monkeypatch.setenv("NBPROV_DB", "rel/store.db")
    assert resolve_url(cwd=tmp_path) == f"sqlite:///{tmp_path / 'rel' / 'store.db'}"
    monkeypatch.setenv("NBPROV_DB", "postgresql+psycopg://u@h/db")
    assert resolve_url() == "postgresql+psycopg://u@h/db"
    assert resolve_url("other.db", cwd=tmp_path) == f"sqlite:///{tmp_path / 'other.db'}"


def test_default_store_is_under_the_kernels_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NBPROV_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    shell = new_shell()
    try:
        run(shell, "%load_ext nbprov")
        run(shell, "x = 1")
        flush(shell)
    finally:
        close_shell(shell)
    assert (tmp_path / ".nbprov" / "nbprov.db").exists()
    assert list_trials()[0]["id"] == 1


def test_a_version_1_store_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_SCHEMA)
    record_a_trial(str(path))  # a newer nbprov writes into the old store
    store = Store.open(str(path))
    try:
        inspector = inspect(store.engine)
        assert inspector.has_table("access")
        assert {"host", "pid"} <= {c["name"] for c in inspector.get_columns("trial")}
        with store.engine.connect() as conn:
            version = conn.execute(
                text("select value from nbprov_meta where key = 'schema_version'")
            ).scalar()
        assert version == str(SCHEMA_VERSION)
    finally:
        store.close()
    records = list_trials(db=str(path))
    assert [(r["id"], r["name"]) for r in records] == [(1, "old run"), (2, "stored")]
    assert records[0]["hyperparams"] == {"alpha": 0.3}
    old = show_trial(1, db=str(path))
    assert old["activations"][0]["source"] == "alpha = 0.3"


def test_a_version_3_store_gains_metric_directions(db_url: str) -> None:
    record_a_trial(db_url)
    # Back to version 3, whose tags had no direction.
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("alter table variable_tag drop column direction"))
            conn.execute(text("update nbprov_meta set value = '3' where key = 'schema_version'"))
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("NBPROV_DB", db_url)
            shell = new_shell()
            try:
                run(shell, "%load_ext nbprov")
                run(shell, "%tag_var score metric --min\nscore = 0.5")
                flush(shell)
            finally:
                close_shell(shell)
        with engine.connect() as conn:
            version = conn.execute(
                text("select value from nbprov_meta where key = 'schema_version'")
            ).scalar()
            tags = conn.execute(
                text("select trial_id, name, direction from variable_tag order by trial_id, name")
            ).all()
    finally:
        engine.dispose()
    assert version == str(SCHEMA_VERSION) and SCHEMA_VERSION >= 4
    # The old trial's tags read as saying nothing; the new trial's direction is stored.
    assert [tuple(t) for t in tags] == [(1, "alpha", None), (1, "score", None), (2, "score", "min")]
    [row] = compare([1, 2], db=db_url, keep="^metric\\.")["rows"]
    assert (row["direction"], row["direction_source"]) == ("min", "stored")


def test_a_store_from_a_newer_nbprov_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    Store.open(str(path), writer=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute("update nbprov_meta set value = '999' where key = 'schema_version'")
    with pytest.raises(StoreError, match="newer than this nbprov"):
        Store.open(str(path))


def test_none_and_other_special_values_are_stored_on_each_database(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBPROV_DB", db_url)
    shell = new_shell()
    try:
        run(shell, "%load_ext nbprov")
        run(shell, "%tag_var best hyperparam\n%tag_var big metric\nbest = None\nbig = 10 ** 30")
        run(shell, "nothing = None\nbad = b'\\xff'.decode('utf-8', 'surrogateescape')")
        run(shell, "after = 1")
        flush(shell)
    finally:
        close_shell(shell)
    shown = show_trial("latest", db=db_url)
    assert len(shown["activations"]) == 3
    assert shown["hyperparams"] == {"best": None}
    assert shown["metrics"] == {"big": 10**30}
