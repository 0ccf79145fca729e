"""Which way a metric improves: the name rule, the stored direction, and what the
comparison rows and the trials' sort make of them."""

from __future__ import annotations

from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

from nbprov.core.compare.direction import guessed_direction, resolve_direction, verdict
from nbprov.core.compare.rows import compare
from nbprov.core.compare.selection import select_trials
from nbprov.store import store_session


def test_the_name_rule() -> None:
    for name in ("loss", "val_loss", "rmse", "MAE", "error", "errors", "train_err", "runtime"):
        assert guessed_direction(name) == "min", name
    for name in ("r2", "accuracy", "f1", "auc", "steps"):
        assert guessed_direction(name) == "max", name


def test_the_latest_stored_direction_wins_over_the_name() -> None:
    assert resolve_direction("loss", []) == ("min", "name")
    assert resolve_direction("loss", [None, "max", "min"]) == ("max", "stored")
    assert resolve_direction("r2", [None, None]) == ("max", "name")
    # A value that is neither (a store edited by hand) says nothing.
    assert resolve_direction("r2", ["up", "min"]) == ("min", "stored")


def test_verdicts() -> None:
    row = {"group": "metric", "name": "r2", "deltas": [0, 0.25, -0.5, 0, None]}
    assert [verdict(row, k) for k in range(5)] == [None, "better", "worse", None, None]
    assert verdict({**row, "direction": "min"}, 1) == "worse"
    assert verdict({**row, "group": "hyperparam"}, 1) is None


def record(shell: InteractiveShell, values: list[dict[str, float]]) -> None:
    """One trial per entry, its metrics tagged by the first cell (carried into the rest)."""
    run(shell, "%tag_var acc metric --min\n%tag_var rmse metric\n%tag_var r2 metric")
    run(shell, "%tag_var alpha hyperparam")
    for n, entry in enumerate(values):
        if n:
            run(shell, "%trial new")
        run(shell, "\n".join(f"{k} = {v!r}" for k, v in entry.items()))
    flush(shell)


def test_rows_carry_each_metrics_direction(shell: InteractiveShell, store_path: Path) -> None:
    record(
        shell,
        [
            {"alpha": 0.1, "acc": 0.5, "rmse": 2.0, "r2": 0.5},
            {"alpha": 0.2, "acc": 0.75, "rmse": 1.0, "r2": 0.25},
        ],
    )
    rows = compare([1, 2], db=str(store_path), show_all=True)["rows"]
    metrics = {
        r["name"]: (r["direction"], r["direction_source"]) for r in rows if r["group"] == "metric"
    }
    assert metrics == {"acc": ("min", "stored"), "rmse": ("min", "name"), "r2": ("max", "name")}
    # Only metrics have a better and a worse.
    assert not any("direction" in r for r in rows if r["group"] != "metric")


def test_sorting_by_a_metric_puts_the_best_first(shell: InteractiveShell, store_path: Path) -> None:
    record(
        shell,
        [
            {"alpha": 0.3, "acc": 0.5, "rmse": 2.0, "r2": 0.5},
            {"alpha": 0.1, "acc": 0.25, "rmse": 3.0, "r2": 0.75},
            {"alpha": 0.2, "acc": 0.75, "rmse": 1.0, "r2": 0.25},
        ],
    )
    with store_session(str(store_path)) as session:

        def order(key: str) -> list[int]:
            return [t["id"] for t in select_trials(session, sort_by=key)]

        assert order("metric.acc") == [2, 1, 3]  # tagged --min: lowest first
        assert order("acc") == [2, 1, 3]  # a bare name finds its metric tag
        assert order("metric.rmse") == [3, 1, 2]  # "rmse": lower is better by its name
        assert order("r2") == [2, 1, 3]  # higher is better by its name
        assert order("alpha") == [2, 3, 1]  # not a metric: ascending
        # Saying the order overrides the direction.
        assert order("+r2") == order("r2:asc") == [3, 1, 2]
        assert order("-acc") == order("acc:desc") == [3, 1, 2]
