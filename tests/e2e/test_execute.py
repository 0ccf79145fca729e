"""The headless executor (nbprov.runs.execute) against real kernels, read back through the CLI."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from support import cli_json, nbprov_cli, write_notebook

from nbprov.runs.execute import (
    INJECTED_TAG,
    cell_kernel_seconds,
    inject_parameters,
    normalize_db,
    run_notebook,
)

pytestmark = pytest.mark.timeout(180)


def code_cells(path: Path) -> list[Any]:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


# --- without a kernel -------------------------------------------------------------------


def test_normalize_db_makes_relative_locations_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert normalize_db(None) is None
    assert normalize_db("runs/store.db") == str(tmp_path / "runs" / "store.db")
    assert normalize_db("sqlite:///rel.db") == f"sqlite:///{tmp_path / 'rel.db'}"
    assert normalize_db("sqlite:////abs/x.db") == "sqlite:////abs/x.db"
    assert normalize_db("sqlite:///:memory:") == "sqlite:///:memory:"
    url = "postgresql+psycopg://u:p@host:5432/prov"
    assert normalize_db(url) == url


def test_inject_parameters_goes_after_the_parameters_cell_and_replaces_itself() -> None:
    params = new_code_cell("alpha = 1.0")
    params.metadata["tags"] = ["parameters"]
    nb = new_notebook(cells=[new_code_cell("%load_ext nbprov"), params, new_code_cell("alpha")])

    index = inject_parameters(nb, {"alpha": 0.25, "label": "x"})
    assert index == 2
    assert nb.cells[2].metadata["tags"] == [INJECTED_TAG]
    namespace: dict[str, object] = {}
    exec(nb.cells[2].source, namespace)
    assert namespace["alpha"] == 0.25 and namespace["label"] == "x"

    inject_parameters(nb, {"alpha": 3})
    injected = [c for c in nb.cells if INJECTED_TAG in c.metadata.get("tags", [])]
    assert len(nb.cells) == 4 and len(injected) == 1
    assert "alpha = 3" in injected[0].source

    with pytest.raises(ValueError):
        inject_parameters(nb, {"not a name": 1})
    with pytest.raises(ValueError):
        inject_parameters(nb, {"obj": object()})


def test_inject_parameters_without_a_parameters_cell_goes_first() -> None:
    nb = new_notebook(cells=[new_code_cell("x = 1")])
    assert inject_parameters(nb, {"x": 2}) == 0


# --- real kernels -----------------------------------------------------------------------


def test_records_a_notebook_that_never_loads_nbprov(tmp_path: Path) -> None:
    (tmp_path / "data.txt").write_text("41\n")
    nb_path = write_notebook(
        tmp_path / "plain.ipynb",
        [
            new_markdown_cell("# No nbprov here"),
            new_code_cell("%tag read\nwith open('data.txt') as f:\n    raw = int(f.read())"),
            new_code_cell("%tag_var answer metric\nanswer = raw + 1"),
            new_code_cell("print(answer)"),
        ],
    )
    db = tmp_path / "store.db"
    log = tmp_path / "writer.log"

    result = run_notebook(
        nb_path, db=db, trial_name="plain-run", env={**os.environ, "NBPROV_WRITER_LOG": str(log)}
    )

    assert result.ok, result.describe_failure()
    assert result.failure is None and result.describe_failure() == ""
    assert result.recording_problem is None
    assert result.db == str(db) and result.path == nb_path
    # The data file was found: the kernel ran in the notebook's directory.
    assert result.notebook.cells[3].outputs[0]["text"] == "42\n"
    # Timing metadata gives one in-kernel duration per code cell.
    assert len(result.cell_seconds) == 3
    assert all(s >= 0 for s in result.cell_seconds)
    assert result.kernel_seconds == pytest.approx(sum(result.cell_seconds))
    assert cell_kernel_seconds(result.notebook) == result.cell_seconds
    if sys.platform.startswith("linux"):
        assert result.kernel_cpu_seconds is not None and result.kernel_cpu_seconds >= 0
    # The notebook file itself is untouched.
    assert all(not c.get("outputs") for c in code_cells(nb_path))

    listed = nbprov_cli(db, "trials", "--format", "json")
    # The writer's log says what the kernel wrote, should its trial be missing.
    assert listed.returncode == 0, f"{listed.stderr}\nwriter log:\n{log.read_text()}"
    assert "committed" in log.read_text()
    (trial,) = json.loads(listed.stdout)
    assert trial["name"] == "plain-run"
    assert trial["notebook"] == str(nb_path)
    assert trial["metrics"] == {"answer": 42}

    shown = cli_json(db, "show", "plain-run")
    sources = [c.source for c in code_cells(nb_path)]
    ids = [c.id for c in code_cells(nb_path)]
    activations = shown["activations"]
    # Every code cell once, in order, tied to its notebook cell, and nothing added.
    assert [a["execution_count"] for a in activations] == [1, 2, 3]
    assert [a["cell_id"] for a in activations] == ids
    assert [a["stage"] for a in activations] == ["read", None, None]
    assert [a["status"] for a in activations] == ["ok"] * 3
    assert [a["cell_hash"] for a in activations] == [
        hashlib.sha256(s.encode("utf-8")).hexdigest() for s in sources
    ]


def test_a_notebook_that_loads_nbprov_itself_is_recorded_once(tmp_path: Path) -> None:
    nb_path = write_notebook(
        tmp_path / "loads.ipynb",
        [
            new_code_cell("%load_ext nbprov"),
            new_code_cell("%load_ext nbprov\nx = 1"),
            new_code_cell("x += 1"),
        ],
    )
    db = tmp_path / "store.db"
    result = run_notebook(nb_path, db=db)
    assert result.ok, result.describe_failure()

    trials = cli_json(db, "trials")
    assert len(trials) == 1
    shown = cli_json(db, "show", "latest")
    assert [a["execution_count"] for a in shown["activations"]] == [1, 2, 3]


def test_reports_the_failing_cell_and_writes_the_output(tmp_path: Path) -> None:
    nb_path = write_notebook(
        tmp_path / "fails.ipynb",
        [
            new_code_cell("x = 1"),
            new_markdown_cell("text"),
            new_code_cell("print('before')\nraise ValueError(f'bad value {x}')"),
            new_code_cell("never = True"),
        ],
    )
    db = tmp_path / "store.db"
    out = tmp_path / "out" / "fails.out.ipynb"

    result = run_notebook(nb_path, db=db, output=out)

    assert not result.ok
    failure = result.failure
    assert failure is not None
    assert failure.cell_index == 2
    assert failure.execution_count == 2
    assert failure.cell_id == nbformat.read(nb_path, as_version=4).cells[2].id
    assert failure.ename == "ValueError"
    assert failure.evalue == "bad value 1"
    assert "raise ValueError" in failure.source
    message = result.describe_failure()
    assert "cell 2 [2]" in message and "ValueError: bad value 1" in message

    executed = nbformat.read(out, as_version=4)
    assert result.output == out
    assert executed.cells[2].outputs[-1]["output_type"] == "error"
    assert executed.cells[3].get("execution_count") is None

    shown = cli_json(db, "show", "latest")
    statuses = [a["status"] for a in shown["activations"]]
    assert statuses == ["ok", "error"]


def test_a_cell_timeout_is_reported_as_a_failure_of_that_cell(tmp_path: Path) -> None:
    nb_path = write_notebook(
        tmp_path / "slow.ipynb",
        [new_code_cell("x = 1"), new_code_cell("import time\ntime.sleep(60)")],
    )
    result = run_notebook(nb_path, db=tmp_path / "store.db", timeout=2)
    assert not result.ok
    assert result.failure is not None
    assert result.failure.cell_index == 1
    assert "Timeout" in result.failure.ename or "timed out" in result.failure.evalue.lower()
    # The kernel is shut down without waiting for the cell (nor asked to write first: that
    # request would wait behind the cell, up to a minute).
    assert result.wall_seconds < 30


def test_without_the_extension_nothing_is_recorded(tmp_path: Path) -> None:
    nb_path = write_notebook(tmp_path / "plain.ipynb", [new_code_cell("y = 2 * 21\ny")])
    db = tmp_path / "store.db"
    result = run_notebook(nb_path, db=db, load_extension=False)
    assert result.ok, result.describe_failure()
    assert result.notebook.cells[0].outputs[0]["data"]["text/plain"] == "42"
    assert not db.exists()
    assert not (tmp_path / ".nbprov").exists()


def test_parameters_are_injected_and_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = new_code_cell("alpha = 1.0\nseed = 0")
    params.metadata["tags"] = ["parameters"]
    nb_path = write_notebook(
        tmp_path / "param.ipynb",
        [
            params,
            new_code_cell("%tag_var alpha hyperparam\n%tag_var seed hyperparam"),
            new_code_cell("%tag evaluate\nscore = alpha * 10 + seed\n%tag_var score metric"),
        ],
    )
    monkeypatch.chdir(tmp_path)
    # A relative store path is resolved against the caller's directory, not the kernel's.
    (tmp_path / "sub").mkdir()
    result = run_notebook(nb_path, db="sub/rel.db", parameters={"alpha": 0.5, "seed": 3})
    assert result.ok, result.describe_failure()
    assert result.db == str(tmp_path / "sub" / "rel.db")

    (trial,) = cli_json(tmp_path / "sub" / "rel.db", "trials")
    assert trial["hyperparams"] == {"alpha": 0.5, "seed": 3}
    assert trial["metrics"] == {"score": 8.0}
    # The notebook on disk keeps its own parameters.
    assert len(code_cells(nb_path)) == 3


def test_the_kernel_writes_everything_before_it_is_shut_down(tmp_path: Path) -> None:
    """At exit the recorder gives its writer only a few seconds; the runner first asks
    the kernel to write everything, so a writer that is slow then loses nothing. Here
    the exit allows no time at all, and the writer is held up behind a slow operation
    when the last cell ends. A markdown cell and an empty one, which the kernel never sees,
    must not make the runner think a cell is still running and skip that."""
    nb_path = write_notebook(
        tmp_path / "slow.ipynb",
        [
            new_markdown_cell("# A notebook with text in it"),
            new_code_cell(""),
            new_code_cell("%tag_var answer metric\nanswer = 41"),
            new_code_cell(
                "import time\nimport nbprov\nimport nbprov.kernel.attach as attach\n"
                "attach.EXIT_TIMEOUT = 0.0\n"
                "nbprov.get_recorder().writer.submit(lambda conn: time.sleep(5))"
            ),
            new_code_cell("answer += 1"),
        ],
    )
    db = tmp_path / "store.db"

    result = run_notebook(nb_path, db=db, trial_name="slow-writer")

    assert result.ok, result.describe_failure()
    assert result.recording_problem is None
    (trial,) = cli_json(db, "trials")
    assert trial["metrics"] == {"answer": 42}
    shown = cli_json(db, "show", "latest")
    assert [a["execution_count"] for a in shown["activations"]] == [1, 2, 3]


def test_a_run_whose_records_did_not_reach_the_store_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The notebook runs, but its store cannot be written: the result says which store
    and why, instead of a trial that is silently missing."""
    monkeypatch.setattr("nbprov.runs.execute.FLUSH_TIMEOUT", 1.0)
    nb_path = write_notebook(tmp_path / "n.ipynb", [new_code_cell("answer = 42")])
    (tmp_path / "plain-file").write_text("a file where the store's folder should be")
    db = tmp_path / "plain-file" / "store.db"

    result = run_notebook(nb_path, db=db, trial_name="unwritten")

    assert result.ok, result.describe_failure()  # the notebook itself ran
    problem = result.recording_problem
    assert problem is not None and str(db) in problem
    assert "could not be written within 1 s" in problem


def test_a_write_given_up_during_the_run_is_reported_at_its_end(tmp_path: Path) -> None:
    """An operation the store refused while cells ran (warned in a cell's output, which
    nobody may read in a headless run) is named again in the run's result."""
    nb_path = write_notebook(
        tmp_path / "refused.ipynb",
        [
            new_code_cell(
                "import nbprov\n"
                "nbprov.get_recorder().writer.submit(lambda conn: conn.exec_driver_sql("
                "'INSERT INTO no_such_table VALUES (1)'))"
            ),
            new_code_cell("answer = 42"),
        ],
    )
    db = tmp_path / "store.db"

    result = run_notebook(nb_path, db=db, trial_name="refused")

    assert result.ok, result.describe_failure()
    problem = result.recording_problem
    assert problem is not None and "1 write was given up" in problem
    assert "no_such_table" in problem
    # Everything else of the trial is there.
    shown = cli_json(db, "show", "refused")
    assert [a["execution_count"] for a in shown["activations"]] == [1, 2]
