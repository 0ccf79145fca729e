"""The tracer's work per cell does not grow with the namespace (counted, not timed).

A namespace of 10,000 names, 1,000 containers, a memory-mapped array and objects whose
every hook raises; cells that touch none of them. The namespace is a dict that counts
what the tracer reads of it while the tracer runs (never while the cell's own code does):
after the one pass that builds the alias index, a cell costs a small constant number of
reads and no walk of the namespace, and no hook of an untouched object runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import new_shell

from nbprov.lineage.protocol import CellAccess
from nbprov.lineage.tracer import Tracer

NAMES = 10_000
CONTAINERS = 1_000
MAX_READS = 40  # per cell, whatever the namespace holds
HOOKS_RAN: list[str] = []


class CountingNamespace(dict[str, Any]):
    """Counts entries read and walks over every name, while ``counting`` is set."""

    counting = False
    reads = 0
    walks = 0

    def _read(self) -> None:
        if self.counting:
            self.reads += 1

    def _walk(self) -> None:
        if self.counting:
            self.walks += 1

    def __getitem__(self, key: str) -> Any:
        self._read()
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._read()
        return super().get(key, default)

    def __iter__(self) -> Iterator[str]:
        self._walk()
        return super().__iter__()

    def items(self) -> Any:
        self._walk()
        return super().items()

    def values(self) -> Any:
        self._walk()
        return super().values()


class Hostile(list[int]):
    """A notebook-defined list whose every hook records that it ran, then raises."""

    __module__ = "__main__"

    def _ran(self, hook: str) -> Any:
        HOOKS_RAN.append(hook)
        raise RuntimeError(hook)

    def __len__(self) -> int:
        return self._ran("__len__")  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[int]:
        return self._ran("__iter__")  # type: ignore[no-any-return]

    def __eq__(self, other: object) -> bool:
        return self._ran("__eq__")  # type: ignore[no-any-return]

    __hash__ = None

    def __repr__(self) -> str:
        return self._ran("__repr__")  # type: ignore[no-any-return]


class Lazy:
    """A notebook-defined object computing attributes on demand."""

    __module__ = "__main__"

    def __getattr__(self, name: str) -> Any:
        HOOKS_RAN.append(f"__getattr__({name})")
        raise AttributeError(name)


def big_namespace(ns: dict[str, Any], folder: Path) -> None:
    for i in range(NAMES):
        ns[f"v{i}"] = i
    for i in range(CONTAINERS):
        ns[f"c{i}"] = [i, {"k": [i]}] if i % 2 else {"k": list(range(20))}
    for i in range(100):
        ns[f"h{i}"] = Hostile()
        ns[f"g{i}"] = Lazy()
    path = folder / "big.bin"
    with open(path, "wb") as handle:
        handle.truncate(1 << 24)  # sparse
    ns["mm"] = np.memmap(path, dtype="uint8", mode="r")


class Driver:
    """Runs cells with a bare tracer around them, counting only the tracer's reads."""

    def __init__(self, ns: CountingNamespace) -> None:
        self.ns = ns
        self.tracer = Tracer()

    def run(self, source: str) -> tuple[CellAccess, int, int]:
        ns = self.ns
        ns.reads = ns.walks = 0
        ns.counting = True
        self.tracer.before_cell(source, source, ns)
        ns.counting = False
        exec(compile(source, "<cell>", "exec"), ns)
        ns.counting = True
        try:
            access = self.tracer.after_cell(ns, None)
        finally:
            ns.counting = False
        return access, ns.reads, ns.walks


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[Driver]:
    ns = CountingNamespace(__name__="__main__")
    exec("pass", ns)  # binds __builtins__, as a shell's namespace has it
    big_namespace(ns, tmp_path)
    HOOKS_RAN.clear()
    d = Driver(ns)
    yield d
    d.tracer.close()


def test_cells_touching_nothing_read_a_constant_share_of_the_namespace(driver: Driver) -> None:
    index = driver.tracer._aliases
    driver.run("z = [1]")
    # The first change in place builds the alias index: one pass, once.
    driver.run("z.append(2)")
    assert index.builds == 1
    cells = [
        "x = 1",
        "y = x + 1",
        "z.append(3)",
        "z = [y, y]\nz.append(4)",
        "z.append(5)",
        "w = len(z)",
        "del w",
        "holder = {'z': z}",
        "z.append(6)",
    ]
    for source in cells * 3:
        inspected = index.inspected
        access, reads, walks = driver.run(source)
        assert walks == 0, source
        assert reads <= MAX_READS, (source, reads)
        assert index.inspected - inspected <= MAX_READS, source
    assert index.builds == 1
    assert access.mutates == {"z", "holder"}  # the index still finds the container
    assert HOOKS_RAN == []


def test_a_name_bound_between_cells_is_seen_after_one_rebuild(driver: Driver) -> None:
    index = driver.tracer._aliases
    driver.run("z = [1]")
    driver.run("z.append(2)")
    driver.ns["outer"] = [driver.ns["z"]]  # bound outside any cell
    assert driver.run("z.append(3)")[0].mutates == {"z", "outer"}
    assert index.builds == 2
    assert driver.run("z.append(4)")[2] == 0
    assert index.builds == 2


@pytest.fixture
def shell(tmp_path: Path) -> Iterator[InteractiveShell]:
    shell = new_shell()
    yield shell
    InteractiveShell.clear_instance()


def test_in_a_shell_the_index_is_built_once(shell: InteractiveShell, tmp_path: Path) -> None:
    """IPython's own names (``_i``, ``_N``, ``Out``) change every cell: they must not
    force a new pass over the namespace."""
    tracer = Tracer(shell)
    accesses: list[CellAccess] = []

    def pre(info: Any) -> None:
        source = info.raw_cell
        tracer.before_cell(source, shell.transform_cell(source), shell.user_ns)

    def post(result: Any) -> None:
        accesses.append(tracer.after_cell(shell.user_ns, result.error_in_exec))

    shell.events.register("pre_run_cell", pre)
    shell.events.register("post_run_cell", post)
    try:
        big_namespace(shell.user_ns, tmp_path)
        HOOKS_RAN.clear()
        for source in ["pass", "z = [1]", "z.append(2)"]:
            shell.run_cell(source, store_history=True)
        index = tracer._aliases
        assert index.builds == 1
        for source in ["z", "z.append(3)", "x = 1", "z.append(4)", "z", "w = len(z)"] * 3:
            inspected = index.inspected
            shell.run_cell(source, store_history=True)
            assert index.inspected - inspected <= MAX_READS, source
        assert index.builds == 1
        # The outputs that showed z earlier change with it.
        *earlier, last_append, _, _ = accesses
        shown = {n for a in earlier if "z" in a.reads for n in a.binds if n.startswith("out:")}
        assert len(shown) == 5
        assert {n for n in last_append.mutates if n.startswith("out:")} == shown
        assert HOOKS_RAN == []
    finally:
        shell.events.unregister("pre_run_cell", pre)
        shell.events.unregister("post_run_cell", post)
        tracer.close()
