"""Loading nbprov freezes the start-up heap for the cyclic GC, and only when it is safe."""

from __future__ import annotations

import gc
import weakref

import pytest
from IPython.core.interactiveshell import InteractiveShell
from support import run

import nbprov


@pytest.fixture(autouse=True)
def unfrozen() -> None:
    gc.unfreeze()


def test_a_first_cell_load_freezes_the_start_up_objects(bare_shell: InteractiveShell) -> None:
    run(bare_shell, "%load_ext nbprov")
    assert gc.get_freeze_count() > 10_000  # the interpreter's, IPython's and nbprov's
    nbprov.unload_ipython_extension(bare_shell)
    assert gc.get_freeze_count() == 0


def test_a_load_after_the_user_made_variables_does_not_freeze(
    bare_shell: InteractiveShell,
) -> None:
    run(bare_shell, "data = [1, 2, 3]")
    run(bare_shell, "%load_ext nbprov")
    assert gc.get_freeze_count() == 0


def test_it_can_be_turned_off(
    bare_shell: InteractiveShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NBPROV_GC_FREEZE", "0")
    run(bare_shell, "%load_ext nbprov")
    assert gc.get_freeze_count() == 0


def test_cyclic_garbage_made_after_loading_is_still_collected(
    shell: InteractiveShell,
) -> None:
    assert gc.get_freeze_count() > 0
    run(shell, "class Node:\n    pass\nnode = Node()\nnode.me = node")
    ref = weakref.ref(shell.user_ns["node"])
    run(shell, "del node")
    gc.collect()
    assert ref() is None
