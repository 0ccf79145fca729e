"""The hooks in a real in-process IPython shell: activations, trials, tags, failures."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

import nbprov
from nbprov.core.trials import list_trials, show_trial
from nbprov.kernel.recorder import NbprovRecordingWarning


def activations(shell: InteractiveShell) -> list[dict[str, Any]]:
    flush(shell)
    return show_trial("latest")["activations"]  # type: ignore[no-any-return]


def variables(shell: InteractiveShell) -> dict[str, dict[str, Any]]:
    flush(shell)
    return {v["name"]: v for v in show_trial("latest")["variables"]}


def test_each_cell_becomes_an_activation(shell: InteractiveShell) -> None:
    source = "x = 1\ny = x + 1  # ünïcode"
    run(shell, source, cell_id="cell-a")
    run(shell, "z = y * 2")
    acts = activations(shell)
    assert [a["execution_count"] for a in acts] == [2, 3]
    first = acts[0]
    assert first["cell_id"] == "cell-a"
    assert first["cell_hash"] == hashlib.sha256(source.encode("utf-8")).hexdigest()
    assert first["source"] == source
    assert first["status"] == "ok"
    assert first["duration_s"] is not None and first["duration_s"] >= 0
    assert first["started_at"].endswith("+00:00")
    assert acts[1]["cell_id"] is None


def test_errors_and_interrupts_are_recorded_with_the_cells_own_exception(
    shell: InteractiveShell,
) -> None:
    result = run(shell, "1 / 0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    result = run(shell, "raise KeyboardInterrupt")
    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    run(shell, "def broken(:\n    pass")
    acts = activations(shell)
    assert [a["status"] for a in acts] == ["error", "interrupted", "error"]
    assert acts[0]["error"] == {"type": "ZeroDivisionError", "message": "division by zero"}
    assert acts[2]["error"]["type"] == "SyntaxError"


def test_a_trial_whose_last_cell_was_interrupted_reads_interrupted(
    shell: InteractiveShell, store_path: Path
) -> None:
    run(shell, "x = 1")
    run(shell, "raise KeyboardInterrupt")
    flush(shell)
    nbprov.unload_ipython_extension(shell)
    with sqlite3.connect(store_path) as conn:
        assert conn.execute("select status from trial").fetchall() == [("interrupted",)]


def test_each_distinct_source_is_stored_once(shell: InteractiveShell, store_path: Path) -> None:
    for _ in range(3):
        run(shell, "counter = 1")
    run(shell, "other = 2")
    flush(shell)
    with sqlite3.connect(store_path) as conn:
        sources = [row[0] for row in conn.execute("select source from code")]
        count = conn.execute("select count(*) from activation").fetchone()[0]
    assert sorted(sources) == ["counter = 1", "other = 2"]
    assert count == 4


def test_loading_twice_never_double_records(shell: InteractiveShell) -> None:
    run(shell, "%load_ext nbprov")
    nbprov.load_ipython_extension(shell)  # direct call, past IPython's own guard
    run(shell, "a = 1")
    acts = activations(shell)
    assert [a["source"] for a in acts] == ["%load_ext nbprov", "a = 1"]
    assert len(list_trials()) == 1


def test_unload_removes_the_hooks_and_ends_the_trial(shell: InteractiveShell) -> None:
    run(shell, "a = 1")
    run(shell, "%unload_ext nbprov")
    run(shell, "b = 2")
    assert nbprov.get_recorder(shell) is None
    record = show_trial("latest")
    assert [a["source"] for a in record["activations"]] == ["a = 1", "%unload_ext nbprov"]
    assert record["status"] == "ok"
    assert record["ended_at"] is not None
    run(shell, "%load_ext nbprov")
    flush(shell)
    assert len(list_trials()) == 2


def test_stage_tags(shell: InteractiveShell) -> None:
    run(shell, "%tag read\nrows = [1, 2, 3]")
    run(shell, "%tag features\nfeat = [r * 2 for r in rows]")
    run(shell, "%tag my-own-stage\npass")
    run(shell, "plain = 1")
    stages = [a["stage"] for a in activations(shell)]
    assert stages == ["read", "features", "my-own-stage", None]


def test_tagged_variable_values_and_history(shell: InteractiveShell) -> None:
    run(shell, "%tag_var alpha hyperparam\n%tag_var score metric\n%tag_var items data")
    run(shell, "alpha = 0.5")
    run(shell, "score = alpha * 2")
    run(shell, "items = [1, 2]")
    run(shell, "items.append(3)")  # changed in place: recorded again
    run(shell, "len(items); print(alpha)")  # reads only: nothing new
    run(shell, "alpha = 1")  # int now, not float
    found = variables(shell)
    assert found["alpha"]["role"] == "hyperparam"
    assert found["alpha"]["value"] == 1 and isinstance(found["alpha"]["value"], int)
    assert [h["value"] for h in found["alpha"]["history"]] == [0.5, 1]
    assert isinstance(found["alpha"]["history"][0]["value"], float)
    assert found["score"]["value"] == 1.0
    assert [h["value"] for h in found["items"]["history"]] == [[1, 2], [1, 2, 3]]
    assert found["items"]["execution_count"] == 6
    record = list_trials()[-1]
    assert record["hyperparams"] == {"alpha": 1}
    assert record["metrics"] == {"score": 1.0}


def test_tagging_an_existing_variable_keeps_the_version_of_the_cell_that_made_it(
    shell: InteractiveShell,
) -> None:
    run(shell, "C = 10")
    run(shell, "%tag_var C hyperparam")
    found = variables(shell)
    assert found["C"]["value"] == 10
    # One version, at the cell that bound it: tagging changes nothing about the value.
    assert [v["execution_count"] for v in found["C"]["history"]] == [2]


def test_tagging_an_existing_string_stores_it_exactly_at_the_cell_that_made_it(
    shell: InteractiveShell,
) -> None:
    run(shell, "solver = 'lbfgs'")
    run(shell, "%tag_var solver hyperparam")
    run(shell, "x = 1")
    found = variables(shell)
    assert found["solver"]["value"] == "lbfgs"
    assert [v["execution_count"] for v in found["solver"]["history"]] == [2]


def test_a_written_cell_lets_its_rows_go_and_can_still_be_tagged_later(
    shell: InteractiveShell,
) -> None:
    run(shell, "solver = 'lbfgs'")
    flush(shell)
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    made_by, _exact = recorder.trial.writers["solver"]
    # Kept as the name's last writer, without the rows already in the store.
    assert made_by.id is not None
    assert (list(made_by.accesses), list(made_by.values)) == ([], [])
    run(shell, "%tag_var solver hyperparam")
    found = variables(shell)
    assert found["solver"]["value"] == "lbfgs"
    assert [v["execution_count"] for v in found["solver"]["history"]] == [2]
    binds = [a for a in activations(shell) if a["execution_count"] == 2]
    assert len(binds) == 1


def test_tagging_a_value_changed_since_it_was_recorded_records_it_now(
    shell: InteractiveShell,
) -> None:
    run(shell, "C = 10")
    run(shell, "%tag_var C hyperparam\nC = 11")
    found = variables(shell)
    assert [(v["execution_count"], v["value"]) for v in found["C"]["history"]][-1] == (3, 11)


def test_non_json_values_are_summaries(shell: InteractiveShell) -> None:
    run(shell, "import numpy as np\n%tag_var X data\nX = np.zeros((4, 3))")
    run(shell, "X[0, 0] = 1.0")
    found = variables(shell)
    value = found["X"]["value"]
    assert value["type"] == "numpy.ndarray"
    assert value["shape"] == [4, 3]
    assert value["dtype"] == "float64"
    assert len(found["X"]["history"]) == 2


def test_trial_magics(shell: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    run(shell, "%tag_var k hyperparam\nk = 1")
    run(shell, "%trial name baseline")
    capsys.readouterr()
    run(shell, "%trial")
    assert "baseline" in capsys.readouterr().out
    run(shell, "%trial new tuned")
    run(shell, "k = 2")
    flush(shell)
    records = list_trials()
    assert [(r["name"], r["status"]) for r in records] == [("baseline", "ok"), ("tuned", "running")]
    assert records[0]["ended_at"] is not None
    assert records[0]["hyperparams"] == {"k": 1}
    assert records[1]["hyperparams"] == {"k": 2}  # tags carry over to the new trial
    assert [a["source"] for a in show_trial("tuned")["activations"]] == ["k = 2"]


@pytest.mark.parametrize(
    "line",
    [
        "%tag",
        "%tag two words",
        "%tag 'bad stage!'",
        "%tag_var onlyname",
        "%tag_var 1x metric",
        "%trial name",
        "%trial bogus",
    ],
)
def test_bad_magic_input_is_a_one_line_usage_error(
    shell: InteractiveShell, line: str, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    result = run(shell, line)
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert "UsageError" in text
    assert "Traceback" not in text
    assert result.error_in_exec is not None


@pytest.mark.parametrize("name", ["tag", "tag_var", "trial", "deps", "compare", "scriptify"])
def test_every_magic_has_help(shell: InteractiveShell, name: str) -> None:
    magic = shell.find_line_magic(name)
    assert magic is not None
    assert "Usage" in (magic.__doc__ or "")


def test_environment_facts_without_os_environ(
    bare_shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.email=a@b", "-c", "user.name=n"]
    subprocess.run([*git, "init", "-q"], cwd=repo, check=True)
    (repo / "f.txt").write_text("x")
    subprocess.run([*git, "add", "f.txt"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "-qm", "c"], cwd=repo, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()
    monkeypatch.chdir(repo)
    monkeypatch.setenv("NBPROV_NOTEBOOK", str(repo / "analysis.ipynb"))
    monkeypatch.setenv("SECRET_TOKEN", "do-not-store-me")
    run(bare_shell, "%load_ext nbprov")
    run(bare_shell, "import sqlite3")
    run(bare_shell, "%unload_ext nbprov")
    record = show_trial("latest")
    env = record["environment"]
    assert record["notebook"] == str(repo / "analysis.ipynb")
    assert env["git"] == {"commit": commit, "dirty": False}
    assert env["python"] and env["platform"] and env["hostname"]
    assert "ipython" in {name.lower() for name in env["packages"]}
    assert "do-not-store-me" not in json.dumps(record)


def test_trial_name_from_the_environment(
    bare_shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBPROV_TRIAL_NAME", "from-runner")
    run(bare_shell, "%load_ext nbprov")
    flush(bare_shell)
    assert list_trials()[-1]["name"] == "from-runner"


def test_a_broken_store_warns_once_and_leaves_cells_alone(
    shell: InteractiveShell, store_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flush(shell)
    with sqlite3.connect(store_path) as conn:  # the store is damaged under the kernel
        conn.execute("alter table activation rename to activation_gone")
    with pytest.warns(NbprovRecordingWarning) as caught:
        for _ in range(3):
            run(shell, "value = 41 + 1")
            rec = nbprov.get_recorder(shell)
            assert rec is not None and not rec.writer.flush()  # tried, and not written
    assert len(caught) == 1
    capsys.readouterr()
    result = run(shell, "print('still here'); 1 / 0")
    captured = capsys.readouterr()
    assert "still here" in captured.out
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert shell.user_ns["value"] == 42


def test_a_value_that_cannot_be_summarised_does_not_break_recording(
    shell: InteractiveShell,
) -> None:
    run(
        shell,
        "class Odd:\n"
        "    def __repr__(self): raise RuntimeError('no repr')\n"
        "    @property\n"
        "    def __dict__(self): raise RuntimeError('no dict')\n"
        "%tag_var odd data\nodd = Odd()",
    )
    run(shell, "after = 1")
    found = variables(shell)
    assert found["odd"]["value"]["type"] == "__main__.Odd"
    assert "Odd" in found["odd"]["value"]["repr"]
    assert activations(shell)[-1]["source"] == "after = 1"


def test_trials_api_returns_a_frame(shell: InteractiveShell) -> None:
    pd = pytest.importorskip("pandas")
    run(shell, "%tag_var lr hyperparam\n%tag_var acc metric\nlr = 0.1\nacc = 0.9")
    flush(shell)
    frame = nbprov.trials()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["lr"]) == [0.1]
    assert list(frame["acc"]) == [0.9]
    assert {"id", "name", "notebook", "status"} <= set(frame.columns)


def test_trials_api_without_pandas_is_a_list(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pandas(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "pandas":
            raise ImportError("no pandas here")
        return real_import(name, *args, **kwargs)

    run(shell, "%tag_var lr hyperparam\nlr = 0.1")
    flush(shell)
    monkeypatch.setattr(builtins, "__import__", no_pandas)
    rows = nbprov.trials()
    assert rows == [
        {
            "id": 1,
            "name": None,
            "notebook": None,
            "status": "running",
            "started_at": rows[0]["started_at"],
            "ended_at": None,
            "lr": 0.1,
        }
    ]


def test_a_nested_cell_is_part_of_its_outer_cell(shell: InteractiveShell) -> None:
    run(shell, "%%capture captured\nprint('hidden')\ninner = 1")
    run(shell, "after = inner + 1")
    acts = activations(shell)
    assert [a["status"] for a in acts] == ["ok", "ok"]
    assert [a["execution_count"] for a in acts] == [2, 3]
    assert shell.user_ns["after"] == 2


def test_in_a_kernel_a_cells_record_is_finished_after_its_reply(
    shell: InteractiveShell,
) -> None:
    """Where an event loop runs the cells (a kernel's), the record of a cell is finished
    on the loop's next turn, after the reply; a cell that starts before that turn (a
    queue of requests) finishes it first. Either way it sees the namespace the cell left."""
    import asyncio

    rec = nbprov.get_recorder(shell)
    assert rec is not None
    rec._settles_late = True  # as in a kernel (this shell has none; the e2e test has one)

    async def cells() -> list[bool]:
        unsettled = []
        run(shell, "a = 1")
        unsettled.append(rec._unsettled is not None)  # ended, record not finished yet
        await asyncio.sleep(0)  # the loop's next turn
        unsettled.append(rec._unsettled is not None)
        run(shell, "b = a + 1")
        run(shell, "a = 5")  # starts before the loop turns: finishes b's record first
        unsettled.append(rec._unsettled is not None)
        await asyncio.sleep(0)
        return unsettled

    assert asyncio.run(cells()) == [True, False, True]
    flush(shell)
    deps = nbprov.deps("b")
    assert "a = 1" in str(deps) and "a = 5" not in str(deps)


def test_a_failure_finishing_a_record_between_cells_is_told_in_the_next_cell(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio
    import warnings

    rec = nbprov.get_recorder(shell)
    assert rec is not None and rec.tracer is not None
    rec._settles_late = True  # as in a kernel

    def broken(*_args: object) -> None:
        raise RuntimeError("the tracer broke")

    monkeypatch.setattr(rec.tracer, "after_cell", broken)

    async def cells() -> tuple[int, int]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run(shell, "x = 1")
            await asyncio.sleep(0)  # finished here, between cells: nobody would see it
            between = len(caught)
            run(shell, "y = 2")
            return between, len([w for w in caught if "the tracer broke" in str(w.message)])

    assert asyncio.run(cells()) == (0, 1)
    assert shell.user_ns["y"] == 2


def test_outside_a_kernel_a_running_loop_does_not_hold_a_record_back(
    shell: InteractiveShell,
) -> None:
    """A loop that runs in the shell's thread but is not a kernel's (a browser driver's,
    a terminal's for one async cell) may not turn again before the next flush: there,
    a cell's record is finished at its end."""
    import asyncio

    rec = nbprov.get_recorder(shell)
    assert rec is not None

    async def cell() -> bool:
        run(shell, "a = 1")
        return rec._unsettled is None

    assert asyncio.run(cell())
    assert rec.writer.flush()
    assert show_trial("latest")["activations"][-1]["source"] == "a = 1"
