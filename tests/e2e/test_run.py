"""``nbprov run``: parameterised runs, grids in parallel workers and failing notebooks,
in real kernels, read back through the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell
from support import run_nbprov as nbprov
from support import write_notebook

pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parents[2]


def tagged_notebook(path: Path, sources: list[tuple[str, list[str]]]) -> Path:
    cells = []
    for source, tags in sources:
        cell = new_code_cell(source)
        if tags:
            cell.metadata["tags"] = tags
        cells.append(cell)
    return write_notebook(path, cells)


def cli_json(db: Path, *args: str) -> Any:
    proc = nbprov(*args, "--db", str(db), "--format", "json", cwd=db.parent)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A notebook with a parameters cell, tagged values and a derived metric; it never
    loads nbprov itself."""
    return tagged_notebook(
        tmp_path / "small.ipynb",
        [
            ("a = 1\nlabel = 'x'\nflag = False", ["parameters"]),
            ("%tag_var a hyperparam\n%tag_var label hyperparam\n%tag_var score metric", []),
            ("score = a * 10 if not flag else -1\nnote = label * 2\nprint(score)", []),
        ],
    )


def test_parameterised_run(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "runs.db"
    out = tmp_path / "out" / "executed.ipynb"
    proc = nbprov(
        "run", str(small), "-p", "a", "5", "-p", "label", "hi", "--name", "five",
        "--output", str(out), "--db", str(db), "--format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert record["ok"] is True and record["status"] == "ok"
    assert record["name"] == "five"
    assert record["parameters"] == {"a": 5, "label": "hi"}
    assert record["metrics"] == {"score": 50}
    assert record["hyperparams"] == {"a": 5, "label": "hi"}

    shown = cli_json(db, "show", str(record["trial"]))
    assert shown["name"] == "five"
    assert shown["status"] == "ok"
    assert shown["notebook"] == str(small.resolve())
    sources = [a["source"] for a in shown["activations"]]
    injected = next(s for s in sources if s.startswith("# Parameters"))
    assert "a = 5" in injected and "label = 'hi'" in injected
    # The injected cell runs right after the parameters cell, before the rest.
    assert sources.index(injected) == sources.index("a = 1\nlabel = 'x'\nflag = False") + 1

    executed = nbformat.read(out, as_version=4)
    assert "injected-parameters" in executed.cells[1].metadata["tags"]
    assert executed.cells[-1].outputs[0]["text"] == "50\n"

    # The table output names the trial and its metrics.
    proc = nbprov("run", str(small), "-p", "flag", "True", "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == f"trial {record['trial'] + 1}: ok"
    assert "score = -1" in proc.stdout
    assert cli_json(db, "show", "latest")["name"] is None


def test_failing_notebook(tmp_path: Path) -> None:
    notebook = tagged_notebook(
        tmp_path / "broken.ipynb",
        [
            ("x = 1", ["parameters"]),
            ("%tag_var x hyperparam\ny = x + 1", []),
            ("raise ValueError(f'bad x {x}')", []),
            ("never = True", []),
        ],
    )
    db = tmp_path / "runs.db"
    proc = nbprov("run", str(notebook), "-p", "x", "3", "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 1
    assert "ValueError" in proc.stderr and "bad x 3" in proc.stderr
    assert proc.stdout.splitlines()[0] == "trial 1: error"

    shown = cli_json(db, "show", "1")
    assert shown["status"] == "error"
    statuses = [a["status"] for a in shown["activations"]]
    assert statuses == ["ok", "ok", "ok", "error"]  # the cell after the failure never ran
    error = shown["activations"][-1]["error"]
    assert error == {"type": "ValueError", "message": "bad x 3"}


def test_grid_of_four_trials_with_two_jobs(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "grid.db"
    outdir = tmp_path / "executed"
    proc = nbprov(
        "run", str(small), "--grid", "a=1,2", "--grid", "label=p,q", "--jobs", "2",
        "--name", "sweep", "--output", str(outdir), "--db", str(db),
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    progress = [line for line in proc.stderr.splitlines() if line.startswith(("[#", "[."))]
    assert len(progress) == 4 and progress[-1].startswith("[" + "#" * 24 + "] 4/4")

    trials = cli_json(db, "trials")
    assert len(trials) == 4
    by_name = {t["name"]: t for t in trials}
    assert set(by_name) == {
        "sweep[a=1,label=p]",
        "sweep[a=1,label=q]",
        "sweep[a=2,label=p]",
        "sweep[a=2,label=q]",
    }
    for name, trial in by_name.items():
        a = int(name.split("a=")[1].split(",")[0])
        label = name.split("label=")[1].rstrip("]")
        assert trial["status"] == "ok"
        assert trial["hyperparams"] == {"a": a, "label": label}
        assert trial["metrics"] == {"score": a * 10}
    # Every trial's id appears in the closing table.
    for trial in trials:
        assert str(trial["id"]) in proc.stdout
    assert len(list(outdir.glob("small[[]*.ipynb"))) == 4

    # JSON output: one record per grid point, in grid order.
    proc = nbprov(
        "run", str(small), "--grid", "a=7,8", "--db", str(db), "--format", "json", "-q",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    records = json.loads(proc.stdout)
    assert [r["metrics"]["score"] for r in records] == [70, 80]
    assert [r["name"] for r in records] == ["small[a=7]", "small[a=8]"]


def test_grid_with_a_failing_point_exits_nonzero(tmp_path: Path) -> None:
    notebook = tagged_notebook(
        tmp_path / "picky.ipynb",
        [("d = 1", ["parameters"]), ("%tag_var q metric\nq = 10 / d", [])],
    )
    db = tmp_path / "grid.db"
    proc = nbprov("run", str(notebook), "--grid", "d=0,2", "-j", "2", "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 1
    assert "ZeroDivisionError" in proc.stderr
    trials = {t["name"]: t for t in cli_json(db, "trials")}
    assert trials["picky[d=0]"]["status"] == "error"
    assert trials["picky[d=2]"]["status"] == "ok"
    assert trials["picky[d=2]"]["metrics"] == {"q": 5.0}


def test_demo_notebook_with_a_new_hyperparameter(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    notebook = ROOT / "demo_notebooks" / "diabetes_ridge.ipynb"
    first = nbprov("run", str(notebook), "--db", str(db), "--format", "json", cwd=tmp_path)
    second = nbprov(
        "run", str(notebook), "-p", "alpha", "5.0", "--db", str(db), "--format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    base, tuned = json.loads(first.stdout), json.loads(second.stdout)
    assert base["hyperparams"]["alpha"] == 0.1
    assert tuned["hyperparams"]["alpha"] == 5.0
    assert set(tuned["metrics"]) == {"r2", "mae"}
    assert tuned["metrics"]["r2"] != base["metrics"]["r2"]


def test_usage_errors(small: Path, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    proc = nbprov("run", str(tmp_path / "missing.ipynb"), "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 2 and "no notebook" in proc.stderr
    proc = nbprov("run", str(small), "--grid", "a", "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 2 and "NAME=V1,V2" in proc.stderr
    proc = nbprov("run", str(small), "-p", "bad-name", "1", "--db", str(db), cwd=tmp_path)
    assert proc.returncode == 2 and "identifier" in proc.stderr
