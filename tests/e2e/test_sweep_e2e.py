"""``nbprov sweep`` end to end: real kernels, a real Optuna study in the store's database,
local worker processes and a local Ray instance, Ctrl-C, ``--resume``, ``nbprov study``,
and ``%sweep`` in a shell. Ctrl-C and Ray: test_sweep_interrupt_e2e.py (a file of its own,
so a parallel run can give it another worker)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_nbprov as nbprov
from sweep_cli import check_linked, cli_json, notebook

pytest.importorskip("optuna")
pytestmark = pytest.mark.timeout(600)


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
