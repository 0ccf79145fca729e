"""``nbprov sweep`` end to end: real kernels, a real Optuna study in the store's database,
local worker processes and a local Ray instance, Ctrl-C, ``--resume``, ``nbprov study``,
and ``%sweep`` in a shell."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from nbformat.v4 import new_code_cell
from support import subprocess_env, write_notebook

pytest.importorskip("optuna")
pytestmark = pytest.mark.timeout(600)

ENTRY = "import sys; from nbprov.cli.main import main; sys.exit(main(sys.argv[1:]))"


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


def nbprov(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env or subprocess_env(),
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


def test_grid_failures_resume_and_study(tmp_path: Path) -> None:
    nb = notebook(tmp_path / "small.ipynb")
    db = tmp_path / "store.db"
    proc = nbprov(
        "sweep", str(nb), "--param", "x=0.3,0.95", "--param", "k=1,2", "--metric", "score",
        "--sampler", "grid", "--trials", "3", "--jobs", "2", "--name", "g", "--db", str(db),
        cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "best: score = 0.02" in proc.stdout  # x = 0.3, k = 2 or the best of three
    assert "parameter importance" in proc.stdout
    # The rest of the grid, on resume: the product is covered, once.
    proc = nbprov("sweep", str(nb), "--name", "g", "--resume", "--db", str(db), "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    summary = cli_json(db, "study", "g")
    seen = sorted((p["params"]["x"], p["params"]["k"]) for p in summary["history"])
    assert seen == [(0.3, 1), (0.3, 2), (0.95, 1), (0.95, 2)]
    assert summary["counts"] == {"complete": 2, "fail": 2}
    assert summary["best"]["params"] == {"x": 0.3, "k": 2}
    # Failures are recorded trials too, told to Optuna as failed, with the error.
    for point in summary["history"]:
        if point["params"]["x"] == 0.95:
            assert point["state"] == "fail"
            assert "x too big" in point["error"]
            assert cli_json(db, "show", str(point["trial"]))["status"] == "error"
    check_linked(db, "g", summary)
    # Every grid point has run: nothing more to do.
    proc = nbprov("sweep", str(nb), "--name", "g", "--resume", "--db", str(db), cwd=tmp_path)
    assert "every grid point has run" in proc.stderr
    assert cli_json(db, "study") == ["g"]


def test_tpe_then_resume_adds_to_the_study(tmp_path: Path) -> None:
    nb = notebook(tmp_path / "small.ipynb")
    db = tmp_path / "store.db"
    base = ("--metric", "score", "--db", str(db), "-q")
    proc = nbprov(
        "sweep", str(nb), "--param", "x=float:0:0.8", "--trials", "2", "--jobs", "2",
        "--name", "t", "--seed", "3", *base, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    proc = nbprov(
        "sweep", str(nb), "--name", "t", "--resume", "--trials", "1", "--format", "json",
        "--db", str(db), "-q", cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert [p["number"] for p in summary["history"]] == [0, 1, 2]
    assert summary["counts"] == {"complete": 3}
    assert len(summary["run"]["trials"]) == 1
    check_linked(db, "t", summary)
    # A study that exists is not started again by mistake.
    proc = nbprov("sweep", str(nb), "--param", "x=float:0:1", "--name", "t", *base, cwd=tmp_path)
    assert proc.returncode == 2 and "exists" in proc.stderr


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


def test_sweep_magic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.error import UsageError
    from support import shell_recording_into

    nb = notebook(tmp_path / "small.ipynb")
    with shell_recording_into(tmp_path / "kernel") as shell:
        with pytest.raises(UsageError, match="--sampler"):
            shell.run_line_magic("sweep", f"{nb} --param x=1,2 --sampler nope")
        with pytest.raises(UsageError, match="--metric"):
            shell.run_line_magic("sweep", f"{nb} --param x=1,2")
        status = shell.run_line_magic(
            "sweep", f"{nb} --param x=0.3 --sampler grid --metric score --name m -q"
        )
        assert status is None
        out = capsys.readouterr().out
        assert "best: score = 0.01" in out
        # Its charts follow (drawn by JupyterLab; their text form here).
        assert "<m: score by point>" in out and "<m: parameters and score>" in out
        shell.run_line_magic("compare", "--study m")
        assert "best: score = 0.01" in capsys.readouterr().out
        with pytest.raises(UsageError, match="no study named"):
            shell.run_line_magic("compare", "--study nope")
        recorder_db = tmp_path / "kernel"
    dbs = list(recorder_db.rglob("*.db"))
    assert dbs, "the search recorded into the kernel's store"
    summary = cli_json(dbs[0], "study", "m")
    assert summary["counts"] == {"complete": 1}
