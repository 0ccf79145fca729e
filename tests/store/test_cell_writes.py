"""The SQLite driver's writes of ended cells store exactly what SQLAlchemy Core stores.

The driver path (``driver_writes``) passes each cell's records positionally; Core binds
them by column name, the reference. The same cells, written both ways into two fresh
stores, must leave identical tables: any column given in the wrong place, or converted
differently (times, JSON, booleans, floats), shows up as a difference.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select

from nbprov.capture.source import cell_hash, storable
from nbprov.capture.values import exact_fingerprint
from nbprov.store import Store
from nbprov.store import activations as cell_rows
from nbprov.store.activations import (
    CoreCellWrites,
    FinishedCells,
    PendingCell,
    RunningRow,
    TrialRef,
)
from nbprov.store.cell_records import Ending
from nbprov.store.driver_writes import DriverStatement, SqliteCellWrites
from nbprov.store.models import Access, Activation, Code, Trial, Value
from nbprov.store.records import utcnow

text = st.text(max_size=12)  # lone surrogates included: they are stored escaped
maybe_text = st.none() | text
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
endings = st.none() | st.builds(
    Ending,
    duration=st.floats(0, 1e6),
    status=st.sampled_from(["ok", "error", "interrupted"]),
    execution_count=st.none() | st.integers(0, 10**6),
    stage=maybe_text,
    error_type=maybe_text,
    error_message=maybe_text,
)


@st.composite
def cells(draw: Any) -> list[tuple[dict[str, Any], bool]]:
    """Cells as keyword arguments of PendingCell, and whether each was written while
    running (then updated when it ended)."""
    drawn = []
    for seq in range(1, draw(st.integers(1, 6)) + 1):
        ending = draw(endings)
        names = st.frozensets(st.text(min_size=1, max_size=6), max_size=3)
        fields = {
            "seq": seq,
            "execution_count": draw(st.none() | st.integers(0, 10**6)),
            "cell_id": draw(maybe_text),
            "stage": draw(maybe_text),
            "source": draw(st.sampled_from(["x = 1", "y = x"]) | text),
            "started": draw(st.floats(0, 4e9)),
            "ending": ending,
            "accesses": draw(
                st.lists(st.tuples(st.sampled_from(["read", "bind", "mutate"]), names), max_size=3)
            ),
            "values": [
                {
                    "trial_id": None,  # the trial's reference, filled in below
                    "seq": seq,
                    "name": draw(st.text(min_size=1, max_size=6)),
                    "value": draw(json_values),
                    "exact": exact,
                    "fingerprint": draw(st.none() | st.text(max_size=6)) if not exact else None,
                }
                for exact in draw(st.lists(st.booleans(), max_size=3))
            ],
        }
        drawn.append((fields, ending is not None and draw(st.booleans())))
    return drawn


def _store(path: Path) -> tuple[Store, TrialRef]:
    store = Store.open(str(path), writer=True)
    with store.engine.begin() as conn:
        result = conn.execute(insert(Trial).values(uuid="u", started_at=utcnow(), status="running"))
        assert result.inserted_primary_key is not None
    return store, TrialRef(int(result.inserted_primary_key[0]))


def _write(store: Store, trial: TrialRef, drawn: list[tuple[dict[str, Any], bool]]) -> None:
    pending = []
    for fields, ran_long in drawn:
        ending = fields["ending"]
        values = [dict(v, trial_id=trial) for v in fields["values"]]
        cell = PendingCell(trial=trial, **dict(fields, ending=None, values=values))
        if ran_long:  # its row is written while it runs, and updated when it ends
            with store.engine.begin() as conn:
                RunningRow(cell)(conn)
        if ending is not None:  # as the recorder does: the count is final when it ends
            cell.execution_count = ending.execution_count
        cell.ending = ending
        pending.append(cell)
    finished = FinishedCells()
    for cell in pending:
        finished.add(cell)
    with store.engine.begin() as conn:
        finished(conn)
    finished.committed()


def _tables(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    with store.engine.connect() as conn:
        return {
            model.__tablename__: [
                tuple(row)
                for row in conn.execute(select(model).order_by(*model.__table__.primary_key))
            ]
            for model in (Code, Activation, Access, Value)
        }


def _same(left: Any, right: Any) -> bool:
    if isinstance(left, float) and isinstance(right, float):
        return left == right or (math.isnan(left) and math.isnan(right))
    return bool(left == right)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=cells())
def test_the_driver_writes_what_core_writes(
    drawn: list[tuple[dict[str, Any], bool]],
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    folder = tmp_path_factory.mktemp("stores")
    written = {}
    for kind in ("driver", "core"):
        store, trial = _store(folder / f"{kind}.db")
        writes = SqliteCellWrites(store.engine.dialect) if kind == "driver" else CoreCellWrites()
        monkeypatch.setattr(cell_rows, "cell_writes", lambda _dialect, w=writes: w)
        try:
            _write(store, trial, drawn)
            written[kind] = _tables(store)
        finally:
            store.close()
    assert written["driver"].keys() == written["core"].keys()
    for table, rows in written["core"].items():
        driver_rows = written["driver"][table]
        assert len(driver_rows) == len(rows), table
        for mine, theirs in zip(driver_rows, rows, strict=True):
            assert all(_same(a, b) for a, b in zip(mine, theirs, strict=True)), (
                table,
                mine,
                theirs,
            )


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(drawn=cells())
def test_each_column_holds_what_the_cell_says(
    drawn: list[tuple[dict[str, Any], bool]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The records' order is the columns' order: read back by name, every column of an
    activation, access and value row holds the cell's own field."""
    store, trial = _store(tmp_path_factory.mktemp("store") / "nbprov.db")
    try:
        _write(store, trial, drawn)
        with store.engine.connect() as conn:
            acts = {a.seq: a for a in conn.execute(select(Activation))}
            accesses = {(a.activation_id, a.name, a.kind) for a in conn.execute(select(Access))}
            values: list[tuple[Any, ...]] = [
                tuple(v) for v in conn.execute(select(Value).order_by(Value.id))
            ]
    finally:
        store.close()
    expected_values = []
    for fields, _ran_long in drawn:
        act, end = acts[fields["seq"]], fields["ending"]
        count = fields["execution_count"] if end is None else end.execution_count
        assert act.trial_id == trial.id
        assert act.execution_count == count
        assert act.cell_id == (None if fields["cell_id"] is None else storable(fields["cell_id"]))
        assert act.cell_hash == cell_hash(fields["source"])
        assert act.started_at == datetime.fromtimestamp(fields["started"], timezone.utc).replace(
            tzinfo=None
        )
        if end is None:
            assert (act.stage, act.status, act.duration) == (fields["stage"], "running", None)
        else:
            assert (act.stage, act.status, act.duration) == (end.stage, end.status, end.duration)
            assert (act.error_type, act.error_message) == (end.error_type, end.error_message)
        assert {(n, k) for i, n, k in accesses if i == act.id} == {
            (name, kind) for kind, names in fields["accesses"] for name in names
        }
        for v in fields["values"]:
            stored_print = v["fingerprint"] if not v["exact"] else exact_fingerprint(v["value"])
            columns = (trial.id, act.id, count, fields["seq"], v["name"])
            expected_values.append((*columns, v["value"], v["exact"], stored_print))
    assert [v[1:] for v in values] == expected_values


def test_a_statement_compiled_in_another_order_is_refused() -> None:
    """Records are positional: columns that would compile in another order than the
    records give them are refused rather than written into each other's place."""
    from sqlalchemy.dialects import sqlite

    with pytest.raises(ValueError, match="compiles its parameters"):
        DriverStatement(insert(Access), sqlite.dialect(), ("name", "activation_id", "kind"))
