"""%deps in a real kernel and ``nbprov deps`` from another process on the same store,
with Graphviz's ``dot`` on the PATH and without it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from nbprov.render.graph import DOT_MIME

pytestmark = pytest.mark.timeout(300)

REPO = Path(__file__).resolve().parents[2]
CELLS = [
    "%load_ext nbprov",
    "import numpy as np\nnp.random.seed(0)",
    "alpha = 0.5",
    "noise = np.random.rand(3)",
    "m = float(alpha * 2 + noise.sum())",
    "print(m)",
    "alpha = 1.0",
    "%tag_var m metric\n%tag_var alpha hyperparam",
    "%deps m",
]
SLICE = [CELLS[1], CELLS[2], CELLS[3], CELLS[4]]


def _env(db: Path, with_dot: bool) -> dict[str, str]:
    env = dict(os.environ)
    env["NBPROV_DB"] = str(db)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if not with_dot:
        # Only the interpreter's own directory: no Graphviz binaries reachable.
        env["PATH"] = str(Path(sys.executable).parent)
    return env


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nbprov", "deps", "latest", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.mark.parametrize("with_dot", [True, False], ids=["dot", "no-dot"])
def test_deps_in_kernel_and_cli(tmp_path: Path, with_dot: bool) -> None:
    if with_dot and shutil.which("dot") is None:
        pytest.skip("Graphviz dot is not installed")
    if not with_dot and (Path(sys.executable).parent / "dot").exists():
        pytest.skip("dot sits next to the interpreter; cannot hide it by PATH")
    db = tmp_path / "store" / "nbprov.db"
    env = _env(db, with_dot)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = NotebookClient(
        nb, kernel_name="python3", timeout=120, resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env=env)

    outputs = nb.cells[-1].outputs
    errors = [o for c in nb.cells for o in c.outputs if o.output_type == "error"]
    assert not errors, errors
    (shown,) = [o for o in outputs if o.output_type == "display_data"]
    data: dict[str, Any] = shown.data
    assert "digraph nbprov" in data[DOT_MIME]["dot"]
    if with_dot:
        assert "<svg" in data["image/svg+xml"]
    else:
        assert "image/svg+xml" not in data
        assert "digraph nbprov" in data["text/plain"]
        assert "m (metric)" in data["text/plain"]

    proc = _cli(env, "m", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    answer = json.loads(proc.stdout)
    assert answer["variable"] == "m"
    assert [a["source"] for a in answer["activations"]] == SLICE
    assert [a["execution_count"] for a in answer["activations"]] == [2, 3, 4, 5]
    roles = {v["name"]: v["role"] for v in answer["variables"]}
    assert roles["m"] == "metric" and roles["alpha"] == "hyperparam"
    alpha = [v for v in answer["variables"] if v["name"] == "alpha"]
    assert [v["value"] for v in alpha] == [0.5]  # the value m was computed from
    seq = {a["source"]: a["seq"] for a in answer["activations"]}
    drawn = {"kind": "uses", "variable": "random:numpy", "version": seq[CELLS[1]]}
    assert {**drawn, "activation": seq[CELLS[3]]} in answer["edges"]

    text = _cli(env, "m")
    assert text.returncode == 0, text.stderr
    assert "m (metric)" in text.stdout and "alpha = 0.5" in text.stdout

    dot = _cli(env, "m", "--format", "dot")
    assert dot.returncode == 0 and dot.stdout.startswith("digraph nbprov")

    svg = _cli(env, "m", "--format", "svg")
    if with_dot:
        assert svg.returncode == 0, svg.stderr
        assert "<svg" in svg.stdout
    else:
        assert svg.returncode == 2
        assert "dot" in svg.stderr and "Traceback" not in svg.stderr
