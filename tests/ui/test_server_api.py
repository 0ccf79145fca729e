"""The server extension: where it finds a notebook's store, what it answers, and that it
answers only behind the Jupyter server's authentication."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import LabServer
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

from nbprov.server import core


def test_default_store_is_in_the_notebook_folder(tmp_path: Path) -> None:
    store = core.resolve_store(str(tmp_path), "work/exp.ipynb", env={})
    assert Path(store.db) == tmp_path.resolve() / "work" / ".nbprov" / "nbprov.db"
    assert not store.exists
    (tmp_path / "work" / ".nbprov").mkdir(parents=True)
    (tmp_path / "work" / ".nbprov" / "nbprov.db").write_bytes(b"")
    assert core.resolve_store(str(tmp_path), "work/exp.ipynb", env={}).exists


def test_nbprov_db_overrides_relative_to_the_notebook_folder(tmp_path: Path) -> None:
    store = core.resolve_store(str(tmp_path), "a/b.ipynb", env={"NBPROV_DB": "runs.db"})
    assert Path(store.db) == tmp_path.resolve() / "a" / "runs.db"
    absolute = str(tmp_path / "shared.db")
    assert core.resolve_store(str(tmp_path), "a/b.ipynb", env={"NBPROV_DB": absolute}).db == (
        absolute
    )


def test_database_url_is_passed_on_with_the_password_hidden() -> None:
    url = "postgresql+psycopg://team:s3cret@db.internal/nbprov"
    store = core.resolve_store("/", None, env={"NBPROV_DB": url})
    assert store.db == url
    assert "s3cret" not in store.label and "db.internal" in store.label


def test_paths_outside_the_root_are_refused(tmp_path: Path) -> None:
    with pytest.raises(core.BadRequest):
        core.resolve_store(str(tmp_path), "../elsewhere/x.ipynb", env={})


def test_notebook_candidates_cover_how_kernels_record_the_path(tmp_path: Path) -> None:
    candidates = core.notebook_candidates(str(tmp_path), "dir/exp.ipynb")
    assert str(tmp_path.resolve() / "dir" / "exp.ipynb") in candidates
    assert "dir/exp.ipynb" in candidates


@pytest.fixture
def recorded(
    bare_shell: InteractiveShell,
    store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[core.StoreRef, Path]:
    """Two trials of one notebook in the store, with a changed hyperparameter."""
    root = tmp_path / "root"
    notebook = root / "exp.ipynb"
    monkeypatch.setenv("NBPROV_NOTEBOOK", str(notebook))
    shell = bare_shell
    run(shell, "%load_ext nbprov")
    run(shell, "%tag read\ndata = [1, 2, 3, 4]")
    run(shell, "%tag features\nalpha = 0.5\n%tag_var alpha hyperparam", cell_id="alpha")
    run(shell, "%tag score\nscore = sum(x * alpha for x in data)\n%tag_var score metric --min")
    run(shell, "%trial new second")
    run(shell, "alpha = 2.0")
    run(shell, "%tag score\nscore = sum(x * alpha for x in data)")
    flush(shell)
    store = core.StoreRef(db=str(store_path), label=str(store_path), exists=True)
    return store, root


def test_trials_of_a_notebook(recorded: tuple[core.StoreRef, Path]) -> None:
    store, root = recorded
    trials = core.trials(store, core.notebook_candidates(str(root), "exp.ipynb"))
    assert [t["hyperparams"]["alpha"] for t in trials] == [0.5, 2.0]
    assert [t["metrics"]["score"] for t in trials] == [5.0, 20.0]
    assert core.trials(store, core.notebook_candidates(str(root), "other.ipynb")) == []
    assert len(core.trials(store, None)) == 2


def test_show_gives_activations_with_cell_ids_and_stages(
    recorded: tuple[core.StoreRef, Path],
) -> None:
    store, _ = recorded
    first = core.trials(store, None)[0]
    detail = core.show(store, str(first["id"]))
    stages = [a["stage"] for a in detail["activations"]]
    assert stages[:3] == ["read", "features", "score"]
    assert any(a["cell_id"] == "alpha" for a in detail["activations"])


def test_compare_reports_the_changed_hyperparameter(
    recorded: tuple[core.StoreRef, Path],
) -> None:
    store, _ = recorded
    ids = [str(t["id"]) for t in core.trials(store, None)]
    result = core.compare(store, ids, show_all=False)
    rows = {(r["group"], r["name"]): r for r in result["rows"]}
    assert rows[("hyperparam", "alpha")]["values"] == [0.5, 2.0]
    assert rows[("metric", "score")]["delta"] == 15.0
    assert all(r["changed"] for r in result["rows"])
    # The panel is told which way each metric improves: here as tagged, lower is better.
    score = json.loads(json.dumps(rows[("metric", "score")]))
    assert (score["direction"], score["direction_source"]) == ("min", "stored")
    assert "direction" not in rows[("hyperparam", "alpha")]


def test_deps_comes_with_dot_source(recorded: tuple[core.StoreRef, Path]) -> None:
    store, _ = recorded
    first = core.trials(store, None)[0]
    answer = core.deps(store, str(first["id"]), "score")
    assert answer["deps"]["variable"] == "score"
    assert answer["dot"] is not None and answer["dot"].startswith("digraph")


def test_scriptify_gives_the_script_text(recorded: tuple[core.StoreRef, Path]) -> None:
    store, _ = recorded
    first = core.trials(store, None)[0]
    script = core.scriptify(store, str(first["id"]), "score")
    assert "score = sum(" in script


def test_a_pipeline_is_written_next_to_the_notebook(
    recorded: tuple[core.StoreRef, Path],
) -> None:
    store, root = recorded
    first = core.trials(store, None)[0]
    folder = root / "exports"
    folder.mkdir(parents=True)
    answer = core.export_pipeline(store, folder, str(first["id"]), ["score"], "exp_pipe")
    assert answer["package"] == "exp_pipe" and answer["folder"] == str(folder / "exp_pipe")
    # The features cell only binds alpha, a hyperparameter: it becomes a parameter.
    assert [s["name"] for s in answer["stages"]] == ["read", "score"]
    assert answer["params"] == {"alpha": 0.5}
    assert (folder / "exp_pipe" / "exp_pipe" / "score.py").is_file()
    assert (folder / "exp_pipe" / "tests" / "test_pipeline.py").is_file()
    with pytest.raises(core.BadRequest, match="target"):
        core.export_pipeline(store, folder, str(first["id"]), [], None)


def test_studies_of_a_store_without_searches(recorded: tuple[core.StoreRef, Path]) -> None:
    from nbprov.runs.sweep.study import StudyError

    store, _ = recorded
    assert core.studies(store) == []
    with pytest.raises(StudyError, match="no study"):
        core.study(store, "nope")


# -- over HTTP, on a real server ------------------------------------------------------


def test_api_needs_the_servers_authentication(lab_server: LabServer) -> None:
    for path in ("nbprov/api/info", "nbprov/api/trials", "nbprov/api/trials/1"):
        status, _ = lab_server.get(path, token=False)
        assert status == 403, path


def test_api_answers_and_reports_errors_as_json(lab_server: LabServer) -> None:
    status, info = lab_server.get("nbprov/api/info")
    assert status == 200
    assert info["features"]["trials"] is True
    status, listing = lab_server.get("nbprov/api/trials?notebook=none.ipynb")
    assert status == 200
    assert listing["trials"] == [] and listing["scope"] == "notebook"
    status, body = lab_server.get("nbprov/api/trials/no-such-trial")
    assert status == 404 and body["message"]
    status, body = lab_server.get("nbprov/api/trials?notebook=../../etc/x.ipynb")
    assert status == 400 and "root" in body["message"]
    status, body = lab_server.get("nbprov/api/compare?trials=1")
    assert status == 400 and "two or more" in body["message"]
    status, body = lab_server.get("nbprov/api/trials?scope=everything")
    assert status == 400
    status, body = lab_server.get("nbprov/api/studies")
    assert status == 200 and "nope" not in body["studies"]
    status, body = lab_server.get("nbprov/api/studies/nope")
    assert status == 404 and body["message"]  # no such study (or no store yet)


def test_a_filter_keeps_the_trials_the_cli_would(recorded: tuple[core.StoreRef, Path]) -> None:
    store, root = recorded
    notebooks = core.notebook_candidates(str(root), "exp.ipynb")
    kept = core.trials(store, notebooks, "metric.score > 10 and alpha >= 1")
    assert [t["hyperparams"]["alpha"] for t in kept] == [2.0]
    assert len(core.trials(store, None, "score < 10")) == 1
    assert core.trials(store, notebooks, "trial.status == 'nope'") == []


def test_a_bad_filter_is_refused_with_one_line(recorded: tuple[core.StoreRef, Path]) -> None:
    from nbprov.core.compare import FilterError

    store, _ = recorded
    for text in ("score >", "open('x')", "score > 1\nand alpha"):
        with pytest.raises(FilterError) as caught:
            core.check_filter(text)
        assert "\n" not in str(caught.value) and "filter" in str(caught.value)
    with pytest.raises(FilterError):
        core.trials(store, None, "__import__('os')")


@pytest.fixture
def edited(
    bare_shell: InteractiveShell,
    store_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> core.StoreRef:
    """Two trials of one notebook whose score cell was edited in between."""
    monkeypatch.setenv("NBPROV_NOTEBOOK", str(tmp_path / "root" / "exp.ipynb"))
    shell = bare_shell
    run(shell, "%load_ext nbprov")
    for factor in ("0.5", "2"):
        if factor == "2":
            run(shell, "%trial new second")
        run(shell, "%tag read\ndata = [1, 2, 3, 4]", cell_id="data")
        run(shell, f"%tag score\nscore = sum(data) * {factor}\n%tag_var score metric", cell_id="s")
    flush(shell)
    return core.StoreRef(db=str(store_path), label=str(store_path), exists=True)


def _changed_cell(store: core.StoreRef) -> tuple[list[str], dict[str, Any]]:
    ids = [str(t["id"]) for t in core.trials(store, None)]
    rows = core.compare(store, ids, show_all=False)["rows"]
    (changed,) = [r for r in rows if r["group"] == "code" and r["name"].startswith("cell")]
    return ids, changed


def test_a_changed_cell_comes_with_its_diff_and_the_why_answer(
    edited: core.StoreRef,
) -> None:
    store = edited
    ids, row = _changed_cell(store)
    answer = core.cell_change(store, *ids, *row["cell_hashes"], ["score"])
    assert answer["source_line"] == row["source_line"]
    assert answer["diff"].startswith(f"--- trial {ids[0]}\n+++ trial {ids[1]}\n@@")
    assert answer["source_line"] == "score = sum(data) * 0.5"
    assert "-score = sum(data) * 0.5\n+score = sum(data) * 2\n" in answer["diff"]
    assert not answer["truncated"]
    (why,) = answer["why"]
    assert why["metric"] == "score" and why["error"] is None
    assert why["heading"].startswith(f"why score moved between trials {ids[0]} and {ids[1]}")
    assert why["text"] == "[3] -> [6] code: score = sum(data) * 2; sets score: 5.0 -> 20"
    assert why["others"] == 0
    # A metric the trials do not compute gets an error, not a failure.
    missing = core.cell_change(store, *ids, *row["cell_hashes"], ["nope"])["why"][0]
    assert missing["error"] and missing["text"] is None


def test_a_cell_change_reads_only_cells_of_the_two_trials(edited: core.StoreRef) -> None:
    from nbprov.core.compare import CompareError

    store = edited
    ids, row = _changed_cell(store)
    with pytest.raises(CompareError, match="no cell with code"):
        core.cell_change(store, *ids, row["cell_hashes"][0], "0" * 64, [])
    with pytest.raises(CompareError):
        core.cell_change(store, *ids, None, None, [])


def test_a_long_diff_is_cut() -> None:
    from nbprov.core.compare.code import source_diff

    before = "".join(f"x{i} = {i}\n" for i in range(1000))
    text, cut = source_diff(before, "", fromfile="a", tofile="b", max_lines=50)
    assert cut and text.count("\n") == 50
    text, cut = source_diff(before, "", fromfile="a", tofile="b", max_chars=100)
    assert cut and len(text) <= 100
    assert source_diff("a = 1", "a = 2", fromfile="a", tofile="b") == (
        "--- a\n+++ b\n@@ -1 +1 @@\n-a = 1\n+a = 2\n",
        False,
    )


def test_filter_and_cell_change_over_http(lab_server: LabServer) -> None:
    status, body = lab_server.get("nbprov/api/trials?filter=score%20%3E")
    assert status == 400
    assert body["message"].startswith("cannot parse filter") and "\n" not in body["message"]
    status, body = lab_server.get("nbprov/api/trials?filter=open(%27x%27)")
    assert status == 400 and "not allowed in a filter" in body["message"]
    status, body = lab_server.get("nbprov/api/trials?filter=score%20%3E%201")
    assert status == 200 and body["filter"] == "score > 1"
    status, info = lab_server.get("nbprov/api/info")
    assert info["features"]["filter"] and info["features"]["cellchange"]
    status, body = lab_server.get("nbprov/api/cellchange?trials=1")
    assert status == 400 and "two trials" in body["message"]


def test_history_gives_every_recorded_version_and_marks_the_nodes_one(
    bare_shell: InteractiveShell, store_path: Path
) -> None:
    shell = bare_shell
    run(shell, "%load_ext nbprov")
    run(shell, "%tag_var best metric\nbest = 0.5")
    run(shell, "best = 0.75\nnote = '<b>secret</b>'")
    run(shell, "best = best + 0.125")
    flush(shell)
    store = core.StoreRef(db=str(store_path), label=str(store_path), exists=True)
    answer = core.history(store, "latest", "best", None)
    assert answer["tagged"] and answer["role"] == "metric" and answer["note"] is None
    versions = answer["versions"]
    assert [v["value"] for v in versions] == [0.5, 0.75, 0.875]
    assert [v["summary"] for v in versions] == ["0.5", "0.75", "0.875"]
    counts = [v["execution_count"] for v in versions]
    assert counts == sorted(counts) and None not in counts
    assert all(v["started_at"] and v["fingerprint"] for v in versions)
    assert answer["current"] is None
    # A lineage node names the activation (seq) that defined its version.
    middle = versions[1]["seq"]
    assert core.history(store, "latest", "best", middle)["current"] == 1
    # Untagged text is kept private: type and length, and the answer says so.
    note = core.history(store, "latest", "note", None)
    assert not note["tagged"] and note["note"].startswith("untagged")
    assert note["versions"][0]["value"] == {"type": "str", "len": 13}
    assert note["versions"][0]["summary"] == "str len 13"
    assert core.history(store, "latest", "never_bound", None)["versions"] == []


def test_history_over_http(lab_server: LabServer) -> None:
    status, info = lab_server.get("nbprov/api/info")
    assert info["features"]["history"] is True
    status, body = lab_server.get("nbprov/api/history?trial=1")
    assert status == 400
    status, body = lab_server.get("nbprov/api/history?trial=1&variable=x&seq=-3")
    assert status == 400 and "seq" in body["message"]
    status, body = lab_server.get("nbprov/api/history?trial=no-such-trial&variable=x")
    assert status == 404 and body["message"]
