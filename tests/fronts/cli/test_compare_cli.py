"""``nbprov compare`` and ``nbprov trials --filter/--sort-by``: each flag and each format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from compare_experiment import run_trial
from IPython.core.interactiveshell import InteractiveShell

from nbprov.cli.main import main


@pytest.fixture
def db(shell: InteractiveShell, store_path: Path) -> str:
    run_trial(shell, first=True)  # 1: alpha 0.1, r2 0.51
    run_trial(shell, alpha=0.5, n_iter=5, solver="saga", name="bigger")  # 2: r2 0.55
    run_trial(shell, alpha=2.0, name="huge")  # 3: r2 0.7
    return str(store_path)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    code, out, err = cli(capsys, *args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_compare_table(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare", "1", "2", "--db", db)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["group", "row", "#1", "#2", "bigger"]
    assert lines[0].split()[-2:] == ["delta", "rel"]
    assert all(len(line) <= 80 for line in lines)
    alpha = next(line for line in lines if " alpha " in f" {line} ")
    assert alpha.split() == ["hyperparams", "alpha", "0.1", "0.5", "+0.4", "+400.0%"]
    steps = next(line for line in lines if "steps" in line)
    assert steps.split()[-4:] == ["6", "10", "+4", "+66.7%"]
    label = next(line for line in lines if "label" in line)
    assert label.split()[-2:] == ["lbfgs-run", "saga-run"]
    # Groups are printed once, at their first row.
    assert sum(1 for line in lines if line.startswith("hyperparams")) == 1
    assert any(line.startswith("code ") for line in lines)


def test_compare_json_shape(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    data = cli_json(capsys, "compare", "1", "bigger", "--db", db)
    assert data["trials"] == [1, 2]
    for row in data["rows"]:
        assert {"group", "name", "values", "changed", "delta"} <= set(row)
        assert len(row["values"]) == 2
    r2 = next(r for r in data["rows"] if r["name"] == "r2")
    assert r2 == {**r2, "group": "metric", "values": [0.51, 0.55], "changed": True}
    assert r2["delta"] == pytest.approx(0.04)


def test_compare_csv(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare", "1", "2", "--db", db, "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["group", "row", "#1", "#2 bigger", "delta", "rel"]
    by_name = {r[1]: r for r in rows[1:]}
    assert by_name["alpha"] == ["hyperparams", "alpha", "0.1", "0.5", "+0.4", "+400.0%"]
    assert by_name["solver"] == ["hyperparams", "solver", "lbfgs", "saga", "", ""]
    # Every CSV row names its group.
    assert all(r[0] for r in rows[1:])


def test_compare_markdown(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare", "1", "2", "--db", db, "--format", "md", "--code")
    assert code == 0
    assert out.startswith("| group | row | #1 | #2 bigger | delta | rel |\n| --- |")
    assert "| hyperparams | alpha | 0.1 | 0.5 | +0.4 | +400.0% |" in out
    assert "```diff\n" in out
    assert "+alpha = 0.5" in out


def test_three_way_shows_inline_deltas(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare", "1", "2", "3", "--db", db, "--keep", "^alpha$")
    assert code == 0
    header, _, row = out.splitlines()
    assert "delta" not in header
    assert row.split() == ["hyperparams", "alpha", "0.1", "0.5", "(+0.4)", "2.0", "(+1.9)"]
    data = cli_json(capsys, "compare", "1", "2", "3", "--db", db, "--keep", "^alpha$")
    assert data["rows"][0]["values"] == [0.1, 0.5, 2.0]


def test_all_keep_drop_sort_precision(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    changed = cli_json(capsys, "compare", "1", "2", "--db", db)
    everything = cli_json(capsys, "compare", "1", "2", "--db", db, "--all")
    assert len(everything["rows"]) > len(changed["rows"])
    assert any(not r["changed"] for r in everything["rows"])
    kept = cli_json(capsys, "compare", "1", "2", "--db", db, "--keep", "metric")
    assert {r["group"] for r in kept["rows"]} == {"metric"}
    dropped = cli_json(capsys, "compare", "1", "2", "--db", db, "--drop", "^(code|environment)")
    assert {r["group"] for r in dropped["rows"]} == {"hyperparam", "metric"}
    ordered = cli_json(
        capsys, "compare", "1", "2", "--db", db, "--keep", "hyperparam", "--sort-by", "name"
    )
    assert [r["name"] for r in ordered["rows"]] == ["alpha", "n_iter", "solver"]
    _, out, _ = cli(capsys, "compare", "1", "2", "--db", db, "--keep", "^r2$", "--precision", "1")
    assert out.splitlines()[2].split() == ["metrics", "r2", "0.5", "0.6", "+0.04", "+7.8%"]


def test_code_flag_prints_unified_diffs(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare", "1", "2", "--db", db, "--code")
    assert code == 0
    assert "--- trial 1: cell 1\n+++ trial 2: cell 1\n" in out
    assert "-alpha = 0.1\n" in out and "+alpha = 0.5\n" in out
    data = cli_json(capsys, "compare", "1", "2", "--db", db, "--code")
    assert any("+alpha = 0.5" in d["diff"] for d in data["diffs"])
    code, out, _ = cli(capsys, "compare", "1", "2", "--db", db, "--code", "--format", "csv")
    assert "row,trial_a,trial_b,diff" in out


def test_why_flag(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare", "1", "2", "--db", db, "--why", "r2")
    assert code == 0
    assert "why r2 moved between trials 1 and 2: 0.51 -> 0.55 (+0.04)" in out
    after = out.split("why r2 moved", 1)[1]
    assert "code" in after and "alpha: 0.1 -> 0.5" in after
    data = cli_json(capsys, "compare", "1", "2", "--db", db, "--why", "r2")
    assert [c["reason"] for c in data["why"]["cells"]] == ["code", "inputs"]
    code, out, _ = cli(capsys, "compare", "1", "2", "--db", db, "--why", "r2", "--format", "md")
    assert "**why r2 moved between trials 1 and 2" in out
    code, out, err = cli(capsys, "compare", "1", "2", "--db", db, "--why", "nothing")
    assert code == 2 and "not computed" in err


def test_no_differences_and_errors(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "compare", "2", "bigger", "--db", db)
    assert code == 0 and out.startswith("no differences between trials 2, 2")
    code, _, err = cli(capsys, "compare", "1", "99", "--db", db)
    assert code == 2 and err.strip() == (
        "nbprov: no trial '99' (give an id, a name, 'latest' or -1, -2, ...)"
    )
    code, _, err = cli(capsys, "compare", "1", "--db", db)
    assert code == 2 and "at least two" in err
    code, _, err = cli(capsys, "compare", "1", "2", "--db", db, "--keep", "[")
    assert code == 2 and "--keep" in err and len(err.strip().splitlines()) == 1
    code, _, err = cli(capsys, "compare", "1", "2", "--db", db, "--sort-by", "colour")
    assert code == 2 and "--sort-by" in err
    code, _, err = cli(capsys, "compare", "1", "2", "--db", db + ".missing")
    assert code == 2 and "no nbprov store" in err


# -- nbprov trials -------------------------------------------------------------------------


def ids(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> list[int]:
    return [r["id"] for r in cli_json(capsys, "trials", "--db", db, *args)]


def test_trials_filter(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert ids(capsys, db, "--filter", "metric.r2 > 0.52") == [2, 3]
    assert ids(capsys, db, "--filter", "metric.r2 > 0.4 and hyperparam.alpha < 1") == [1, 2]
    assert ids(capsys, db, "--filter", "alpha == 0.1 or (solver == 'saga' and n_iter >= 5)") == [
        1,
        2,
    ]
    assert ids(capsys, db, "--filter", 'hyperparam.solver == "lbfgs"') == [1, 3]
    assert ids(capsys, db, "--filter", "trial.name == 'huge'") == [3]
    assert ids(capsys, db, "--filter", "not metric.label in ['saga-run']") == [1, 3]
    records = cli_json(capsys, "trials", "--db", db, "--filter", "metric.steps == 10")
    assert records[0]["hyperparams"]["solver"] == "saga"
    assert records[0]["metrics"]["r2"] == 0.55


def test_trials_sort_and_limit(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    # A metric's own order is best first (r2: higher is better); a sign or suffix says.
    assert ids(capsys, db, "--sort-by", "metric.r2") == [3, 2, 1]
    assert ids(capsys, db, "--sort-by", "metric.r2:asc") == [1, 2, 3]
    assert ids(capsys, db, "--sort-by=-metric.r2") == [3, 2, 1]
    assert ids(capsys, db, "--sort-by", "alpha:desc", "--limit", "2") == [3, 2]
    assert ids(capsys, db, "--sort-by", "solver") == [1, 3, 2]
    assert ids(capsys, db, "--limit", "2") == [2, 3]
    assert ids(capsys, db, "--filter", "metric.r2 < 0.6", "--limit", "1") == [2]


def test_trials_notebook_and_table(
    db: str,
    capsys: pytest.CaptureFixture[str],
    shell: InteractiveShell,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NBPROV_NOTEBOOK", "/work/other.ipynb")
    run_trial(shell, alpha=0.7, name="elsewhere")
    capsys.readouterr()
    assert ids(capsys, db, "--notebook", "/work/other.ipynb") == [4]
    assert ids(capsys, db, "--notebook", "/work/other.ipynb", "--filter", "alpha > 0") == [4]
    code, out, _ = cli(capsys, "trials", "--db", db, "--filter", "alpha >= 0.5", "--sort-by", "id")
    assert code == 0
    listed = [line.split()[0] for line in out.splitlines()[2:] if not line.startswith("(")]
    assert listed == ["2", "3", "4"]


def test_trials_filter_errors(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "trials", "--db", db, "--filter", "__import__('os').system('x')")
    assert code == 2 and "not allowed" in err
    code, _, err = cli(capsys, "trials", "--db", db, "--filter", "metric.r2 >")
    assert code == 2 and "cannot parse" in err
    code, _, err = cli(capsys, "trials", "--db", db, "--filter", "metric.r2 > 5")
    assert code == 2 and "no trial matches" in err
    code, _, err = cli(capsys, "trials", "--db", db, "--sort-by", "a b")
    assert code == 2 and "--sort-by" in err
