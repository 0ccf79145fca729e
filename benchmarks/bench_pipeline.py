"""What ``nbprov pipeline`` costs on the demo notebooks, and what its package costs to run.

Runs each demo notebook once as a trial (into a temporary store, or uses ``--db``), then
for each trial and its tagged metrics: the time to plan and write the package, the time
of ``--verify`` (the generated tests: plain runner and a full Luigi run, in a fresh
interpreter), the plain runner's time as a ratio to the recorded trial's duration, and a
Luigi run after one hyperparameter changed, as a ratio to a first full run.

    python benchmarks/bench_pipeline.py [--db STORE] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from nbprov.cli.demo import demo_notebooks
from nbprov.core.pipeline import plan_pipeline, write_package
from nbprov.core.pipeline.luigi_writer import class_name
from nbprov.core.pipeline.verify import verify_package
from nbprov.runs.execute import run_notebook
from nbprov.store import Store
from nbprov.store.models import Trial, VariableTag


def _seconds(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def _trials(db: str) -> list[tuple[int, str, float, list[str], dict[str, Any]]]:
    """(id, notebook stem, duration s, metrics, hyperparameters) of each trial."""
    store = Store.open(db)
    out = []
    try:
        with store.session() as session:
            for trial in session.query(Trial).order_by(Trial.id):
                tags = session.query(VariableTag).filter(VariableTag.trial_id == trial.id).all()
                metrics = sorted(t.name for t in tags if t.role == "metric")
                if not metrics or not trial.started_at or not trial.ended_at:
                    continue
                took = (trial.ended_at - trial.started_at).total_seconds()
                out.append((trial.id, Path(trial.notebook or "").stem, took, metrics, {}))
    finally:
        store.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a store holding the demo trials (default: run them)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        db = args.db
        if db is None:
            db = str(Path(tmp) / "demo.db")
            for notebook in demo_notebooks():
                result = run_notebook(notebook, db=db, trial_name=notebook.stem)
                assert result.ok, result.describe_failure()
        rows = []
        for trial, stem, took, metrics, _ in _trials(db):
            out = Path(tmp) / f"p{trial}"
            times = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                plan = plan_pipeline(trial, metrics, db=db)
                write_package(plan, out)
                times.append(time.perf_counter() - started)
            started = time.perf_counter()
            verified = verify_package(out, plan.package)
            verify_s = time.perf_counter() - started
            plain = _seconds([sys.executable, "-m", plan.package], out)
            last = class_name(plan.stages[-1].name)
            luigi = [sys.executable, "-m", "luigi", "--module", f"{plan.package}.luigi_tasks",
                     last, "--local-scheduler", "--data-dir", str(out / "data")]  # fmt: skip
            first = _seconds(luigi, out)
            changed = ""
            hyper = [p for p, k in plan.param_kinds.items() if k == "hyperparam"]
            readers = [s.name for s in plan.stages if hyper and hyper[-1] in s.params]
            if hyper and isinstance(plan.params[hyper[-1]], (int, float)):
                value = plan.params[hyper[-1]] * 2 or 1
                again = _seconds([*luigi, f"--{hyper[-1].replace('_', '-')}", str(value)], out)
                changed = f"{again / first:.2f}x ({hyper[-1]} -> {readers[0]}...)"
            rows.append(
                {
                    "trial": f"{trial} {stem}",
                    "stages": len(plan.stages),
                    "generate_s": round(statistics.median(times), 3),
                    "verify_s": round(verify_s, 2),
                    "verified": verified.ok,
                    "plain_vs_notebook": f"{plain / took:.2f}x" if took else "",
                    "luigi_first_s": round(first, 2),
                    "luigi_after_change": changed,
                }
            )
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
