"""The demo end to end: every demo notebook runs in a real kernel as a recorded trial, and
the ``nbprov`` command, reading the same store from another process, shows the tagged
hyperparameters and metrics with the values the experiments really produce."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
import pytest
from support import cli_json, nbprov_cli, subprocess_env

from nbprov.cli.demo import RERUN, default_notebook_dir, demo_notebooks, demo_runs

pytestmark = pytest.mark.timeout(300)

NOTEBOOKS = demo_notebooks()
STAGES = ["read", "features", "score", "evaluate"]
TAG_VAR = re.compile(r"^\s*%tag_var\s+(\w+)\s+(\w+)\s*$", re.MULTILINE)


def code_cells(path: Path) -> list[Any]:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def parameters_of(path: Path) -> dict[str, Any]:
    """The literal assignments of the cell tagged ``parameters``."""
    (cell,) = [c for c in code_cells(path) if "parameters" in c.metadata.get("tags", [])]
    values: dict[str, Any] = {}
    for node in ast.parse(cell.source).body:
        assert isinstance(node, ast.Assign) and len(node.targets) == 1
        target = node.targets[0]
        assert isinstance(target, ast.Name)
        values[target.id] = ast.literal_eval(node.value)
    return values


def tags_of(path: Path) -> dict[str, str]:
    """Variable name -> role, from the notebook's ``%tag_var`` lines."""
    return dict(TAG_VAR.findall("\n".join(c.source for c in code_cells(path))))


# Each experiment recomputed here, in the test process, from the notebook's parameters.


def diabetes_metrics(p: dict[str, Any]) -> dict[str, float]:
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge
    from sklearn.metrics import mean_absolute_error, r2_score
    from sklearn.model_selection import train_test_split

    frame = load_diabetes(as_frame=True).frame
    features = frame.drop(columns="target")
    features["bmi_bp"] = features["bmi"] * features["bp"]
    x_tr, x_te, y_tr, y_te = train_test_split(
        features, frame["target"], test_size=p["test_size"], random_state=p["random_seed"]
    )
    pred = Ridge(alpha=p["alpha"]).fit(x_tr, y_tr).predict(x_te)
    return {"r2": r2_score(y_te, pred), "mae": mean_absolute_error(y_te, pred)}


def breast_cancer_metrics(p: dict[str, Any]) -> dict[str, float]:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, roc_auc_score
    from sklearn.model_selection import train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    data = load_breast_cancer(as_frame=True)
    columns = [c for c in data.feature_names if not c.startswith("worst")]
    y = data.frame["target"]
    x_tr, x_te, y_tr, y_te = train_test_split(
        data.frame[columns],
        y,
        test_size=p["test_size"],
        random_state=p["random_seed"],
        stratify=y,
    )
    model = make_pipeline(StandardScaler(), LogisticRegression(C=p["C"], max_iter=p["max_iter"]))
    model.fit(x_tr, y_tr)
    return {
        "accuracy": accuracy_score(y_te, model.predict(x_te)),
        "roc_auc": roc_auc_score(y_te, model.predict_proba(x_te)[:, 1]),
    }


def wine_metrics(p: dict[str, Any]) -> dict[str, float]:
    from sklearn.datasets import load_wine
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import train_test_split

    frame = load_wine(as_frame=True).frame
    y = frame["target"]
    x_tr, x_te, y_tr, y_te = train_test_split(
        frame.drop(columns="target"),
        y,
        test_size=p["test_size"],
        random_state=p["random_seed"],
        stratify=y,
    )
    forest = RandomForestClassifier(
        n_estimators=p["n_estimators"], max_depth=p["max_depth"], random_state=p["random_seed"]
    )
    pred = forest.fit(x_tr, y_tr).predict(x_te)
    return {
        "f1_macro": f1_score(y_te, pred, average="macro"),
        "accuracy": accuracy_score(y_te, pred),
    }


EXPECTED: dict[str, Callable[[dict[str, Any]], dict[str, float]]] = {
    "diabetes_ridge": diabetes_metrics,
    "breast_cancer_logreg": breast_cancer_metrics,
    "wine_forest": wine_metrics,
}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """Run ``nbprov demo`` once into a fresh store; return the store and its listing."""
    work = tmp_path_factory.mktemp("demo")
    db = work / "store.db"
    proc = subprocess.run(
        [sys.executable, "-m", "nbprov", "demo", "--db", str(db)],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # Nothing on stderr: no kernel transport warnings between the lines of the demo.
    assert proc.stderr == ""
    # The demo ends with each trial, its hyperparameters and metrics, in 80 columns.
    listing = cli_json(db, "trials")
    for trial in listing:
        assert f"#{trial['id']} {trial['name']}" in proc.stdout
        for name in [*trial["hyperparams"], *trial["metrics"]]:
            assert f"{name}=" in proc.stdout, name
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80
    return db, listing


def test_demo_json_listing_is_the_trials_listing(tmp_path: Path) -> None:
    """``python -m nbprov.cli.demo --format json`` prints only the listing on stdout."""
    db = tmp_path / "store.db"
    first = NOTEBOOKS[0]
    only = tmp_path / "notebooks"
    only.mkdir()
    (only / first.name).write_text(first.read_text())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbprov.cli.demo",
            "--db",
            str(db),
            "--notebooks",
            str(only),
            "--format",
            "json",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
    )
    assert proc.returncode == 0, proc.stderr
    listing = json.loads(proc.stdout)
    assert [t["name"] for t in listing] == [first.stem]
    assert listing == cli_json(db, "trials")


def test_demo_reports_a_failing_notebook(tmp_path: Path) -> None:
    folder = tmp_path / "notebooks"
    folder.mkdir()
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nbformat.write(nb, folder / "broken.ipynb")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "nbprov.cli.demo",
            "--db",
            str(tmp_path / "s.db"),
            "--notebooks",
            str(folder),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env=subprocess_env(),
    )
    assert proc.returncode == 1
    assert "ZeroDivisionError" in proc.stderr and "1 of 1 notebooks failed" in proc.stderr


def test_the_demo_notebooks_are_realistic_experiments() -> None:
    assert len(NOTEBOOKS) >= 2
    assert {p.stem for p in NOTEBOOKS} == set(EXPECTED)
    for path in NOTEBOOKS:
        cells = code_cells(path)
        assert cells[0].source.strip() == "%load_ext nbprov"
        # Committed without outputs.
        assert all(not c.outputs and c.execution_count is None for c in cells), path.name
        stages = [c.source.split("\n", 1)[0] for c in cells if c.source.startswith("%tag ")]
        assert stages == [f"%tag {s}" for s in STAGES], path.name
        tags = tags_of(path)
        assert "hyperparam" in tags.values() and "metric" in tags.values()
        params = parameters_of(path)
        assert "random_seed" in params
        assert {n for n, r in tags.items() if r == "hyperparam"} <= set(params)


def test_every_demo_notebook_became_a_trial(demo_run: tuple[Path, list[dict[str, Any]]]) -> None:
    db, listing = demo_run
    assert [t["name"] for t in listing] == [name for _, name, _ in demo_runs(NOTEBOOKS)]
    # Another process reading the same store sees the same trials.
    assert cli_json(db, "trials") == listing
    for trial in listing:
        assert trial["status"] == "ok"
        assert trial["ended_at"] is not None
        stem = RERUN[0] if trial["name"].startswith(RERUN[0]) else trial["name"]
        assert Path(trial["notebook"]) == default_notebook_dir() / f"{stem}.ipynb"


def test_the_rerun_records_its_parameters_and_their_metrics(
    demo_run: tuple[Path, list[dict[str, Any]]],
) -> None:
    _, listing = demo_run
    first, again = (t for t in listing if t["name"].startswith(RERUN[0]))
    path = default_notebook_dir() / f"{RERUN[0]}.ipynb"
    params = {**parameters_of(path), **RERUN[1]}
    assert again["hyperparams"] == {**first["hyperparams"], **RERUN[1]}
    for name, value in EXPECTED[RERUN[0]](params).items():
        assert again["metrics"][name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_the_readme_examples_run_as_written_after_the_demo(
    demo_run: tuple[Path, list[dict[str, Any]]], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    db, _ = demo_run
    monkeypatch.chdir(tmp_path)  # an example writes a file (--plot charts.html)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    examples = [line[2:].split() for line in readme.splitlines() if line.startswith("$ nbprov ")]
    assert examples
    for words in examples:
        proc = nbprov_cli(db, *words[1:])
        assert proc.returncode == 0, (words, proc.stderr)
        assert proc.stdout.strip(), words
    assert "vegaEmbed(" in (tmp_path / "charts.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_tagged_values_are_the_experiment_s_values(
    demo_run: tuple[Path, list[dict[str, Any]]], path: Path
) -> None:
    _, listing = demo_run
    (trial,) = [t for t in listing if t["name"] == path.stem]
    params = parameters_of(path)
    tags = tags_of(path)

    hyper = {n: params[n] for n, role in tags.items() if role == "hyperparam"}
    assert trial["hyperparams"] == hyper

    expected = EXPECTED[path.stem](params)
    assert set(trial["metrics"]) == {n for n, role in tags.items() if role == "metric"}
    assert set(trial["metrics"]) == set(expected)
    for name, value in expected.items():
        assert trial["metrics"][name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_cell_is_an_activation_with_its_stage(
    demo_run: tuple[Path, list[dict[str, Any]]], path: Path
) -> None:
    db, listing = demo_run
    (trial,) = [t for t in listing if t["name"] == path.stem]
    shown = cli_json(db, "show", str(trial["id"]))
    cells = code_cells(path)
    activations = shown["activations"]

    assert len(activations) == len(cells)
    assert [a["cell_id"] for a in activations] == [c.id for c in cells]
    assert all(a["status"] == "ok" for a in activations)
    assert [a["stage"] for a in activations if a["stage"]] == STAGES
    for activation, cell in zip(activations, cells, strict=True):
        first = cell.source.split("\n", 1)[0]
        stage = first.split()[1] if first.startswith("%tag ") else None
        assert activation["stage"] == stage

    # A metric is recorded by the cell that computes it: the evaluate cell.
    (evaluate,) = [a for a in activations if a["stage"] == "evaluate"]
    metrics = [v for v in shown["variables"] if v["role"] == "metric"]
    assert metrics
    for variable in metrics:
        assert variable["execution_count"] == evaluate["execution_count"], variable["name"]
