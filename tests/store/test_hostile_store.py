"""Every command on a store with crafted rows: output, or one line naming what is wrong.

A store is a file anyone can write. Its rows may hold text that is not JSON, dates that are
not dates, integers beyond 64 bits, NULLs where the schema says never, statuses nbprov
does not know, references to rows that are gone, and terminal escapes anywhere. Reading
such a store must never end in a traceback, and nothing stored may act on the terminal.
"""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bad_input import Outcome, assert_clean_failure, raw_controls, record_two_trials, run_cli
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nbprov.store.models import Base

ESC = "\x1b[2J\x1b]0;owned\x07"


@pytest.fixture(scope="module")
def base_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two recorded trials of the same three cells, every table with rows; NOT NULL
    constraints dropped from the schema so that crafted rows can hold NULLs."""
    path = tmp_path_factory.mktemp("hostile") / "base.db"
    record_two_trials(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql = replace(sql, 'NOT NULL', '') WHERE type='table'")
    conn.commit()
    conn.close()
    # One file, no write-ahead log beside it: copies of it are whole stores.
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.close()
    yield path


@pytest.fixture
def hostile(base_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NBPROV_DB", raising=False)
    copy = tmp_path / "store.db"
    shutil.copy(base_store, copy)
    return copy


class BadText(bytes):
    """Bytes stored as TEXT: what another tool may leave, and no UTF-8 decoder accepts."""


def craft(path: Path, table: str, column: str | None, value: Any, row: str = "all") -> None:
    """Set ``column`` of ``table`` (every row, the first or the last) to ``value``;
    with no column, delete those rows."""
    where = {
        "all": "",
        "first": f" WHERE rowid = (SELECT min(rowid) FROM {table})",
        "last": f" WHERE rowid = (SELECT max(rowid) FROM {table})",
    }[row]
    with sqlite3.connect(path) as conn:
        if column is None:
            conn.execute(f"DELETE FROM {table}{where}")
        else:
            target = "CAST(? AS TEXT)" if isinstance(value, BadText) else "?"
            conn.execute(f'UPDATE {table} SET "{column}" = {target}{where}', (value,))


COMMANDS = [
    ["trials"],
    ["trials", "--format", "md"],
    ["trials", "--format", "json"],
    ["trials", "--format", "csv"],
    ["trials", "--filter", "metric.m > 1", "--sort-by", "-a"],
    ["show", "1"],
    ["show", "latest"],
    ["show", "second", "--format", "md"],
    ["show", "1", "--format", "json"],
    ["show", "1", "--format", "csv"],
    ["deps", "latest", "m"],
    ["deps", "1", "m", "--depth", "1"],
    ["deps", "1", "m", "--format", "json"],
    ["deps", "1", "m", "--format", "dot"],
    ["compare", "1", "2"],
    ["compare", "1", "2", "--all", "--code"],
    ["compare", "1", "2", "--why", "m"],
    ["compare", "1", "2", "--format", "json"],
    ["scriptify", "1", "m"],
    ["scriptify", "1", "m", "-o", "m.py"],
    ["export", "1", "--format", "prov-json", "-o", "out.json"],
    ["export", "1", "--format", "prov-n", "-o", "out.provn"],
]
MACHINE = {"json", "csv", "dot"}


def check(path: Path, argv: list[str]) -> Outcome:
    argv = [*argv, "--db", str(path)]
    outcome = run_cli(argv)
    assert_clean_failure(outcome, argv)
    if not MACHINE & set(argv) and argv[0] not in ("scriptify", "export"):
        assert not raw_controls(outcome.out), (argv, outcome.out)
    assert not raw_controls(outcome.err), (argv, outcome.err)
    return outcome


# -- the rows users met ---------------------------------------------------------------------

CASES = [
    ("trial", "environment", "{bad"),
    ("trial", "environment", '"a string"'),
    ("trial", "environment", '{"git": 5, "packages": [1], "python": 3}'),
    ("trial", "environment", '{"git": {"dirty": true}, "packages": {"1": 2}}'),
    ("trial", "started_at", "garbage"),
    ("trial", "started_at", 12),
    ("trial", "started_at", None),
    ("trial", "ended_at", "garbage"),
    ("trial", "status", "weird" + ESC),
    ("trial", "status", None),
    ("trial", "name", ESC),
    ("trial", "notebook", "/x/" + ESC + "\x9bnb.ipynb"),
    ("trial", "pid", 2**80),
    ("trial", "pid", "abc"),
    ("code", "source", None),
    ("code", "source", ESC + "red = 1"),
    ("code", None, None),
    ("activation", "execution_count", 2**80),
    ("activation", "execution_count", "abc"),
    ("activation", "seq", None),
    ("activation", "seq", 2**80),
    ("activation", "started_at", "bad"),
    ("activation", "duration", "abc"),
    ("activation", "duration", 1e308),
    ("activation", "duration", float("nan")),
    ("activation", "status", "zzz" + ESC),
    ("activation", "stage", ESC),
    ("activation", "error_type", ESC),
    ("activation", "cell_hash", "missing"),
    ("access", "kind", "zzz"),
    ("access", "name", None),
    ("access", "name", ESC),
    ("value", "value", "{bad"),
    ("value", "value", None),
    ("value", "value", "1e999"),
    ("value", "value", "1" * 40),
    ("value", "value", '{"type": 5, "repr": null, "shape": "x"}'),
    ("value", "value", json.dumps(ESC)),
    ("value", "value", json.dumps({"type": ESC, "repr": ESC, "shape": [ESC]})),
    ("value", "exact", "x"),
    ("value", "name", BadText(b"\xff\xfe")),
    ("value", "execution_count", BadText(b"\x80")),
    ("code", "source", BadText(b"x = '\xff'")),
    ("trial", "notebook", b"\x00\x1b[2J"),
    ("trial", "environment", b"{}"),
    ("value", "seq", None),
    ("value", "name", ESC),
    ("variable_tag", "role", None),
    ("variable_tag", "role", ESC),
    ("variable_tag", "name", None),
    ("variable_tag", "direction", BadText(b"\x80")),
    ("variable_tag", "direction", "sideways" + ESC),
    ("nbprov_meta", "value", "abc"),
]


def sqlite_value(value: Any) -> Any:
    # SQLite stores integers of 64 bits; a bigger one is written as its digits.
    return str(value) if isinstance(value, int) and abs(value) >= 2**63 else value


@pytest.mark.parametrize(("table", "column", "value"), CASES)
def test_every_command_on_a_crafted_row(
    hostile: Path, table: str, column: str | None, value: Any
) -> None:
    craft(hostile, table, column, sqlite_value(value))
    for argv in COMMANDS:
        check(hostile, argv)


def test_a_damaged_row_is_named_in_one_line(hostile: Path) -> None:
    craft(hostile, "trial", "environment", "{bad", row="first")
    outcome = check(hostile, ["show", "1"])
    assert outcome.code == 2
    assert "damaged rows: trial 1: environment is unreadable" in outcome.err


def test_trials_are_listed_whatever_their_environment_holds(hostile: Path) -> None:
    craft(hostile, "trial", "environment", "{bad")
    for argv in (["trials"], ["trials", "--filter", "metric.m > 1"]):
        outcome = check(hostile, argv)
        assert outcome.code == 0, outcome
        assert "second" in outcome.out


@pytest.mark.parametrize("pid", [2**31, 2**62, 0, -1])
def test_a_pid_no_process_can_have_reads_as_a_dead_kernel(hostile: Path, pid: int) -> None:
    craft(hostile, "trial", "status", "running")
    craft(hostile, "trial", "host", socket.gethostname())
    craft(hostile, "trial", "pid", pid)
    outcome = check(hostile, ["trials", "--format", "json"])
    assert outcome.code == 0, outcome
    assert [t["status"] for t in json.loads(outcome.out)] == ["interrupted", "interrupted"]


def test_cells_whose_code_row_is_missing_are_still_listed(hostile: Path) -> None:
    craft(hostile, "code", None, None)
    shown = check(hostile, ["show", "1"])
    assert shown.code == 0
    assert shown.out.count("(source missing)") == 4  # %load_ext, %tag_var and two cells
    script = check(hostile, ["scriptify", "1", "m"])
    assert script.code == 2
    assert "lacks the source" in script.err


def test_escapes_show_as_visible_characters_and_json_stays_exact(hostile: Path) -> None:
    craft(hostile, "trial", "name", "run" + ESC, row="first")
    shown = check(hostile, ["show", "1"])
    assert shown.code == 0
    assert "run␛[2J␛]0;owned␇" in shown.out
    listed = check(hostile, ["trials", "--format", "json"])
    assert json.loads(listed.out)[0]["name"] == "run" + ESC
    # CSV is data too: exact when it goes to a file or a pipe.
    assert "run" + ESC in check(hostile, ["trials", "--format", "csv"]).out


def test_unknown_statuses_are_shown_as_stored(hostile: Path) -> None:
    craft(hostile, "trial", "status", "paused")
    craft(hostile, "activation", "status", "skipped")
    outcome = check(hostile, ["show", "1"])
    assert outcome.code == 0
    assert "paused" in outcome.out and "skipped" in outcome.out


# -- any rows -----------------------------------------------------------------------------

COLUMNS = [(t.name, c.name) for t in Base.metadata.sorted_tables for c in t.columns]
TEXT = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(["\x1b", "\x9b", "\x07", "\u202e"])),
    max_size=20,
)
VALUES = st.one_of(
    st.none(),
    TEXT,
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "{bad",
            "[]",
            '"s"',
            "null",
            '{"type": 1, "repr": 2}',
            '{"git": []}',
            "2026-13-45 99:99:99",
            "0001-01-01 00:00:00",
            "9999-12-31 23:59:59.999999",
            ESC,
        ]
    ),
    TEXT.map(json.dumps),
    st.binary(max_size=8),
    st.binary(min_size=1, max_size=8).map(BadText),
)
MUTATION = st.tuples(
    st.sampled_from(COLUMNS + [(t, None) for t in ("code", "access", "value", "variable_tag")]),
    VALUES,
    st.sampled_from(["all", "first", "last"]),
)


Mutation = tuple[tuple[str, str | None], Any, str]


def mutate(path: Path, base: Path, mutations: list[Mutation]) -> None:
    """``path`` made a fresh copy of ``base``, then crafted as ``mutations`` say."""
    shutil.copy(base, path)
    for (table, column), value, row in mutations:
        try:
            craft(path, table, column, sqlite_value(value), row)
        except (sqlite3.Error, UnicodeEncodeError):
            continue  # SQLite refuses it (a text rowid, a duplicate key, a lone surrogate)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3), argv=st.sampled_from(COMMANDS))
def test_any_crafted_rows_end_in_output_or_one_line(
    hostile: Path,
    base_store: Path,
    mutations: list[Mutation],
    argv: list[str],
) -> None:
    mutate(hostile, base_store, mutations)
    event(f"exit {check(hostile, argv).code}")


# -- the quick listing stands aside or agrees ----------------------------------------------


def full_listing(path: Path) -> list[dict[str, Any]] | None:
    """The listing through SQLAlchemy, or None when that path refuses the store."""
    from nbprov.store import open_store
    from nbprov.store.queries import list_trials

    try:
        with open_store(path) as store, store.session() as session:
            return list_trials(session)
    except Exception:
        return None


def assert_quick_agrees(path: Path) -> bool:
    """The quick listing equals the full one, or gives way; True when it answered."""
    from nbprov.store import quick_listing

    quick = quick_listing.list_trials(path)
    if quick is not None:
        assert quick == full_listing(path)
    return quick is not None


@pytest.mark.parametrize(("table", "column", "value"), CASES)
def test_the_quick_listing_agrees_or_stands_aside(
    hostile: Path, table: str, column: str | None, value: Any
) -> None:
    craft(hostile, table, column, sqlite_value(value))
    assert_quick_agrees(hostile)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(MUTATION, min_size=1, max_size=3))
def test_on_any_crafted_rows_the_quick_listing_agrees_or_stands_aside(
    hostile: Path, base_store: Path, mutations: list[Mutation]
) -> None:
    mutate(hostile, base_store, mutations)
    event("quick listing answered" if assert_quick_agrees(hostile) else "it stood aside")


@pytest.mark.parametrize("fmt", ["prov-n", "prov-json"])
def test_a_uuid_no_iri_may_hold_is_exported(hostile: Path, fmt: str) -> None:
    """The trial's namespace IRI is built from its stored uuid, which may hold anything."""
    craft(hostile, "trial", "uuid", 'a"b <c>', row="last")
    outcome = check(hostile, ["export", "latest", "--format", fmt])
    assert outcome.code == 0, outcome.err
    assert "a%22b%20%3Cc%3E" in outcome.out
