"""``%tag_var NAME metric --max | --min``: parsed, stored, carried into new trials, and
what the comparisons and the ``%compare`` widget make of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

import nbprov
from nbprov.cli.main import main
from nbprov.core.compare import compare
from nbprov.core.trials import show_trial
from nbprov.notebook.compare_widget import table_html


def stored_tags(store_path: Path) -> dict[tuple[int, str], tuple[str, str | None]]:
    with sqlite3.connect(store_path) as conn:
        rows = conn.execute("select trial_id, name, role, direction from variable_tag").fetchall()
    return {(trial, name): (role, direction) for trial, name, role, direction in rows}


def usage_error(shell: InteractiveShell, line: str) -> str:
    result = run(shell, line)
    error = result.error_before_exec or result.error_in_exec
    assert isinstance(error, UsageError), f"{line!r} gave {error!r}"
    assert "\n" not in str(error).strip()
    return str(error)


def test_the_flags_are_stored_with_the_metric_tag(
    shell: InteractiveShell, store_path: Path
) -> None:
    run(shell, "%tag_var r2 metric --max\n%tag_var mse metric --min\n%tag_var acc metric")
    run(shell, "%tag_var fold --min metric\n%tag_var alpha hyperparam")
    flush(shell)
    assert stored_tags(store_path) == {
        (1, "r2"): ("metric", "max"),
        (1, "mse"): ("metric", "min"),
        (1, "acc"): ("metric", None),  # no flag: no stored direction
        (1, "fold"): ("metric", "min"),  # a flag may come anywhere on the line
        (1, "alpha"): ("hyperparam", None),
    }


def test_max_and_min_exclude_each_other_and_need_the_metric_role(
    shell: InteractiveShell, store_path: Path
) -> None:
    assert "not allowed with argument --max" in usage_error(shell, "%tag_var r2 metric --max --min")
    assert usage_error(shell, "%tag_var alpha hyperparam --max") == (
        "--max is for metrics only, not role 'hyperparam'"
    )
    assert usage_error(shell, "%tag_var n score --min") == (
        "--min is for metrics only, not role 'score'"
    )
    flush(shell)
    assert stored_tags(store_path) == {}  # a refused line tags nothing


def test_retagging_changes_the_direction_for_later_records(
    shell: InteractiveShell, store_path: Path
) -> None:
    run(shell, "%tag_var loss metric --max\nloss = 1.0")
    run(shell, "%tag_var loss metric --min")
    flush(shell)
    assert stored_tags(store_path)[(1, "loss")] == ("metric", "min")
    run(shell, "%trial new")  # tags describe the notebook: the direction comes along
    run(shell, "loss = 2.0")
    flush(shell)
    assert stored_tags(store_path)[(2, "loss")] == ("metric", "min")
    run(shell, "%tag_var loss metric --max")
    flush(shell)
    tags = stored_tags(store_path)
    assert tags[(1, "loss")] == ("metric", "min")  # the earlier trial keeps its own
    assert tags[(2, "loss")] == ("metric", "max")
    # A comparison goes by the latest trial that said: higher is better now.
    [row] = compare([1, 2], db=str(store_path), keep="^metric\\.")["rows"]
    assert (row["direction"], row["direction_source"]) == ("max", "stored")


def test_the_compare_widget_colours_by_the_stored_direction(
    shell: InteractiveShell, store_path: Path
) -> None:
    # Named like a loss but tagged --max, and named like a score but tagged --min: the
    # stored direction wins over the name; the untagged mse goes by its name.
    run(shell, "%tag_var loss_gain metric --max\n%tag_var acc metric --min\n%tag_var mse metric")
    run(shell, "loss_gain = 1.0\nacc = 0.5\nmse = 3.0")
    run(shell, "%trial new")
    run(shell, "loss_gain = 2.0\nacc = 0.75\nmse = 2.0")
    flush(shell)
    view = nbprov.compare(1, 2, db=str(store_path))
    try:
        rows = {r["name"]: r for r in view.rows if r["group"] == "metric"}
        assert {n: (r["direction"], r["direction_source"]) for n, r in rows.items()} == {
            "loss_gain": ("max", "stored"),
            "acc": ("min", "stored"),
            "mse": ("min", "name"),
        }
        page = view.table.value
    finally:
        view.close()
    cells = {name: page.split(f"<td>{name}</td>", 1)[1].split("</tr>", 1)[0] for name in rows}
    assert (
        'class="nbprov-better" title="better: higher is better (as tagged)"' in cells["loss_gain"]
    )
    assert 'class="nbprov-worse" title="worse: lower is better (as tagged)"' in cells["acc"]
    assert 'class="nbprov-better" title="better: lower is better (from its name)"' in cells["mse"]
    # The baseline is judged against nothing.
    assert cells["acc"].startswith("<td>0.5</td>")


def test_rows_without_a_direction_fall_back_to_the_name() -> None:
    # A comparison made before rows carried directions still renders, by the name rule.
    row = {
        "group": "metric",
        "name": "val_loss",
        "changed": True,
        "present": [True, True],
        "values": [1.0, 0.5],
        "deltas": [0, -0.5],
        "relative_deltas": [0.0, -0.5],
    }
    page = table_html({"trials": [1, 2], "trial_info": [{"id": 1}, {"id": 2}], "rows": [row]})
    assert 'class="nbprov-better" title="better: lower is better (from its name)"' in page


def test_show_says_each_metric_direction(
    shell: InteractiveShell, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(shell, "%tag_var r2 metric --max\n%tag_var acc metric\nr2 = 0.5\nacc = 0.9")
    flush(shell)
    record = show_trial(1, db=str(store_path))
    assert {v["name"]: v["direction"] for v in record["variables"]} == {"r2": "max", "acc": None}
    assert main(["show", "1", "--db", str(store_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.split()[:2] == ["r2", "metric"] and "(max)" in line for line in lines)
    assert any(line.split()[:3] == ["acc", "metric", "0.9"] for line in lines)
