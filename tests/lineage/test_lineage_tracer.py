"""The tracer's runtime side: references, cost proportional to the cell, file hooks."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import new_shell

import nbprov.lineage.tracer as tracer_module
from nbprov.lineage import files
from nbprov.lineage.protocol import CellAccess
from nbprov.lineage.tracer import Tracer


class Traced:
    """A shell driven by a bare Tracer through IPython's own hooks."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell
        self.tracer = Tracer(shell)
        self.accesses: list[CellAccess] = []
        shell.events.register("pre_run_cell", self._pre)
        shell.events.register("post_run_cell", self._post)

    def _pre(self, info: Any) -> None:
        source = info.raw_cell
        self.tracer.before_cell(source, self.shell.transform_cell(source), self.shell.user_ns)

    def _post(self, result: Any) -> None:
        self.accesses.append(self.tracer.after_cell(self.shell.user_ns, result.error_in_exec))

    def run(self, source: str) -> CellAccess:
        self.shell.run_cell(source, store_history=True)
        return self.accesses[-1]

    def close(self) -> None:
        self.shell.events.unregister("pre_run_cell", self._pre)
        self.shell.events.unregister("post_run_cell", self._post)
        self.tracer.close()


@pytest.fixture
def traced() -> Iterator[Traced]:
    t = Traced(new_shell())
    yield t
    t.close()
    InteractiveShell.clear_instance()


def test_a_deleted_large_object_is_freed(traced: Traced) -> None:
    traced.run("import numpy as np\nbig = np.zeros(2_000_000)")
    traced.run("big[0] = 1.0")  # a mutation: fingerprinted before and after
    ref = weakref.ref(traced.shell.user_ns["big"])
    access = traced.run("del big")
    assert access.deletes == {"big"}
    gc.collect()
    assert ref() is None


def test_only_touched_objects_are_read(traced: Traced, monkeypatch: pytest.MonkeyPatch) -> None:
    traced.run("\n".join(f"v{i} = list(range(100))" for i in range(50)) + "\nlst = [1]")
    seen: list[object] = []
    real = tracer_module.state_token

    def counting(obj: object) -> str | None:
        seen.append(obj)
        return real(obj)

    monkeypatch.setattr(tracer_module, "state_token", counting)
    traced.run("y = v1[0] + 1")
    assert seen == []
    traced.run("lst.append(2)")
    assert seen and all(obj is traced.shell.user_ns["lst"] for obj in seen)


def test_pure_calls_are_not_mutations(traced: Traced) -> None:
    traced.run("x = [3, 1]\ns = 'ab'\nimport pandas as pd\ndf = pd.DataFrame({'a': [1]})")
    for cell in ("print(x)", "sorted(x)", "s.upper()", "df.head()", "len(df)"):
        access = traced.run(cell)
        assert access.mutates == set(), cell
        # A displayed result binds only the output history entry (``out:N``).
        assert {n for n in access.binds if not n.startswith("out:")} == set(), cell


def test_namespace_diff_catches_dynamic_binds(traced: Traced) -> None:
    traced.run("x = 1")
    access = traced.run("exec(compile('x = 2; y = 3', 'f', 'exec'))")
    assert access.binds == {"x", "y"}


def test_mutation_reaches_aliases(traced: Traced) -> None:
    traced.run("a = [1]\nb = a\nc = {'k': a}\nd = [2]")
    access = traced.run("b.append(3)")
    assert access.mutates == {"a", "b", "c"}
    assert "b" in access.reads


def test_aliases_follow_later_binds_deletes_and_changes(traced: Traced) -> None:
    traced.run("a = [1]\nb = a\nc = {'k': a}")
    assert traced.run("b.append(2)").mutates == {"a", "b", "c"}  # builds the index
    traced.run("del b")
    assert traced.run("a.append(3)").mutates == {"a", "c"}
    traced.run("c = {}")
    assert traced.run("a.append(4)").mutates == {"a"}
    traced.run("e = []")
    traced.run("e.append(a)")  # a holder changed in place holds it from now on
    assert traced.run("a.append(5)").mutates == {"a", "e"}
    traced.run("e.clear()")
    assert traced.run("a.append(6)").mutates == {"a"}
    traced.run("import numpy as np\nm = np.zeros(4)\nv = m[1:]")
    assert traced.run("v[0] = 1").mutates == {"m", "v"}
    traced.run("del v")
    assert traced.run("m[1] = 2").mutates == {"m"}


def test_an_alias_entry_is_checked_before_it_is_believed(traced: Traced) -> None:
    ns = traced.shell.user_ns
    traced.run("a = [1]\nholder = [a]\nother = [a]\nlast = 0")
    assert traced.run("a.append(2)").mutates == {"a", "holder", "other"}
    # Changed between cells where the tracer cannot see (same names, same last name).
    ns["holder"] = []
    ns["other"].clear()
    assert traced.run("a.append(3)").mutates == {"a"}


def test_the_alias_index_keeps_no_object_alive(traced: Traced) -> None:
    traced.run("import numpy as np\nclass Box:\n    pass\na = np.zeros(3)\nbox = Box()\nbox.a = a")
    assert traced.run("a[0] = 1").mutates == {"a", "box"}
    refs = [weakref.ref(traced.shell.user_ns[n]) for n in ("a", "box")]
    traced.run("del a, box")
    gc.collect()
    assert [r() for r in refs] == [None, None]


def test_ipythons_own_history_containers_are_not_aliases(traced: Traced) -> None:
    traced.run("lst = [1]")
    shown = traced.run("lst").binds
    assert traced.run("lst.append(2)").mutates == {"lst"} | shown  # ``out:N``, not ``Out``


def test_raising_cell_reports_only_what_changed(traced: Traced) -> None:
    traced.run("x = 1\ny = 2")
    access = traced.run("x = 10\nraise ValueError\ny = 20")
    assert access.binds == {"x"}


def test_nested_cells_keep_the_outer_cells_access(traced: Traced) -> None:
    traced.run("a = 3")
    traced.run("%%capture\nb = a + 1")
    outer = traced.accesses[-1]
    assert "b" in outer.binds


def test_random_state_reads_and_seeds(traced: Traced) -> None:
    traced.run("import numpy as np")
    assert traced.run("np.random.seed(1)").binds == {tracer_module.RANDOM_NUMPY}
    draw = traced.run("v = np.random.rand()")
    assert tracer_module.RANDOM_NUMPY in draw.reads & draw.mutates
    assert tracer_module.RANDOM_NUMPY not in traced.run("w = 1").reads


def test_files_written_and_read(traced: Traced, tmp_path: Path) -> None:
    path = tmp_path / "out.txt"
    written = traced.run(f"open({str(path)!r}, 'w').write('1')")
    assert f"file:{path}" in written.binds
    read = traced.run(f"t = open({str(path)!r}).read()")
    assert f"file:{path}" in read.reads


def test_file_hook_is_idle_outside_cells_and_other_threads(tmp_path: Path) -> None:
    log = files.start()
    try:
        worker = threading.Thread(target=lambda: open(tmp_path / "t.txt", "w").close())
        worker.start()
        worker.join()
        open(tmp_path / "u.txt", "w").close()
    finally:
        files.stop(log)
    assert str(tmp_path / "t.txt") not in log.written
    assert str(tmp_path / "u.txt") in log.written
    open(tmp_path / "v.txt", "w").close()
    assert str(tmp_path / "v.txt") not in log.written
    assert log not in files._ACTIVE


def test_known_pure_methods_skip_fingerprints(
    traced: Traced, monkeypatch: pytest.MonkeyPatch
) -> None:
    traced.run("import pandas as pd\ndf = pd.DataFrame({'a': range(50_000)})")
    seen: list[object] = []
    real = tracer_module.state_token

    def counting(obj: object) -> str | None:
        seen.append(obj)
        return real(obj)

    monkeypatch.setattr(tracer_module, "state_token", counting)
    assert traced.run("df.head()\ndf['a'].sum()").mutates == set()
    assert seen == []
    assert traced.run("df.iloc[0, 0] = -1").mutates == {"df"}
    assert traced.run("def touch(frame):\n    frame.iloc[0, 0] = -2").binds == {"touch"}
    seen.clear()
    assert traced.run("touch(df)").mutates == {"df"}
    assert len(seen) == 2  # before and after the call that passed df on


def test_open_is_patched_only_while_a_cell_runs(tmp_path: Path) -> None:
    import builtins
    import io
    import os

    real_open, real_os_open = builtins.open, os.open
    outer = files.start()
    inner = files.start()  # a nested cell
    assert builtins.open is not real_open and io.open is builtins.open
    (tmp_path / "p.txt").write_text("x")  # pathlib goes through io.open
    os.close(os.open(tmp_path / "fd.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC))
    with pytest.raises(FileNotFoundError), open(tmp_path / "missing.txt"):
        pass
    files.stop(inner)
    assert builtins.open is not real_open  # the outer cell still runs
    files.stop(outer)
    assert builtins.open is real_open and io.open is real_open and os.open is real_os_open
    assert outer.written == {str(tmp_path / "p.txt"): "bind", str(tmp_path / "fd.txt"): "bind"}
    assert outer.read == set()  # a file that failed to open was not read


def test_a_users_own_open_replacement_is_left_in_place() -> None:
    import builtins

    real_open = builtins.open
    log = files.start()

    def users_open(*args: Any, **kwargs: Any) -> Any:
        return real_open(*args, **kwargs)

    builtins.open = users_open
    try:
        files.stop(log)
        assert builtins.open is users_open
    finally:
        builtins.open = real_open
