"""Helpers for tests that drive an in-process IPython shell with nbprov."""

from __future__ import annotations

from typing import Any

from IPython.core.interactiveshell import InteractiveShell

import nbprov


def new_shell() -> InteractiveShell:
    InteractiveShell.clear_instance()
    return InteractiveShell.instance()  # type: ignore[no-any-return]


def close_shell(shell: InteractiveShell) -> None:
    nbprov.unload_ipython_extension(shell)
    InteractiveShell.clear_instance()


def run(shell: InteractiveShell, source: str, **kwargs: Any) -> Any:
    """Run one cell as a front end would (stored in history, so it gets a count)."""
    return shell.run_cell(source, store_history=True, **kwargs)


def flush(shell: InteractiveShell) -> None:
    """Wait until the recorder's writes are in the store."""
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    assert recorder.writer.flush()
