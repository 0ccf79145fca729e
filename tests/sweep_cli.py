"""What the end-to-end tests of ``nbprov sweep`` share: a small searchable notebook, the
command run in a subprocess, and checks of the study's links to recorded trials."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from nbformat.v4 import new_code_cell
from support import run_nbprov as nbprov
from support import write_notebook


def notebook(path: Path) -> Path:
    """``score`` peaks at x = 0.3; x above 0.9 raises; SLEEP slows the last cell."""
    params = new_code_cell("x = 0.5\nk = 1")
    params.metadata["tags"] = ["parameters"]
    return write_notebook(
        path,
        [
            params,
            new_code_cell("%tag_var x hyperparam\n%tag_var k hyperparam\n%tag_var score metric"),
            new_code_cell(
                "import os, time\n"
                "time.sleep(float(os.environ.get('SWEEP_TEST_SLEEP', '0')))\n"
                "if x > 0.9:\n    raise ValueError(f'x too big: {x}')\n"
                "score = -(x - 0.3) ** 2 + k / 100"
            ),
        ],
    )


def cli_json(db: Path, *args: str) -> Any:
    proc = nbprov(*args, "--db", str(db), "--format", "json", cwd=db.parent)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def linked(db: Path, study: str) -> dict[int, int]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "select number, trial_id from study_trial where study = ?", (study,)
        ).fetchall()
    return dict(rows)


def check_linked(db: Path, study: str, summary: dict[str, Any]) -> None:
    """Every finished point is a recorded trial, named STUDY#N, linked to its number."""
    links = linked(db, study)
    trials = {t["id"]: t for t in cli_json(db, "trials")}
    for point in summary["history"]:
        if point["trial"] is None:
            continue
        assert links[point["number"]] == point["trial"]
        trial = trials[point["trial"]]
        assert trial["name"] == f"{study}#{point['number']}"
        assert trial["hyperparams"]["x"] == pytest.approx(point["params"]["x"])
        if point["state"] == "complete":
            assert trial["metrics"]["score"] == pytest.approx(point["value"])
            assert trial["status"] == "ok"
