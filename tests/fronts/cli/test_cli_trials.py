"""`nbprov trials` and `nbprov show`: formats, widths, references and errors."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

from nbprov.cli.main import main


@pytest.fixture
def two_trials(shell: InteractiveShell) -> InteractiveShell:
    run(shell, "%tag_var learning_rate hyperparam\n%tag_var validation_accuracy metric")
    run(shell, "%tag read\nlearning_rate = 0.01")
    run(shell, "%tag evaluate\nvalidation_accuracy = 0.8125")
    run(shell, "%trial name first-run-with-a-rather-long-name")
    run(shell, "%trial new second")
    run(shell, "learning_rate = 0.1\nvalidation_accuracy = 0.75")
    flush(shell)
    return shell


def output(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_trials_json(two_trials: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = output(capsys, "trials", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert [(t["id"], t["name"]) for t in data] == [
        (1, "first-run-with-a-rather-long-name"),
        (2, "second"),
    ]
    assert data[0]["hyperparams"] == {"learning_rate": 0.01}
    assert data[1]["metrics"] == {"validation_accuracy": 0.75}


def test_trials_table_fits_80_columns(
    two_trials: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = output(capsys, "trials")
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines), lines
    # No notebook path is known in a plain shell: that column is left out for the values.
    assert lines[0].split()[:3] == ["id", "name", "started"]
    assert "0.8125" in out


def test_trials_csv_and_markdown(
    two_trials: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = output(capsys, "trials", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["learning_rate"] for r in rows] == ["0.01", "0.1"]
    assert rows[0]["name"] == "first-run-with-a-rather-long-name"  # never cut in CSV
    _, out, _ = output(capsys, "trials", "--format", "md")
    lines = out.splitlines()
    assert lines[0].startswith("| id | name |")
    assert lines[1].startswith("| --- |")
    assert len(lines) == 4


def test_trials_limit_keeps_the_latest(
    two_trials: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = output(capsys, "trials", "--limit", "1", "--format", "json")
    assert [t["name"] for t in json.loads(out)] == ["second"]


def test_show_json_and_table(
    two_trials: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = output(capsys, "show", "-2", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["name"] == "first-run-with-a-rather-long-name"
    assert [a["stage"] for a in data["activations"]] == [None, "read", "evaluate", None, None]
    assert data["variables"][1] == {
        "name": "validation_accuracy",
        "role": "metric",
        "direction": None,  # tagged without --max or --min
        "value": 0.8125,
        "execution_count": 4,
        "history": [{"execution_count": 4, "value": 0.8125}],
    }
    code, out, _ = output(capsys, "show", "second")
    assert code == 0
    assert "learning_rate = 0.1" in out
    assert all(len(line) <= 80 for line in out.splitlines())
    code, out, _ = output(capsys, "show", "1", "--format", "md")
    assert "| # | stage | status | time | code |" in out


def test_unknown_trial_and_empty_store_exit_non_zero(
    two_trials: InteractiveShell, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, err = output(capsys, "show", "nope")
    assert code == 2
    assert out == ""
    assert err.strip() == "nbprov: no trial 'nope' (give an id, a name, 'latest' or -1, -2, ...)"
    code, _, err = output(capsys, "trials", "--db", str(tmp_path / "absent.db"))
    assert code == 2
    assert "no nbprov store" in err


def test_empty_store_message(store_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from nbprov.store import Store

    Store.open(str(store_path), writer=True).close()
    code, _, err = output(capsys, "trials")
    assert code == 2
    assert "no trials recorded" in err


def test_sort_by_a_metric_puts_the_best_first(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    # A loss tagged --max is still ordered by its tag, not its name.
    run(shell, "%tag_var loss_gain metric --max\n%tag_var val_loss metric")
    run(shell, "loss_gain = 0.5\nval_loss = 0.2")
    for values in ("loss_gain = 0.75\nval_loss = 0.1", "loss_gain = 0.25\nval_loss = 0.3"):
        run(shell, "%trial new")
        run(shell, values)
    flush(shell)

    def ids(*argv: str) -> list[int]:
        code, out, _ = output(capsys, "trials", "--format", "json", *argv)
        assert code == 0
        return [t["id"] for t in json.loads(out)]

    assert ids("--sort-by", "metric.loss_gain") == [2, 1, 3]
    assert ids("--sort-by", "val_loss") == [2, 1, 3]  # lower is better, by its name
    assert ids("--sort-by", "metric.loss_gain:asc") == [3, 1, 2]
    assert ids("--sort-by=-val_loss") == [3, 1, 2]
    assert ids("--sort-by", "loss_gain", "--limit", "1") == [2]  # the best trial
