"""Two real runs of a demo notebook with a changed hyperparameter, compared from the shell
and through the notebook front's model."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest

from nbprov.runs.execute import run_notebook

pytestmark = pytest.mark.timeout(300)

DEMO = Path(__file__).resolve().parents[2] / "demo_notebooks" / "diabetes_ridge.ipynb"


def nbprov_cli(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbprov", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
    )


def as_json(db: Path, *args: str) -> Any:
    proc = nbprov_cli(db, *args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The diabetes demo run twice in real kernels: alpha 0.1, then (edited) alpha 10.0."""
    folder = tmp_path_factory.mktemp("compare-e2e")
    notebook = folder / DEMO.name
    shutil.copy(DEMO, notebook)
    db = folder / "store.db"
    first = run_notebook(notebook, db=db, trial_name="base")
    assert first.ok, first.describe_failure()
    nb = nbformat.read(notebook, as_version=4)
    edited = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and "alpha = 0.1" in cell.source:
            cell.source = cell.source.replace("alpha = 0.1", "alpha = 10.0")
            edited += 1
    assert edited == 1
    nbformat.write(nb, notebook)
    second = run_notebook(notebook, db=db, trial_name="alpha10")
    assert second.ok, second.describe_failure()
    return db


def test_exactly_the_changed_hyperparameter_and_moved_metrics(runs: Path) -> None:
    data = as_json(runs, "compare", "base", "alpha10")
    assert data["trials"] == [1, 2]
    hyper = [r for r in data["rows"] if r["group"] == "hyperparam"]
    assert [(r["name"], r["values"]) for r in hyper] == [("alpha", [0.1, 10.0])]
    assert hyper[0]["delta"] == pytest.approx(9.9)
    metrics = {r["name"]: r for r in data["rows"] if r["group"] == "metric"}
    assert set(metrics) == {"r2", "mae"}
    r2 = metrics["r2"]
    assert r2["delta"] == pytest.approx(r2["values"][1] - r2["values"][0])
    assert r2["delta"] < 0 and metrics["mae"]["delta"] > 0
    assert r2["relative_delta"] == pytest.approx(r2["delta"] / abs(r2["values"][0]))
    code = [r for r in data["rows"] if r["group"] == "code"]
    # Labelled by what the cell does, not by its "# Parameters" comment.
    assert [r["source_line"] for r in code] == ["alpha = 0.1"]
    assert not [r for r in data["rows"] if r["group"] == "environment"]


def test_table_markdown_csv_and_code_diff(runs: Path) -> None:
    proc = nbprov_cli(runs, "compare", "base", "alpha10", "--code")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split()[:6] == ["group", "row", "#1", "base", "#2", "alpha10"]
    assert next(line for line in lines if "alpha " in line).split()[-4:] == [
        "0.1",
        "10.0",
        "+9.9",
        "+9900.0%",
    ]
    assert "-alpha = 0.1\n+alpha = 10.0\n" in proc.stdout
    md = nbprov_cli(runs, "compare", "-2", "-1", "--format", "md").stdout
    assert "| hyperparams | alpha | 0.1 | 10.0 | +9.9 | +9900.0% |" in md
    rows = list(
        csv.reader(io.StringIO(nbprov_cli(runs, "compare", "1", "2", "--format", "csv").stdout))
    )
    assert [r[1] for r in rows[1:4]] == ["alpha", "mae", "r2"]


def test_why_the_metric_moved(runs: Path) -> None:
    why = as_json(runs, "compare", "base", "alpha10", "--why", "r2")["why"]
    assert why["changed"] is True
    cells = [(c["stage"], c["reason"], c["source_line"]) for c in why["cells"]]
    assert cells[0] == (None, "code", "alpha = 10.0")
    assert why["cells"][0]["outputs"] == [{"name": "alpha", "values": [0.1, 10.0]}]
    assert cells[1][:2] == ("score", "inputs")
    assert {"name": "alpha", "values": [0.1, 10.0]} in why["cells"][1]["inputs"]
    assert [c[1] for c in cells] == ["code", "inputs", "inputs"]
    assert cells[2][:2] == ("evaluate", "inputs")
    # The read and features cells did not change and read nothing that changed.
    assert not {"read", "features"} & {c[0] for c in cells}
    text = nbprov_cli(runs, "compare", "base", "alpha10", "--why", "r2").stdout
    assert "why r2 moved between trials 1 and 2" in text
    assert "sets alpha: 0.1 -> 10.0" in text


def test_trials_listing_with_filter_and_sort(runs: Path) -> None:
    assert [t["id"] for t in as_json(runs, "trials", "--filter", "hyperparam.alpha > 1")] == [2]
    ordered = as_json(runs, "trials", "--sort-by", "metric.r2:desc", "--limit", "1")
    assert [t["name"] for t in ordered] == ["base"]
    notebook = as_json(runs, "trials")[0]["notebook"]
    assert len(as_json(runs, "trials", "--notebook", notebook)) == 2


def test_the_notebook_view_over_the_same_store(runs: Path) -> None:
    from nbprov.notebook.compare_widget import compare

    view = compare(db=str(runs))
    try:
        assert view.trial_ids == [1, 2]
        assert {r["name"] for r in view.rows if r["group"] != "code"} == {"alpha", "r2", "mae"}
        assert "+9.9" in view.table.value
        view.metric.value = "r2"
        view.hyperparam.value = "alpha"
        assert view.plot_spec is not None
        assert len(view.plot_spec["data"]["values"]) == 2
    finally:
        view.close()
