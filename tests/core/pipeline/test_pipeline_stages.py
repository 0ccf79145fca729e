"""nbprov pipeline on notebook shapes recorded in an in-process shell: the stages it
splits, and the generated package's own tests (plain runner and Luigi) in a fresh
interpreter, through ``verify_package``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import nbprov
from nbprov.core.pipeline import PipelineError, plan_pipeline, write_package
from nbprov.core.pipeline.package_writer import describe
from nbprov.core.pipeline.verify import verify_package
from tests.support import flush, run, shell_recording_into

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[InteractiveShell]:
    with shell_recording_into(tmp_path) as sh:
        yield sh


def record(shell: InteractiveShell, cells: list[str]) -> int:
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    for cell in cells:
        result = run(shell, cell)
        assert result.success, result.error_in_exec
    flush(shell)
    return int(recorder.trial_id)


def build(shell: InteractiveShell, tmp_path: Path, targets: list[str]) -> tuple[dict, Path]:
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    plan = plan_pipeline(recorder.trial_id, targets, store=recorder.store, package="shapes")
    out = tmp_path / "out"
    write_package(plan, out)
    return describe(plan), out


READ = "%tag read\nimport numpy as np\nrows = np.arange(20.0).reshape(10, 2)\nrows.shape"
PARAMS = "%tag_var scale hyperparam\nscale = 2.0"
FEATURES = "%tag features\nX = rows * scale\nX[:, 0] += 1\nprint(X.shape)"
SCORE_MUTATES = "%tag score\nX *= 0.5\ntotal = float(X.sum())"
# A method call that changes its receiver in place, which only the recording can tell.
SCORE_SORTS = "%tag score\nX.sort(axis=0)\nX[0, 0] = -X[-1, -1]\ntotal = float(X[0].sum())"
EVALUATE = "%tag evaluate\nresult = round(total + float(X[0, 0]), 6)\n%tag_var result metric"


def test_a_stage_that_mutates_an_earlier_stage_value(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    record(shell, [READ, PARAMS, FEATURES, SCORE_MUTATES, EVALUATE])
    plan, out = build(shell, tmp_path, ["result", "total"])
    stages = {s["name"]: s for s in plan["stages"]}
    assert list(stages) == ["read", "features", "score", "evaluate"]
    # A value passed to a call that did not change it comes from where it was made.
    assert stages["score"]["inputs"] == {"X": "features"}
    # score changed X in place: evaluate takes X from score, as the notebook saw it.
    assert stages["evaluate"]["inputs"] == {"X": "score", "total": "score"}
    assert stages["features"]["params"] == ["scale"]
    assert plan["params"] == {"scale": 2.0}
    text = (out / "shapes" / "features.py").read_text()
    assert "print(" not in text and "def run(rows, *, scale):" in text
    assert "import numpy as np" in (out / "shapes" / "read.py").read_text()
    assert "import numpy" not in text  # imports go only where they are used
    result = verify_package(out, "shapes")
    assert result.ok, result.message + result.output
    assert sorted(result.passed) == ["result", "total"]


def test_an_in_place_method_call_passes_the_changed_value_on(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    reversed_rows = "%tag features\nX = rows[::-1].copy()"
    record(shell, [READ, reversed_rows, SCORE_SORTS, EVALUATE])
    plan, out = build(shell, tmp_path, ["result"])
    stages = {s["name"]: s for s in plan["stages"]}
    assert stages["evaluate"]["inputs"]["X"] == "score"
    result = verify_package(out, "shapes")
    assert result.ok, result.message + result.output


def test_re_executed_and_out_of_order_cells(shell: InteractiveShell, tmp_path: Path) -> None:
    # features runs twice (the second time after scale changed), and a read cell runs
    # after the features cell: it joins the earlier read stage, which nothing between
    # depends on.
    record(
        shell,
        [
            READ,
            PARAMS,
            FEATURES,
            "%tag_var scale hyperparam\nscale = 3.0",
            FEATURES,
            "%tag read\noffset = 4.0",
            "%tag score\ntotal = float(X.sum()) + offset",
        ],
    )
    plan, out = build(shell, tmp_path, ["total"])
    stages = {s["name"]: s for s in plan["stages"]}
    assert list(stages) == ["read", "features", "score"]
    assert stages["score"]["inputs"] == {"X": "features", "offset": "read"}
    assert plan["params"] == {"scale": 3.0}
    result = verify_package(out, "shapes")
    assert result.ok, result.message + result.output


def test_stages_that_go_back_and_forth_get_numbered(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    # A read cell that uses a feature cannot join the read stage before features.
    record(
        shell,
        [
            READ,
            "%tag features\nX = rows * 2",
            "%tag read\nextra = X[:, :1] + 1",
            "%tag features\nboth = np.hstack([X, extra])",
            "%tag score\ntotal = float(both.sum())",
        ],
    )
    plan, out = build(shell, tmp_path, ["total"])
    names = [s["name"] for s in plan["stages"]]
    assert names == ["read", "features", "read_2", "features_2", "score"]
    result = verify_package(out, "shapes")
    assert result.ok, result.message + result.output


def test_a_cell_that_mixes_two_stages_and_untagged_cells(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    record(
        shell,
        [
            'import json\nconfig = json.loads(\'{"k": 3, "n": 10}\')',  # untagged: joins features
            # read and features in one cell tagged features: the cell is one stage
            "%tag features\nvalues = list(range(config['n']))\nsquares = [v * v for v in values]",
            "%tag score\nbest = sorted(squares)[-config['k']:]",
            "total = sum(best)",  # untagged, no later consumer: stays with score
        ],
    )
    plan, out = build(shell, tmp_path, ["total"])
    stages = {s["name"]: s for s in plan["stages"]}
    assert list(stages) == ["features", "score"]
    assert stages["score"]["inputs"] == {"config": "features", "squares": "features"}
    text = (out / "shapes" / "features.py").read_text()
    assert "untagged: joins features, its first consumer" in text
    assert "import json" in text
    result = verify_package(out, "shapes")
    assert result.ok, result.message + result.output


def test_helper_functions_and_classes_move_to_module_level(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    record(
        shell,
        [
            READ,
            "import functools\n\n@functools.lru_cache\ndef double(v):\n    return v * 2\n\n"
            "class Scaler:\n    def __init__(self, k):\n        self.k = k\n"
            "    def apply(self, a):\n        return a * double(self.k)",
            "%tag features\nX = Scaler(3).apply(rows)",
            "%tag score\ntotal = float(X.sum()) + double(1.5)",
        ],
    )
    plan, out = build(shell, tmp_path, ["total"])
    stages = {s["name"]: s for s in plan["stages"]}
    assert list(stages) == ["read", "features", "score"]
    # Neither function nor class is a value passed between stages.
    assert stages["score"]["inputs"] == {"X": "features"}
    features = (out / "shapes" / "features.py").read_text()
    assert "@functools.lru_cache\ndef double(v):" in features
    assert "\nclass Scaler:" in features
    score = (out / "shapes" / "score.py").read_text()
    assert "from .features import double" in score
    result = verify_package(out, "shapes")
    assert result.ok, result.message + result.output


def test_hyperparameters_toml_cannot_hold_or_luigi_takes_as_text(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    record(
        shell,
        [
            "%tag_var depth hyperparam\n%tag_var shape hyperparam\n%tag_var name hyperparam",
            "depth = None\nshape = (2, 5)\nname = 'run \"one\"'",
            "%tag read\nimport numpy as np\ngrid = np.ones(shape)",
            "%tag score\ntotal = float(grid.sum()) if depth is None else 0.0\nlabel = name",
        ],
    )
    plan, out = build(shell, tmp_path, ["total", "label"])
    assert plan["params"] == {"depth": None, "shape": [2, 5], "name": 'run "one"'}
    toml = (out / "shapes" / "params.toml").read_text()
    assert "# depth = None" in toml and "shape = [2, 5]" in toml
    result = verify_package(out, "shapes")
    assert result.ok, result.message + result.output


def test_unknown_targets_are_one_error(shell: InteractiveShell, tmp_path: Path) -> None:
    record(shell, [READ])
    with pytest.raises(PipelineError):
        build(shell, tmp_path, ["never_bound"])
    with pytest.raises(PipelineError):
        build(shell, tmp_path, [])


def test_a_folder_it_did_not_write_is_never_replaced(
    shell: InteractiveShell, tmp_path: Path
) -> None:
    record(shell, [READ])
    mine = tmp_path / "out" / "shapes"
    mine.mkdir(parents=True)
    (mine / "notes.txt").write_text("the user's own")
    with pytest.raises(PipelineError, match="not written by nbprov pipeline"):
        build(shell, tmp_path, ["rows"])
    assert (mine / "notes.txt").is_file()
    (mine / "notes.txt").unlink()
    mine.rmdir()
    build(shell, tmp_path, ["rows"])
    build(shell, tmp_path, ["rows"])  # its own package it replaces
