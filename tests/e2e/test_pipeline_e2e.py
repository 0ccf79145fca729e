"""nbprov pipeline on notebooks run in real kernels: each demo notebook's metrics become
a package whose generated tests pass and whose Luigi run (local scheduler, in a
subprocess) rebuilds them; a changed parameter re-runs only the tasks downstream of it
(from Luigi's own task events); --verify fails, naming the target, when a value differs.
Two gallery notebooks of the corpus too: one untagged (a single stage), one tagged here."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from support import run_nbprov as nbprov

from nbprov.runs.execute import run_notebook

pytest.importorskip("luigi")
pytest.importorskip("sklearn")
pytestmark = pytest.mark.timeout(900)

ROOT = Path(__file__).resolve().parents[2]
DEMOS = {p.stem: p for p in sorted((ROOT / "demo_notebooks").glob("*.ipynb"))}
GALLERY = ROOT / "benchmarks" / "corpus" / "sklearn-gallery-extra"
# The notebook, its targets, and the Luigi task at the end of its DAG.
CASES = {
    "diabetes_ridge": (["r2", "mae"], "Evaluate"),
    "breast_cancer_logreg": (["accuracy", "roc_auc"], "Evaluate"),
    "wine_forest": (["accuracy", "f1_macro"], "Evaluate"),
    "linear_model_plot_ols": (["y_pred"], "Main"),
    "linear_model_plot_nnls": (["r2_score_nnls", "r2_score_ols"], "Evaluate"),
}
# Stages added to the nnls notebook's code cells (the gallery leaves them untagged).
NNLS_TAGS = [None, "read", "features", "score", "evaluate", None]

EVENTS_DRIVER = """
import json, sys
import luigi
pkg, data_dir, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
tasks = __import__(pkg + ".luigi_tasks", fromlist=["luigi_tasks"])
ran = []
@luigi.Task.event_handler(luigi.Event.SUCCESS)
def _ran(task):
    ran.append(task.task_family)
ok = luigi.build([tasks.Evaluate(data_dir=data_dir, **params)], local_scheduler=True,
                 log_level="WARNING")
targets = tasks.load_targets(data_dir=data_dir, **params)
print(json.dumps({"ok": ok, "ran": ran, "targets": targets}))
"""


def tagged_copy(source: Path, tags: list[str | None], folder: Path) -> Path:
    nb = nbformat.read(source, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell, tag in zip(code, tags, strict=True):
        if tag:
            cell.source = f"%tag {tag}\n{cell.source}"
    path = folder / source.name
    nbformat.write(nb, path)
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pipeline")
    db = folder / "store.db"
    notebooks = [
        DEMOS["diabetes_ridge"],
        DEMOS["breast_cancer_logreg"],
        DEMOS["wine_forest"],
        GALLERY / "linear_model_plot_ols.ipynb",
        tagged_copy(GALLERY / "linear_model_plot_nnls.ipynb", NNLS_TAGS, folder),
    ]
    for notebook in notebooks:
        result = run_notebook(notebook, db=db, trial_name=notebook.stem)
        assert result.ok, result.describe_failure()
        assert result.recording_problem is None, result.recording_problem
    return db


def test_every_demo_notebook_is_covered() -> None:
    assert set(DEMOS) <= set(CASES)


@pytest.mark.parametrize("name", list(CASES))
def test_package_verifies_and_luigi_rebuilds(store: Path, name: str, tmp_path: Path) -> None:
    targets, last = CASES[name]
    out = tmp_path / "p"
    proc = nbprov("pipeline", name, *targets, "-o", str(out), "--verify", "--db", str(store),
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("verified:")
    package = f"{name}_pipeline"
    assert (out / package / "luigi_tasks.py").is_file()
    # The plain runner does not import Luigi.
    plain = subprocess.run(
        [sys.executable, "-c", f"import sys, {package}; {package}.run(); "
         "sys.exit('luigi' in sys.modules)"],
        cwd=out, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=out, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "passed" in tests.stdout and "skipped" not in tests.stdout
    luigi = subprocess.run(
        [sys.executable, "-m", "luigi", "--module", f"{package}.luigi_tasks", last,
         "--local-scheduler"],
        cwd=out, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert luigi.returncode == 0, luigi.stderr
    assert ":)" in luigi.stderr + luigi.stdout  # Luigi's summary of a run without failures
    pins = (out / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("scikit-learn==") for line in pins)


def test_nnls_stages_follow_the_tags(store: Path, tmp_path: Path) -> None:
    proc = nbprov("pipeline", "linear_model_plot_nnls", "r2_score_ols", "--db", str(store),
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 2 and "-o DIR" in proc.stderr  # -o, unless only drawing
    proc = nbprov("pipeline", "linear_model_plot_nnls", "r2_score_ols", "-o", str(tmp_path / "p"),
                  "--format", "json", "--graph", str(tmp_path / "dag.dot"), "--db", str(store),
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    # The score cell gives only an import to this slice: no stage of its own.
    assert [s["name"] for s in plan["stages"]] == ["read", "features", "evaluate"]
    dot = (tmp_path / "dag.dot").read_text()
    assert '"s_features" -> "s_evaluate" [label="X_test, X_train, y_test, y_train"]' in dot


def run_events(out: Path, package: str, data: Path, params: dict[str, Any]) -> Any:
    proc = subprocess.run(
        [sys.executable, "-c", EVENTS_DRIVER, package, str(data), json.dumps(params)],
        cwd=out, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_changing_alpha_reruns_only_score_and_evaluate(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "p"
    proc = nbprov("pipeline", "diabetes_ridge", "r2", "-o", str(out), "--db", str(store),
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    data = tmp_path / "data"
    first = run_events(out, "diabetes_ridge_pipeline", data, {})
    assert first["ok"] and first["ran"] == ["Read", "Features", "Score", "Evaluate"]
    again = run_events(out, "diabetes_ridge_pipeline", data, {})
    assert again["ok"] and again["ran"] == []
    changed = run_events(out, "diabetes_ridge_pipeline", data, {"alpha": 10.0})
    assert changed["ok"] and changed["ran"] == ["Score", "Evaluate"]
    assert changed["targets"]["r2"] != first["targets"]["r2"]
    # The plain runner takes the same parameter, and agrees with Luigi.
    plain = subprocess.run(
        [sys.executable, "-m", "diabetes_ridge_pipeline", "--param", "alpha=10.0"],
        cwd=out, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.strip() == f"r2 = {changed['targets']['r2']!r}"


def test_verify_names_the_target_that_differs(store: Path, tmp_path: Path) -> None:
    db = tmp_path / "tampered.db"
    shutil.copy(store, db)
    with sqlite3.connect(db) as conn:
        trial = conn.execute("SELECT id FROM trial WHERE name = 'diabetes_ridge'").fetchone()[0]
        changed = conn.execute(
            "UPDATE value SET value = '0.5' WHERE trial_id = ? AND name = 'r2'", (trial,)
        ).rowcount
    assert changed >= 1
    proc = nbprov("pipeline", "diabetes_ridge", "r2", "mae", "-o", str(tmp_path / "p"),
                  "--verify", "--db", str(db), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout.startswith("MISMATCH")
    assert "r2: r2 = " in proc.stdout and "recorded 0.5" in proc.stdout
    assert "mae" not in proc.stdout
