"""Comparing trials recorded by a real in-process shell: rows, groups, deltas, code, why."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from compare_experiment import run_trial
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

from nbprov.core.compare.facts import CompareError, match_cells
from nbprov.core.compare.rows import compare
from nbprov.core.compare.why import why
from nbprov.store import Store, StoreError


@pytest.fixture
def two(shell: InteractiveShell) -> tuple[int, int]:
    a = run_trial(shell, first=True, name=None)
    b = run_trial(shell, alpha=0.5, n_iter=5, solver="saga", name="bigger")
    return a, b


def rows_by(result: dict[str, Any], group: str) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in result["rows"] if r["group"] == group}


def test_only_the_changed_rows_grouped_in_order(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    result = compare([a, b], db=str(store_path))
    assert result["trials"] == [a, b]
    assert [t["id"] for t in result["trial_info"]] == [a, b]
    assert result["trial_info"][1]["name"] == "bigger"
    groups = [r["group"] for r in result["rows"]]
    order = ["hyperparam", "metric", "code", "environment"]
    assert groups == sorted(groups, key=order.index)
    assert set(rows_by(result, "hyperparam")) == {"alpha", "n_iter", "solver"}
    assert set(rows_by(result, "metric")) == {"r2", "steps", "label"}
    assert all(r["changed"] for r in result["rows"])


def test_all_rows_include_the_unchanged(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    result = compare([a, b], db=str(store_path), show_all=True)
    seed = rows_by(result, "hyperparam")["seed"]
    assert seed["values"] == [7, 7]
    assert seed["changed"] is False
    assert seed["delta"] == 0
    names = {r["name"] for r in result["rows"] if r["group"] == "environment"}
    assert {"python", "host"} <= names


def test_deltas_for_floats_ints_and_text(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    result = compare([a, b], db=str(store_path))
    hyper = rows_by(result, "hyperparam")
    assert hyper["alpha"]["values"] == [0.1, 0.5]
    assert hyper["alpha"]["delta"] == pytest.approx(0.4)
    assert hyper["alpha"]["relative_delta"] == pytest.approx(4.0)
    assert hyper["n_iter"]["delta"] == 2
    assert isinstance(hyper["n_iter"]["delta"], int)
    assert hyper["n_iter"]["relative_delta"] == pytest.approx(2 / 3)
    assert hyper["solver"]["values"] == ["lbfgs", "saga"]
    assert hyper["solver"]["delta"] is None
    assert hyper["solver"]["relative_delta"] is None
    metrics = rows_by(result, "metric")
    assert metrics["r2"]["values"] == [0.51, 0.55]
    assert metrics["r2"]["delta"] == pytest.approx(0.04)
    assert metrics["steps"]["values"] == [6, 10]
    assert metrics["label"]["values"] == ["lbfgs-run", "saga-run"]
    assert metrics["label"]["delta"] is None


def test_three_way_deltas_against_the_first(shell: InteractiveShell, store_path: Path) -> None:
    a = run_trial(shell, first=True)
    b = run_trial(shell, alpha=0.2)
    c = run_trial(shell, alpha=1.0)
    result = compare([a, b, c], db=str(store_path), keep="^alpha$")
    (row,) = result["rows"]
    assert row["values"] == [0.1, 0.2, 1.0]
    assert row["deltas"] == [0.0, pytest.approx(0.1), pytest.approx(0.9)]
    assert row["relative_deltas"][2] == pytest.approx(9.0)
    assert row["delta"] == pytest.approx(0.9)
    # Rows equal in two trials but not the third still count as changed.
    result = compare([a, a, c], db=str(store_path), keep="^alpha$")
    assert result["rows"][0]["changed"] is True


def test_zero_baseline_has_no_relative_delta(shell: InteractiveShell, store_path: Path) -> None:
    a = run_trial(shell, first=True, alpha=0.0)
    b = run_trial(shell, alpha=0.5)
    row = rows_by(compare([a, b], db=str(store_path)), "hyperparam")["alpha"]
    assert row["delta"] == pytest.approx(0.5)
    assert row["relative_delta"] is None


def test_missing_values(shell: InteractiveShell, store_path: Path) -> None:
    a = run_trial(shell, first=True)
    b = run_trial(
        shell,
        extra=["%tag_var f1 metric\nf1 = 0.9", "%tag_var never_bound metric"],
    )
    result = compare([a, b], db=str(store_path))
    metrics = rows_by(result, "metric")
    assert metrics["f1"]["present"] == [False, True]
    assert metrics["f1"]["values"] == [None, 0.9]
    assert metrics["f1"]["changed"] is True
    assert metrics["f1"]["delta"] is None
    # Tagged but never bound: present, with no value.
    assert metrics["never_bound"]["present"] == [False, True]
    assert metrics["never_bound"]["values"] == [None, None]
    # And the other way round: the baseline has what the second lacks.
    back = rows_by(compare([b, a], db=str(store_path)), "metric")
    assert back["f1"]["present"] == [True, False]
    assert back["f1"]["deltas"] == [0.0, None]


def test_code_rows_match_cells_by_id_and_hash(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    result = compare([a, b], db=str(store_path), show_all=True)
    code = rows_by(result, "code")
    changed = {name for name, r in code.items() if r["changed"]}
    # The parameters cell changed; the tags cell only ran in the first trial.
    params = next(r for r in code.values() if r.get("source_line", "").startswith("alpha ="))
    tags = next(r for r in code.values() if r.get("source_line", "").startswith("%tag_var"))
    assert params["changed"] and params["values"][0] != params["values"][1]
    assert tags["present"] == [True, False]
    assert changed == {params["name"], tags["name"]}
    score = next(r for r in code.values() if r.get("stage") == "score")
    assert score["changed"] is False
    assert score["values"][0] == score["values"][1]
    assert code["stage score"]["changed"] is False
    assert code["notebook"]["changed"] is False
    # The bookkeeping cell (%trial new) is not an experiment cell.
    assert not any("%trial" in r.get("source_line", "") for r in code.values())


def test_code_diffs(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    result = compare([a, b], db=str(store_path), diff=True)
    diffs = {d["name"]: d for d in result["diffs"]}
    texts = "\n".join(d["diff"] for d in diffs.values())
    assert "-alpha = 0.1\n" in texts
    assert "+alpha = 0.5\n" in texts
    assert '+solver = "saga"' in texts
    assert all(d["trials"] == [a, b] for d in diffs.values())
    assert "diffs" not in compare([a, b], db=str(store_path))


def test_changed_stage_rows(shell: InteractiveShell, store_path: Path) -> None:
    a = run_trial(shell, first=True)
    b = run_trial(shell, report='print("finished")')
    run(shell, "%trial new")
    run(shell, "%tag score\nsteps = 1")
    flush(shell)
    c = b + 1
    code = rows_by(compare([a, b], db=str(store_path)), "code")
    assert not any(name.startswith("stage ") for name in code)  # report cell has no stage
    code = rows_by(compare([a, c], db=str(store_path)), "code")
    assert code["stage score"]["changed"] is True
    assert code["stage features"]["present"] == [True, False]


def test_keep_drop_and_errors(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    db = str(store_path)
    kept = compare([a, b], db=db, keep=r"^metric\.")
    assert {r["group"] for r in kept["rows"]} == {"metric"}
    dropped = compare([a, b], db=db, drop=r"^(code|environment)\.|solver")
    assert {r["name"] for r in dropped["rows"]} == {"alpha", "n_iter", "r2", "steps", "label"}
    with pytest.raises(CompareError, match="--keep"):
        compare([a, b], db=db, keep="(")
    with pytest.raises(CompareError, match="at least two"):
        compare([a], db=db)
    with pytest.raises(StoreError, match="no trial"):
        compare([a, "nope"], db=db)


def test_sort_rows_within_groups(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    db = str(store_path)
    by_name = compare([a, b], db=db, sort_by="name", keep="hyperparam")
    assert [r["name"] for r in by_name["rows"]] == ["alpha", "n_iter", "solver"]
    by_delta = compare([a, b], db=db, sort_by="delta", keep="hyperparam")
    assert [r["name"] for r in by_delta["rows"]] == ["n_iter", "alpha", "solver"]
    reverse = compare([a, b], db=db, sort_by="-name", keep="hyperparam")
    assert [r["name"] for r in reverse["rows"]] == ["solver", "n_iter", "alpha"]
    groups = [r["group"] for r in compare([a, b], db=db, sort_by="-name")["rows"]]
    assert groups.index("metric") > groups.index("hyperparam")
    with pytest.raises(CompareError, match="--sort-by"):
        compare([a, b], db=db, sort_by="colour")


def test_trials_from_different_notebooks(
    shell: InteractiveShell, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBPROV_NOTEBOOK", "/work/one.ipynb")
    run(shell, "%trial new one")
    a = run_trial(shell, first=True)
    monkeypatch.setenv("NBPROV_NOTEBOOK", "/work/two.ipynb")
    b = run_trial(shell, alpha=0.3, name="two")
    result = compare(["one", "two"], db=str(store_path))
    assert result["trials"] == [a, b]
    notebook = rows_by(result, "code")["notebook"]
    assert notebook["values"] == ["/work/one.ipynb", "/work/two.ipynb"]
    assert notebook["changed"] is True
    assert any("different notebooks" in w for w in result["warnings"])
    assert rows_by(result, "hyperparam")["alpha"]["values"] == [0.1, 0.3]


def test_references_by_name_and_negative_index(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    assert compare(["-2", "bigger"], db=str(store_path))["trials"] == [a, b]
    assert compare(["-1", "latest"], db=str(store_path))["rows"] == []


def test_matching_pairs_changed_cells_by_position() -> None:
    from nbprov.core.compare.facts import Cell

    def cells(hashes: str) -> list[Cell]:
        return [Cell(f"h{i}", None, h, None, i, i) for i, h in enumerate(hashes)]

    # same, changed, same, removed / inserted at the end
    pairs = match_cells(cells("abcd"), cells("aXce"))
    assert pairs == {0: 0, 1: 1, 2: 2, 3: 3}
    pairs = match_cells(cells("abc"), cells("abZc"))
    assert pairs == {0: 0, 1: 1, 2: 3}
    with_ids = [Cell("x", "id1", "h1", None, 1, 1), Cell("y", "id2", "h2", None, 2, 2)]
    swapped = [Cell("y", "id2", "h9", None, 1, 1), Cell("x", "id1", "h1", None, 2, 2)]
    assert match_cells(with_ids, swapped) == {0: 1, 1: 0}


# -- why ---------------------------------------------------------------------------------


def test_why_lists_the_changed_cells_in_the_slice(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    store = Store.open(str(store_path))
    try:
        answer = why(store, a, b, "r2")
    finally:
        store.close()
    assert answer["metric"] == "r2"
    assert answer["trials"] == [a, b]
    assert answer["values"] == [0.51, 0.55]
    assert answer["delta"] == pytest.approx(0.04)
    reasons = {c["source_line"].split()[0]: c for c in answer["cells"]}
    # The parameters cell changed; the evaluate cell read the changed alpha.
    assert reasons["alpha"]["reason"] == "code"
    assert "+alpha = 0.5" in reasons["alpha"]["diff"]
    evaluate = next(c for c in answer["cells"] if c["stage"] == "evaluate")
    assert evaluate["reason"] == "inputs"
    assert {"name": "alpha", "values": [0.1, 0.5]} in evaluate["inputs"]
    # Cells outside r2's backward slice never appear, changed or not.
    assert all(c["stage"] not in ("features", "score") for c in answer["cells"])
    assert [c["reason"] for c in answer["cells"]] == ["code", "inputs"]


def test_why_propagates_through_unrecorded_values(
    shell: InteractiveShell, store_path: Path
) -> None:
    run(shell, "%tag_var total metric")
    run(shell, "base = 2", cell_id="p")
    run(shell, "data = {base, base + 10}", cell_id="d")
    run(shell, "other = 5", cell_id="o")
    run(shell, "total = sum(data) + other", cell_id="t")
    flush(shell)
    run(shell, "%trial new")
    run(shell, "base = 3", cell_id="p")
    run(shell, "data = {base, base + 10}", cell_id="d")
    run(shell, "other = 5", cell_id="o")
    run(shell, "total = sum(data) + other", cell_id="t")
    flush(shell)
    store = Store.open(str(store_path))
    try:
        answer = why(store, -2, -1, "total")
        assert [(c["source_line"], c["reason"]) for c in answer["cells"]] == [
            ("base = 3", "code"),
            ("data = {base, base + 10}", "inputs"),
            ("total = sum(data) + other", "inputs"),
        ]
        # A set is recorded as a summary, not exactly: it counts as changed because the
        # cell that wrote it is listed.
        assert [i["name"] for i in answer["cells"][2]["inputs"]] == ["data"]
        with pytest.raises(CompareError, match="not computed"):
            why(store, -2, -1, "no_such_metric")
    finally:
        store.close()


def test_compare_json_is_plain_json(two: tuple[int, int], store_path: Path) -> None:
    a, b = two
    result = compare([a, b], db=str(store_path), show_all=True, diff=True)
    assert json.loads(json.dumps(result, allow_nan=False)) == result
