"""``nbprov sweep`` end to end, interrupted and on Ray: Ctrl-C leaves finished trials and a
resumable study, locally and on a local Ray instance; Ray runs points as tasks."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import ENTRY, subprocess_env
from support import run_nbprov as nbprov
from sweep_cli import check_linked, cli_json, linked, notebook

pytest.importorskip("optuna")
pytestmark = pytest.mark.timeout(600)


@pytest.mark.parametrize("engine", [[], ["--ray"]], ids=["local", "ray"])
def test_ctrl_c_leaves_finished_trials_and_a_resumable_study(
    tmp_path: Path, engine: list[str]
) -> None:
    if engine:
        pytest.importorskip("ray")
    nb = notebook(tmp_path / "small.ipynb")
    db = tmp_path / "store.db"
    env = {**subprocess_env(), "SWEEP_TEST_SLEEP": "3"}
    proc = subprocess.Popen(
        [sys.executable, "-c", ENTRY, "sweep", str(nb), "--param", "x=float:0:0.8",
         "--metric", "score", "--trials", "6", "--jobs", "1", "--name", "c",
         "--db", str(db), "--seed", "1", *engine],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if db.exists() and proc.poll() is None:
            try:
                if linked(db, "c"):
                    break
            except sqlite3.OperationalError:
                pass  # the table is not there yet
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("no point finished in time")
    time.sleep(2)  # the next point's kernel is running its cells
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "--resume" in err
    summary = cli_json(db, "study", "c")
    states = [p["state"] for p in summary["history"]]
    assert "running" not in states
    assert states.count("complete") >= 1
    assert summary["counts"].get("fail", 0) >= 1  # the point that was stopped
    stopped = [p for p in summary["history"] if p["state"] == "fail"]
    assert all(p["error"] == "interrupted" for p in stopped)
    for point in stopped:
        if point["trial"] is not None:  # its kernel had started: its cell was interrupted
            last = cli_json(db, "show", str(point["trial"]))["activations"][-1]
            assert last["status"] == "interrupted", last
            assert last["error"]["type"] == "KeyboardInterrupt"
            assert cli_json(db, "show", str(point["trial"]))["status"] == "interrupted"
    check_linked(db, "c", summary)
    finished = len(summary["history"])
    proc2 = nbprov("sweep", str(nb), "--name", "c", "--resume", "--trials", "1", "--db", str(db),
                   "-q", cwd=tmp_path)  # fmt: skip
    assert proc2.returncode == 0, proc2.stderr
    assert len(cli_json(db, "study", "c")["history"]) == finished + 1


def test_ray_runs_points_as_tasks(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    nb = notebook(tmp_path / "small.ipynb")
    db = tmp_path / "store.db"
    # A local Ray instance: 2 CPUs (--jobs 2), the smallest object store.
    proc = nbprov(
        "sweep", str(nb), "--param", "x=0.1,0.95", "--sampler", "grid", "--metric", "score",
        "--jobs", "2", "--ray", "--name", "r", "--db", str(db), "--format", "json",
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["counts"] == {"complete": 1, "fail": 1}
    check_linked(db, "r", summary)
    assert len(linked(db, "r")) == 2
    # nbprov run --grid runs on the same engine.
    proc = nbprov("run", str(nb), "--grid", "x=0.2,0.4", "--ray", "-j", "2", "--db", str(db),
                  "--format", "json", "-q", cwd=tmp_path)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert [r["parameters"]["x"] for r in json.loads(proc.stdout)] == [0.2, 0.4]
