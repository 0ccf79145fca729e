"""A record you can trust: no value, row or store failure loses cells; nbprov touches
nothing the cell did not; text stays private; a store that fails never breaks the notebook.
"""

from __future__ import annotations

import math
import re
import sqlite3
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from sqlalchemy import event, func, select
from support import close_shell, flush, new_shell, run, strip_ansi

import nbprov
from nbprov.core.trials import show_trial
from nbprov.kernel.recorder import NbprovRecordingWarning
from nbprov.store.models import Access, Activation, Value


def recorder(shell: InteractiveShell) -> nbprov.kernel.recorder.Recorder:
    found = nbprov.get_recorder(shell)
    assert found is not None
    return found


def record(shell: InteractiveShell) -> dict[str, Any]:
    flush(shell)
    return show_trial("latest")  # type: ignore[no-any-return]


def sources(shell: InteractiveShell) -> list[str]:
    return [a["source"] for a in record(shell)["activations"]]


def no_recording_warning() -> Any:
    """Inside: any NbprovRecordingWarning fails the test."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error", NbprovRecordingWarning)
    return context


# -- values like any other ----------------------------------------------------------------


@pytest.mark.parametrize(
    "cells",
    [
        ["best = None", "a = 1", "b = a + 1"],
        ["from os.path import *", "a = 1", "b = a + 1"],
        ["n = float('nan'); p = float('inf'); m = -p", "a = 1", "b = a + 1"],
        ["huge = 10 ** 400", "a = 1", "b = a + 1"],
        ["bad = b'\\xff\\xfe'.decode('utf-8', 'surrogateescape')", "a = 1", "b = a + 1"],
    ],
    ids=["none", "star-import-binding-none", "nan-and-inf", "huge-int", "non-utf8-str"],
)
def test_every_cell_is_recorded_whatever_its_values(
    shell: InteractiveShell, cells: list[str]
) -> None:
    context = no_recording_warning()
    try:
        for cell in cells:
            run(shell, cell)
        assert sources(shell) == cells
    finally:
        context.__exit__(None, None, None)


def test_tagged_special_values_are_recorded_as_values(shell: InteractiveShell) -> None:
    run(shell, "%tag_var best hyperparam\n%tag_var huge metric\n%tag_var n metric")
    run(shell, "best = None\nhuge = 10 ** 30\nn = float('nan')")
    variables = {v["name"]: v for v in record(shell)["variables"]}
    assert variables["best"]["value"] is None
    assert [v["value"] for v in variables["best"]["history"]] == [None]
    assert variables["huge"]["value"] == 10**30
    assert variables["n"]["value"]["type"] == "float"
    assert math.isnan(float(variables["n"]["value"]["repr"]))


HOSTILE = """
class Hostile:
    calls = []
    def __repr__(self):
        raise RuntimeError("no repr")
    def __len__(self):
        raise RuntimeError("no len")
    def __iter__(self):
        raise RuntimeError("no iter")
    @property
    def shape(self):
        raise RuntimeError("no shape")
"""


def test_a_tagged_value_whose_dunders_raise_loses_no_later_cell(shell: InteractiveShell) -> None:
    run(shell, HOSTILE)
    run(shell, "%tag_var h data\nh = Hostile()")
    later = [f"x{i} = {i}" for i in range(8)]
    for cell in later:
        run(shell, cell)
    assert sources(shell)[-8:] == later
    value = {v["name"]: v for v in record(shell)["variables"]}["h"]["value"]
    assert value["type"] == "__main__.Hostile"


def test_a_list_subclass_whose_len_raises_is_recorded_with_the_error(
    shell: InteractiveShell,
) -> None:
    run(
        shell,
        "class L(list):\n    def __len__(self): raise RuntimeError('no len')\n"
        "%tag_var items data\nitems = L()",
    )
    run(shell, "after = 1")
    assert sources(shell)[-1] == "after = 1"
    value = {v["name"]: v for v in record(shell)["variables"]}["items"]["value"]
    assert value["type"] == "__main__.L"


# -- nothing touched that the cell did not touch --------------------------------------------

COUNTING = """
class Counted:
    calls = []
    def __repr__(self):
        Counted.calls.append("repr"); return "Counted()"
    def __len__(self):
        Counted.calls.append("len"); return 3
    def __iter__(self):
        Counted.calls.append("iter"); return iter([1, 2, 3])
    def __eq__(self, other):
        Counted.calls.append("eq"); return self is other
    __hash__ = object.__hash__
"""


def test_no_user_code_runs_for_a_tagged_object_the_cell_did_not_touch(
    shell: InteractiveShell,
) -> None:
    run(shell, COUNTING)
    run(shell, "%tag_var c data\nc = Counted()")
    run(shell, "Counted.calls.clear()")
    for _ in range(3):
        run(shell, "print(1)")
        run(shell, "other = [1, 2]\nother.append(3)")
    assert shell.user_ns["Counted"].calls == []


def test_no_user_code_runs_for_containers_the_cell_did_not_touch(
    shell: InteractiveShell,
) -> None:
    run(shell, COUNTING)
    run(shell, "holder = [Counted()]\nbag = {'k': Counted()}")
    run(shell, "Counted.calls.clear()")
    run(shell, "xs = [1]\nxs.append(2)")  # a cell that changes something
    assert shell.user_ns["Counted"].calls == []


def test_a_memory_mapped_array_is_fingerprinted_without_reading_it(tmp_path: Path) -> None:
    np = pytest.importorskip("numpy")
    import resource

    from nbprov.capture.values import fingerprint

    path = tmp_path / "big.bin"
    with open(path, "wb") as handle:  # a sparse 1 GB file: reading it would fault in pages
        handle.truncate(1 << 30)
    array = np.memmap(path, dtype="uint8", mode="r")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    first = fingerprint(array)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert first is not None and first == fingerprint(array)
    assert grown_kb < 64 * 1024  # far less than the file
    assert fingerprint(array[: 1 << 20]) != fingerprint(array[1 << 20 : 2 << 20])


# -- privacy ---------------------------------------------------------------------------------


def test_untagged_text_is_stored_as_type_length_and_fingerprint(
    shell: InteractiveShell, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SERVICE_KEY", "sk-live-0123456789abcdef")  # in no cell's source
    run(shell, "import os\nkey = os.environ['SERVICE_KEY']\nheaders = {'auth': key}\nn = 5")
    run(shell, "%unload_ext nbprov")
    blob = store_path.read_bytes()
    wal = store_path.with_name(store_path.name + "-wal")
    if wal.exists():
        blob += wal.read_bytes()
    assert b"sk-live-0123456789abcdef" not in blob
    with sqlite3.connect(store_path) as conn:
        rows = dict(conn.execute("select name, value from value").fetchall())
    assert rows["key"] == '{"len": 24, "type": "str"}'
    assert rows["n"] == "5"  # numbers are not text: exact


def test_tagged_text_is_stored_exactly_and_secret_names_never(
    shell: InteractiveShell, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run(shell, "%tag_var solver hyperparam\n%tag_var api_token hyperparam")
    monkeypatch.setenv("SERVICE_TOKEN", "tok-9876543210")
    monkeypatch.setenv("SERVICE_PASSWORD", "hunter22")
    run(
        shell,
        "import os\nsolver = 'lbfgs'\napi_token = os.environ['SERVICE_TOKEN']\n"
        "my_password = os.environ['SERVICE_PASSWORD']",
    )
    variables = {v["name"]: v for v in record(shell)["variables"]}
    assert variables["solver"]["value"] == "lbfgs"
    assert variables["api_token"]["value"] == {"type": "str", "repr": "<redacted>"}
    run(shell, "%unload_ext nbprov")
    blob = store_path.read_bytes()
    assert b"tok-9876543210" not in blob and b"hunter22" not in blob


def test_the_secret_pattern_is_configurable(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBPROV_SECRET_NAMES", r"^pin$")
    run(shell, "%tag_var pin hyperparam\n%tag_var token hyperparam\npin = 1234\ntoken = 7")
    variables = {v["name"]: v for v in record(shell)["variables"]}
    assert variables["pin"]["value"]["repr"] == "<redacted>"
    assert variables["token"]["value"] == 7


# -- a store that fails never breaks the notebook ------------------------------------------


def _unopenable(kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    if kind == "parent-is-a-file":
        (tmp_path / "plain").write_text("not a folder")
        return str(tmp_path / "plain" / "nbprov.db")
    if kind == "path-is-a-folder":
        (tmp_path / "folder.db").mkdir()
        return str(tmp_path / "folder.db")
    if kind == "not-a-database":
        (tmp_path / "junk.db").write_bytes(b"this is no sqlite file" * 100)
        return str(tmp_path / "junk.db")
    if kind == "driverless-postgres":
        monkeypatch.setitem(sys.modules, "psycopg", None)  # import fails as if missing
        return "postgresql+psycopg://user@127.0.0.1:1/nbprov"
    return "bogus://x"


@pytest.fixture
def away_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    monkeypatch.delenv("NBPROV_NOTEBOOK", raising=False)
    shell = new_shell()
    yield shell
    close_shell(shell)


@pytest.mark.parametrize(
    "kind",
    [
        "parent-is-a-file",
        "path-is-a-folder",
        "not-a-database",
        "driverless-postgres",
        "unknown-url-scheme",
    ],
)
def test_a_store_that_cannot_be_opened_leaves_the_magics_working(
    away_shell: InteractiveShell, kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = _unopenable(kind, tmp_path, monkeypatch)
    monkeypatch.setenv("NBPROV_DB", target)
    with pytest.warns(NbprovRecordingWarning) as caught:
        result = run(away_shell, "%load_ext nbprov")
        assert result.error_in_exec is None and result.error_before_exec is None
        assert recorder(away_shell).writer.opened.wait(10)
        # The store opens on the writer's thread; the next cell says it could not.
        result = run(away_shell, "%tag features\nx = 1")
        assert result.error_in_exec is None
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "cannot write to the store" in message
    assert (target if "://" not in target else target.split("://")[0]) in message
    with warnings.catch_warnings():
        warnings.simplefilter("error", NbprovRecordingWarning)  # no second warning
        for cell in ("%tag read\nx = 1", "%tag_var x hyperparam", "y = x + 1"):
            result = run(away_shell, cell)
            assert result.error_in_exec is None, cell
    assert away_shell.user_ns["y"] == 2


def test_cells_recorded_while_the_store_is_locked_are_written_when_it_frees(
    away_shell: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "locked.db"
    monkeypatch.setenv("NBPROV_DB", str(path))
    monkeypatch.setattr("nbprov.store.engine.SQLITE_BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.05,))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holds the store
    released = threading.Event()
    try:
        with pytest.warns(NbprovRecordingWarning):
            run(away_shell, "%load_ext nbprov")
            # Loading returned while the lock is still held: it did not wait for the store.
            assert not released.is_set()
            assert recorder(away_shell).writer.opened.wait(10)
            for cell in ("%tag_var a hyperparam\na = 1", "b = a + 1", "%trial name locked"):
                run(away_shell, cell)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        released.set()
    rec = recorder(away_shell)
    assert rec.writer.flush()
    assert rec.writer.flush()
    found = show_trial("latest")
    assert found["name"] == "locked"
    assert [a["source"] for a in found["activations"]][-2:] == ["b = a + 1", "%trial name locked"]
    assert found["variables"][0]["name"] == "a"


def test_a_full_disk_loses_no_tag_rename_or_trial_end_and_writes_each_row_once(
    shell: InteractiveShell, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real SQLITE_FULL: the store may not grow past its size while the disk is full."""
    monkeypatch.setattr("nbprov.store.writer.RETRY_PAUSES", (0.01,))
    rec = recorder(shell)
    engine = rec.store.engine
    full = threading.Event()

    @event.listens_for(engine, "begin")
    def _limit(conn: Any) -> None:
        if full.is_set():
            pages = conn.exec_driver_sql("PRAGMA page_count").scalar()
            conn.exec_driver_sql(f"PRAGMA max_page_count = {pages}")
        else:
            conn.exec_driver_sql("PRAGMA max_page_count = 1073741823")

    run(shell, "warm = 1")
    flush(shell)
    full.set()
    payload = "'" + "x" * 900 + "'"
    cells = [
        "%tag_var a hyperparam\n%tag_var note metric",
        f"a = 1\nnote = {payload}",
        "%trial name filled",
        *[f"v{i} = [{i}] * {i + 1}\nv{i}.append({payload})" for i in range(30)],
    ]
    for cell in cells:
        run(shell, cell)
    assert not rec.writer.flush()  # tried, and said that it is not written
    assert rec.writer.outage is not None  # the disk really filled
    full.clear()
    flush(shell)
    flush(shell)
    assert rec.writer.outage is None
    found = show_trial("latest")
    assert found["name"] == "filled"
    assert [a["source"] for a in found["activations"]][-len(cells) :] == cells
    assert {v["name"]: v["value"] for v in found["variables"]}["a"] == 1
    with rec.store.engine.connect() as conn:
        counted = conn.execute(
            select(Value.activation_id, Value.name, func.count()).group_by(
                Value.activation_id, Value.name
            )
        ).all()
        accesses = conn.execute(
            select(Access.activation_id, Access.name, Access.kind, func.count()).group_by(
                Access.activation_id, Access.name, Access.kind
            )
        ).all()
        seqs = conn.execute(select(Activation.seq)).scalars().all()
    assert all(n == 1 for *_, n in counted)
    assert all(n == 1 for *_, n in accesses)
    assert len(seqs) == len(set(seqs))
    run(shell, "%unload_ext nbprov")
    assert show_trial("latest")["status"] == "ok"


def test_a_row_the_database_refuses_is_isolated(
    shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One value row that can never be written costs that value only."""
    import nbprov.kernel.recorder as recording

    original = recording.summarize

    def poisoned(obj: object, *args: Any, **kwargs: Any) -> Any:
        if isinstance(obj, float) and obj == 2.5:
            return {1, 2}, True, None  # no JSON: refused on every try
        return original(obj, *args, **kwargs)

    monkeypatch.setattr(recording, "summarize", poisoned)
    run(shell, "before = 1")
    with pytest.warns(NbprovRecordingWarning):
        run(shell, "poison = 2.5\nalso = 3")
        flush(shell)
        run(shell, "after = 4")
    later = [f"z{i} = {i}" for i in range(5)]
    for cell in later:
        run(shell, cell)
    found = record(shell)
    with recorder(shell).store.engine.connect() as conn:
        stored = dict(conn.execute(select(Value.name, Value.value)).all())
    assert stored["also"] == 3 and stored["poison"]["type"] == "unstorable"
    assert [a["source"] for a in found["activations"]][-7:] == [
        "poison = 2.5\nalso = 3",
        "after = 4",
        *later,
    ]


# -- the cell that unloads -----------------------------------------------------------------


def test_unload_ends_its_own_cell_and_the_trial(shell: InteractiveShell) -> None:
    run(shell, "a = 1")
    run(shell, "%unload_ext nbprov")
    found = show_trial("latest")
    last = found["activations"][-1]
    assert last["source"] == "%unload_ext nbprov"
    assert last["status"] == "ok" and last["duration_s"] is not None
    assert found["status"] == "ok" and found["ended_at"] is not None


def test_a_long_cells_running_row_names_its_own_execution_count(
    shell: InteractiveShell, store_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("nbprov.kernel.recorder.RUNNING_ROW_DELAY", 0.05)
    run(shell, "import time")
    seen: list[Any] = []
    shell.user_ns["peek"] = lambda: seen.extend(
        sqlite3.connect(store_path)
        .execute("select execution_count, status from activation order by seq")
        .fetchall()
    )
    result = run(shell, "time.sleep(1.0)\npeek()")
    assert "running" in {status for _, status in seen}, seen
    assert (result.execution_count, "running") in seen


# -- the user's open --------------------------------------------------------------------------


def test_open_looks_the_same_to_a_cell_with_and_without_nbprov(
    bare_shell: InteractiveShell,
) -> None:
    import builtins
    import io

    probe = (
        "import io\n"
        "seen = (open is io.open, open.__name__, open.__qualname__, open.__doc__,"
        " str(__import__('inspect').signature(open)))"
    )
    run(bare_shell, probe)
    plain = bare_shell.user_ns["seen"]
    real = builtins.open
    run(bare_shell, "%load_ext nbprov")
    run(bare_shell, probe)
    assert bare_shell.user_ns["seen"] == plain
    assert builtins.open is real and io.open is real  # put back between cells


FAILING_OPENS = [
    "open('/nonexistent/folder/file.txt')",
    "def load(p):\n    with open(p) as f:\n        return f.read()\nload('/nonexistent/x')",
    "import pathlib\npathlib.Path('/nonexistent/y').read_text()",
    "import os\nos.open('/nonexistent/z', os.O_RDONLY)",
    "try:\n    open('/nonexistent/w')\nexcept OSError as e:\n    raise OSError('wrapped') from e",
]


@pytest.mark.parametrize("cell", FAILING_OPENS)
def test_an_open_error_looks_as_it_does_without_nbprov(
    bare_shell: InteractiveShell, capsys: pytest.CaptureFixture[str], cell: str
) -> None:
    """The oracle is the same shell's own output before nbprov is loaded: the same text.
    Colours aside: where a library's frame is the last one shown, IPython highlights the
    failing call in it when that call had entered Python code (nbprov's wrapper), and not
    when it failed in C at once."""

    def shown() -> str:
        capsys.readouterr()
        result = run(bare_shell, cell)
        assert isinstance(result.error_in_exec, OSError)
        out = capsys.readouterr()
        return re.sub(r"In\[\d+\]", "In[N]", strip_ansi(out.out + out.err))

    plain = shown()
    run(bare_shell, "%load_ext nbprov")
    with_nbprov = shown()
    assert "nbprov" not in with_nbprov
    assert with_nbprov == plain
    run(bare_shell, "%unload_ext nbprov")
    assert bare_shell.custom_exceptions == ()


def test_a_custom_exception_hook_of_the_users_is_left_alone(
    bare_shell: InteractiveShell,
) -> None:
    def mine(shell: Any, etype: Any, value: Any, tb: Any, tb_offset: Any = None) -> None:
        seen.append(value)

    seen: list[BaseException] = []
    bare_shell.set_custom_exc((KeyError,), mine)
    run(bare_shell, "%load_ext nbprov")
    run(bare_shell, "{}['k']")
    run(bare_shell, "%unload_ext nbprov")
    assert bare_shell.custom_exceptions == (KeyError,)
    assert len(seen) == 1


def test_a_cell_whose_source_is_not_utf8_is_recorded(shell: InteractiveShell) -> None:
    """A source holding a lone surrogate (undecodable bytes, a fuzzed line) is stored
    with the surrogate escaped; its hash is still of the text as run."""
    import IPython

    from nbprov.capture.source import cell_hash

    if IPython.version_info < (9,):
        pytest.skip("IPython 8 itself cannot compile a cell whose source is not UTF-8")
    source = "x = '\udcff'  # \ud800"
    with warnings.catch_warnings():
        warnings.simplefilter("error", NbprovRecordingWarning)
        run(shell, source)
        run(shell, "after = 1")
        found = record(shell)
    first = found["activations"][-2]
    assert first["cell_hash"] == cell_hash(source)
    assert first["source"] == "x = '\\udcff'  # \\ud800"


def test_records_the_store_never_took_are_reported_when_the_kernel_exits(
    tmp_path: Path,
) -> None:
    """A kernel that exits before its store could be opened cannot keep its records: it
    says so on its own stderr (the terminal, the Jupyter server's log), not silently."""
    import subprocess

    from support import subprocess_env

    (tmp_path / "plain-file").write_text("a file where the store's folder should be")
    path = tmp_path / "plain-file" / "store.db"
    script = (
        "from IPython.core.interactiveshell import InteractiveShell\n"
        "shell = InteractiveShell.instance()\n"
        "for cell in ('%load_ext nbprov', '%tag_var a metric\\na = 1', 'b = a + 1'):\n"
        "    shell.run_cell(cell)\n"
        "print('ran', shell.user_ns['b'])\n"
    )
    env = {**subprocess_env(), "NBPROV_DB": str(path)}
    env.pop("NBPROV_NOTEBOOK", None)
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "ran 2" in done.stdout
    said = [line for line in done.stderr.splitlines() if "reached the store" in line]
    assert len(said) == 1, done.stderr
    assert str(path) in said[0] and "given up" in said[0]
