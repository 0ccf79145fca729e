"""scriptify on the demo notebooks run in real kernels: every tagged metric is rebuilt by
its script, from the store alone, after the kernels are gone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import run_nbprov as nbprov

from nbprov.runs.execute import run_notebook

pytestmark = pytest.mark.timeout(600)

ROOT = Path(__file__).resolve().parents[2]
DEMOS = sorted((ROOT / "demo_notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("scriptify") / "demo.db"
    for notebook in DEMOS:
        result = run_notebook(notebook, db=db, trial_name=notebook.stem)
        assert result.ok, result.describe_failure()
    return db


def trial_json(db: Path, name: str) -> Any:
    proc = nbprov("show", name, "--db", str(db), "--format", "json", cwd=db.parent)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_demo_notebooks_exist() -> None:
    assert len(DEMOS) >= 2


@pytest.mark.parametrize("notebook", DEMOS, ids=[p.stem for p in DEMOS])
def test_every_tagged_metric_is_rebuilt(demo_store: Path, notebook: Path, tmp_path: Path) -> None:
    trial = trial_json(demo_store, notebook.stem)
    metrics = [v for v in trial["variables"] if v["role"] == "metric"]
    assert metrics, "each demo notebook tags metrics"
    for metric in metrics:
        name = metric["name"]
        script = tmp_path / f"{name}.py"
        requirements = tmp_path / f"{name}.txt"
        proc = nbprov(
            "scriptify", str(trial["id"]), name, "-o", str(script), "--verify",
            "--requirements", str(requirements), "--db", str(demo_store),
            cwd=tmp_path,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.startswith("verified:")
        text = script.read_text()
        body = text.split("_args = _options()")[1]
        assert "get_ipython" not in body and "%tag" not in body
        assert ".head()" not in body
        assert str(trial["environment"]["git"]["commit"]) in text
        # A fresh interpreter, run from anywhere, prints the recorded value last.
        run = subprocess.run(
            [sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path
        )
        assert run.returncode == 0, run.stderr
        assert run.stdout.strip().splitlines()[-1] == repr(metric["value"])
        pins = requirements.read_text().splitlines()[1:]
        assert any(p.startswith("scikit-learn==") for p in pins)
        # Every hyperparameter the metric depends on is an option.
        hyper = {v["name"] for v in trial["variables"] if v["role"] == "hyperparam"}
        helptext = subprocess.run(
            [sys.executable, str(script), "--help"], capture_output=True, text=True, check=True
        ).stdout
        assert any(f"--{h.replace('_', '-')}" in helptext for h in hyper)


def test_tampered_script_fails_verification(demo_store: Path, tmp_path: Path) -> None:
    trial = trial_json(demo_store, "diabetes_ridge")
    script = tmp_path / "r2.py"
    proc = nbprov("scriptify", str(trial["id"]), "r2", "-o", str(script), "--db", str(demo_store),
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    text = script.read_text()
    assert "default=0.1" in text
    script.write_text(text.replace("default=0.1", "default=0.2", 1))
    proc = nbprov("scriptify", str(trial["id"]), "r2", "--check", str(script),
                  "--db", str(demo_store), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout.startswith("MISMATCH")
    # The untouched options rebuild it again.
    script.write_text(text)
    proc = nbprov("scriptify", str(trial["id"]), "r2", "--check", str(script),
                  "--db", str(demo_store), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_array_value_verified_by_fingerprint(demo_store: Path, tmp_path: Path) -> None:
    trial = trial_json(demo_store, "diabetes_ridge")
    script = tmp_path / "y_pred.py"
    proc = nbprov("scriptify", str(trial["id"]), "y_pred", "-o", str(script), "--verify",
                  "--db", str(demo_store), cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "fingerprint" in proc.stdout


def test_parameterised_run_scriptified(tmp_path: Path) -> None:
    """A run with an injected parameter: the script's default is the injected value."""
    db = tmp_path / "p.db"
    notebook = ROOT / "demo_notebooks" / "diabetes_ridge.ipynb"
    result = run_notebook(notebook, db=db, parameters={"alpha": 3.5})
    assert result.ok, result.describe_failure()
    script = tmp_path / "mae.py"
    proc = nbprov("scriptify", "latest", "mae", "-o", str(script), "--verify", "--db", str(db),
                  cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = script.read_text()
    assert "default=3.5" in text
    assert "alpha = 0.1" not in text  # the overwritten value is not in the slice
