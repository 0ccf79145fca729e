"""Real kernels: a notebook through nbclient, a killed kernel, two kernels on one store."""

from __future__ import annotations

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from support import cli_json, nbprov_cli

KERNEL_TIMEOUT = 120


@pytest.fixture
def kernel(tmp_path: Path) -> Iterator[tuple[KernelManager, Any, Path]]:
    """A running python3 kernel recording into a store in ``tmp_path``."""
    db = tmp_path / "store.db"
    km = KernelManager(kernel_name="python3")
    km.start_kernel(env={**os.environ, "NBPROV_DB": str(db)}, cwd=str(tmp_path))
    client = km.client()
    client.start_channels()
    client.wait_for_ready(timeout=KERNEL_TIMEOUT)
    try:
        yield km, client, db
    finally:
        client.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)


def execute(client: Any, code: str) -> list[str]:
    """Run ``code``; return everything it printed (stdout and stderr)."""
    printed: list[str] = []

    def on_output(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])

    reply = client.execute_interactive(code, timeout=KERNEL_TIMEOUT, output_hook=on_output)
    assert reply["content"]["status"] in ("ok", "error")
    return printed


def test_notebook_through_nbclient_then_the_cli(tmp_path: Path, monkeypatch: Any) -> None:
    db = tmp_path / "store.db"
    monkeypatch.setenv("NBPROV_DB", str(db))
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("%load_ext nbprov"),
        nbformat.v4.new_code_cell("%tag_var alpha hyperparam\n%tag_var total metric"),
        nbformat.v4.new_code_cell("%tag read\nalpha = 3\ndata = list(range(10))"),
        nbformat.v4.new_code_cell("%tag score\ntotal = sum(d * alpha for d in data)"),
        nbformat.v4.new_code_cell("print(total)"),
    ]
    resources = {"metadata": {"path": str(tmp_path)}}
    NotebookClient(nb, timeout=KERNEL_TIMEOUT, resources=resources).execute()
    expected_total = sum(d * 3 for d in range(10))
    assert nb.cells[4].outputs[0]["text"].strip() == str(expected_total)
    # The %load_ext cell says, in one line, where the record goes and where to see it.
    [said] = nb.cells[0].outputs
    assert said["name"] == "stdout" and said["text"].count("\n") == 1
    assert said["text"].startswith("nbprov: recording to store.db \N{EM DASH} see the Provenance")

    listing = cli_json(db, "trials")
    assert len(listing) == 1
    assert set(listing[0]) == {
        "id",
        "name",
        "notebook",
        "status",
        "started_at",
        "ended_at",
        "hyperparams",
        "metrics",
    }
    assert listing[0]["hyperparams"] == {"alpha": 3}
    assert listing[0]["metrics"] == {"total": expected_total}
    assert listing[0]["status"] == "ok"  # nbclient shut the kernel down cleanly
    assert listing[0]["ended_at"] is not None

    shown = cli_json(db, "show", "latest")
    acts = shown["activations"]
    assert [a["stage"] for a in acts] == [None, "read", "score", None]
    assert {
        "execution_count",
        "cell_id",
        "cell_hash",
        "stage",
        "status",
        "started_at",
        "duration_s",
    } <= set(acts[0])
    assert [v["name"] for v in shown["variables"]] == ["alpha", "total"]
    assert {"name", "role", "value", "execution_count"} <= set(shown["variables"][0])

    table = nbprov_cli(db, "trials")
    assert table.returncode == 0
    assert all(len(line) <= 80 for line in table.stdout.splitlines())


def test_none_loses_nothing_in_a_real_kernel(kernel: tuple[KernelManager, Any, Path]) -> None:
    km, client, db = kernel
    for code in ("%load_ext nbprov", "best = None", "a = 1", "b = a + 1"):
        execute(client, code)
    client.stop_channels()
    km.shutdown_kernel()  # graceful: the trial ends at exit
    shown = cli_json(db, "show", "latest")
    assert [a["source"] for a in shown["activations"]] == ["best = None", "a = 1", "b = a + 1"]
    assert shown["status"] == "ok"


def test_a_kernel_killed_after_its_last_cell_leaves_a_finished_trial(
    kernel: tuple[KernelManager, Any, Path],
) -> None:
    """A client that gives up on a slow kernel exit (joblib workers, say) and kills it
    must not turn a notebook that finished into an interrupted trial."""
    km, client, db = kernel
    execute(client, "%load_ext nbprov")
    execute(client, "%tag_var n hyperparam\nn = 5")
    execute(client, "m = n * 2")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the kernel writes its last cells when quiet
        try:
            with sqlite3.connect(db) as conn:
                done = conn.execute("select count(*) from activation where status = 'ok'")
                if done.fetchone()[0] == 2:
                    break
        except sqlite3.OperationalError:
            pass
        time.sleep(0.2)
    process = km.provisioner.process  # type: ignore[union-attr]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    shown = cli_json(db, "show", "latest")
    assert shown["status"] == "ok"
    assert shown["ended_at"] is not None
    assert [a["status"] for a in shown["activations"]] == ["ok", "ok"]


def test_a_kernel_killed_mid_cell(kernel: tuple[KernelManager, Any, Path]) -> None:
    km, client, db = kernel
    execute(client, "%load_ext nbprov")
    execute(client, "%tag_var n hyperparam\nn = 5")
    client.execute("import time\ntime.sleep(600)")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the long cell's start is stored
        try:
            with sqlite3.connect(db) as conn:
                rows = conn.execute(
                    "select a.status from activation a join code c on c.hash = a.cell_hash "
                    "where c.source like '%time.sleep(600)%'"
                ).fetchall()
        except sqlite3.OperationalError:  # the writer has not created the store yet
            rows = []
        if rows == [("running",)]:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the running cell never reached the store")
    process = km.provisioner.process  # type: ignore[union-attr]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)  # reap it, as the Jupyter server reaps its kernels

    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
    shown = cli_json(db, "show", "latest")
    assert shown["status"] == "interrupted"
    assert [a["status"] for a in shown["activations"]] == ["ok", "interrupted"]
    # The running row names the cell that was running ([3]), not the next one.
    assert [a["execution_count"] for a in shown["activations"]] == [2, 3]
    assert shown["hyperparams"] == {"n": 5}
    assert cli_json(db, "trials")[0]["status"] == "interrupted"


def test_two_kernels_write_one_store_at_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    cells = 60
    managers = []
    clients = []
    for _ in range(2):
        km = KernelManager(kernel_name="python3")
        km.start_kernel(env={**os.environ, "NBPROV_DB": str(db)}, cwd=str(tmp_path))
        client = km.client()
        client.start_channels()
        client.wait_for_ready(timeout=KERNEL_TIMEOUT)
        managers.append(km)
        clients.append(client)
    printed: list[list[str]] = [[], []]
    try:
        for client in clients:
            execute(client, "%load_ext nbprov\n%tag_var acc metric")

        def work(index: int) -> None:
            for i in range(cells):
                printed[index] += execute(
                    clients[index], f"acc = {i} / {cells}\nx_{i} = [acc] * 50"
                )

        threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        for client in clients:
            client.stop_channels()
        for km in managers:
            km.shutdown_kernel()
    assert not any("nbprov" in text for out in printed for text in out), printed
    listing = cli_json(db, "trials")
    assert [t["status"] for t in listing] == ["ok", "ok"]
    for trial in listing:
        shown = cli_json(db, "show", str(trial["id"]))
        assert len(shown["activations"]) == cells
        assert shown["metrics"] == {"acc": (cells - 1) / cells}
        assert len(shown["variables"][0]["history"]) == cells


def test_run_all_queued_at_once_records_each_cell_as_it_ran(
    kernel: tuple[KernelManager, Any, Path],
) -> None:
    """A front end's "Run All" sends every request at once: each cell's record, finished
    after its reply (see Recorder.post_run_cell), still sees the namespace as that cell
    left it, never as the next one did."""
    _km, client, db = kernel
    execute(client, "%load_ext nbprov")
    cells = [
        "a = 1",
        "b = a + 1",
        "a = 5",  # a new version of a: b must not be traced to it
        "items = [b]",
        "items.append(a)",  # changes items in place
        "c = b * 2",
        "del a",
        "%tag_var c metric",
    ]
    sent = [client.execute(code) for code in cells]  # all queued before the first ends
    replies: dict[str, str] = {}
    while len(replies) < len(sent):
        msg = client.get_shell_msg(timeout=KERNEL_TIMEOUT)
        replies[msg["parent_header"]["msg_id"]] = msg["content"]["status"]
    assert all(replies[m] == "ok" for m in sent)
    flush = "import nbprov; nbprov.get_recorder().flush()"
    execute(client, flush)

    shown = cli_json(db, "show", "latest")
    sources = [a["source"] for a in shown["activations"]]
    assert sources == [*cells, flush]  # (the loading cell is not one of them)
    deps = cli_json(db, "deps", "latest", "c")
    text = str(deps)
    assert "b = a + 1" in text and "a = 1" in text
    assert "a = 5" not in text and "items" not in text
    assert [v["value"] for v in shown["variables"] if v["name"] == "c"] == [4]
