"""The trials listing read straight from a SQLite file, without SQLAlchemy.

``nbprov trials`` is the command people run most, and importing SQLAlchemy and declaring
the models takes longer than the whole listing. For the common case, a SQLite file whose
schema is this version's, this module reads the few columns the listing shows with the
standard ``sqlite3`` module. Anything else, or anything unexpected in the rows (a type
or a text the canonical formats do not cover), returns None, and the caller takes the
full path through SQLAlchemy, which alone says what is wrong with a store. Both paths build
records with the same functions (``store/records.py``), and a test holds them equal.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast
from urllib.parse import quote

from nbprov.store.engine import DEFAULT_RELATIVE_PATH, SQLITE_BUSY_TIMEOUT_MS
from nbprov.store.records import TrialRow, trial_record
from nbprov.store.schema_version import SCHEMA_VERSION

# How SQLAlchemy writes a DateTime into SQLite; any other text takes the full path.
_STORED_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{6})?")
_SQLITE_URL = "sqlite:///"
_IN_CHUNK = 500  # trial ids per IN (...) list, well under SQLite's variable limit


class _Unusual(Exception):
    """A row this reader does not vouch for: the full path decides."""


def sqlite_file(db: str | os.PathLike[str] | None, cwd: str | Path | None = None) -> Path | None:
    """The SQLite file ``db`` (or ``$NBPROV_DB``, or the default path) names, when it is
    a plain path to an existing file; None for URLs and anything else."""
    target = os.fspath(db) if db is not None else os.environ.get("NBPROV_DB") or None
    if target and "://" in target:
        # A plain SQLite URL names a file (sqlite:///relative, sqlite:////absolute);
        # one with options, escapes or another driver is the full path's to read.
        if not target.startswith(_SQLITE_URL) or any(c in target for c in "?%#"):
            return None
        target = target[len(_SQLITE_URL) :]
        if not target or target == ":memory:":
            return None
    base = Path(cwd or os.getcwd())
    path = Path(target).expanduser() if target else base / DEFAULT_RELATIVE_PATH
    path = path if path.is_absolute() else base / path
    return path if path.is_file() else None


def list_trials(
    db: str | os.PathLike[str] | None, *, notebook: str | None = None, limit: int | None = None
) -> list[dict[str, Any]] | None:
    """What ``store.queries.list_trials`` returns, or None when this reader stands aside."""
    path = sqlite_file(db)
    if path is None:
        return None
    try:
        conn = sqlite3.connect(
            f"file:{quote(str(path))}?mode=ro",
            uri=True,
            timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        )
    except sqlite3.Error:
        return None
    try:
        if _schema_version(conn) != SCHEMA_VERSION:
            return None
        trials = _trials(conn, notebook, limit)
        tags = _final_tagged_values(conn, [t.id for t in trials])
        return [trial_record(t, tags.get(t.id, [])) for t in trials]
    except (sqlite3.Error, _Unusual, ValueError, TypeError):
        return None
    finally:
        conn.close()


def _schema_version(conn: sqlite3.Connection) -> int | None:
    row = conn.execute("SELECT value FROM nbprov_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row and isinstance(row[0], str) and row[0].isdigit() else None


def _trials(conn: sqlite3.Connection, notebook: str | None, limit: int | None) -> list[TrialRow]:
    # Every column the full path loads is read (the uuid too, unshown): a value the
    # sqlite3 module cannot decode then fails here as it fails there.
    sql = "SELECT id, uuid, name, notebook, started_at, ended_at, status, host, pid FROM trial"
    params: list[Any] = []
    if notebook is not None:
        sql += " WHERE notebook = ?"
        params.append(notebook)
    sql += " ORDER BY id DESC"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    rows = conn.execute(sql, params).fetchall()
    return [
        cast(
            TrialRow,
            SimpleNamespace(
                id=_int(id_),
                name=_text_or_none(name),
                notebook=_text_or_none(nb),
                started_at=_time(started),
                ended_at=None if ended is None else _time(ended),
                status=_text(status),
                host=_text_or_none(host),
                pid=None if pid is None else _int(pid),
            ),
        )
        for id_, _uuid, name, nb, started, ended, status, host, pid in reversed(rows)
    ]


def _final_tagged_values(
    conn: sqlite3.Connection, ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    """Per trial, its tagged variables (by name) with their role and last value: the part
    of ``queries.tagged_values`` the listing shows."""
    out: dict[int, list[dict[str, Any]]] = {}
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        tags = conn.execute(
            f"SELECT trial_id, name, role FROM variable_tag WHERE trial_id IN ({marks})"
            " ORDER BY trial_id, name",
            chunk,
        ).fetchall()
        finals: dict[tuple[int, str], Any] = {}
        for trial_id, name, value, exact, count in conn.execute(
            "SELECT v.trial_id, v.name, v.value, v.exact, v.execution_count"
            " FROM value v JOIN variable_tag t"
            " ON t.trial_id = v.trial_id AND t.name = v.name"
            f" WHERE v.trial_id IN ({marks}) ORDER BY v.trial_id, v.seq, v.id",
            chunk,
        ):
            # Unshown, but the full path reads them: one it would refuse, this one refuses.
            if exact not in (0, 1, None) or not (count is None or type(count) is int):
                raise _Unusual((exact, count))
            finals[(trial_id, name)] = value  # the last one, in stored order, stays
        for trial_id, name, role in tags:
            key = (_int(trial_id), _text(name))
            raw = finals.get(key)
            out.setdefault(key[0], []).append(
                {"name": key[1], "role": _text(role), "value": _json(raw)}
            )
    return out


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield ids[start : start + _IN_CHUNK]


def _int(raw: Any) -> int:
    if type(raw) is not int:
        raise _Unusual(raw)
    return raw


def _text(raw: Any) -> str:
    if type(raw) is not str:
        raise _Unusual(raw)
    return raw


def _text_or_none(raw: Any) -> str | None:
    return None if raw is None else _text(raw)


def _time(raw: Any) -> datetime:
    if type(raw) is not str or not _STORED_TIME.fullmatch(raw):
        raise _Unusual(raw)
    return datetime.fromisoformat(raw)


def _json(raw: Any) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(_text(raw))
    except json.JSONDecodeError as exc:
        raise _Unusual(raw) from exc
