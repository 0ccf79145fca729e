"""Helpers for tests that drive an in-process IPython shell with nbprov."""

from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from IPython.core.interactiveshell import InteractiveShell
from nbformat.v4 import new_notebook

import nbprov

ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    """``text`` without terminal colour codes."""
    return ANSI_ESCAPE.sub("", text)


def new_shell() -> InteractiveShell:
    InteractiveShell.clear_instance()
    return InteractiveShell.instance()  # type: ignore[no-any-return]


def close_shell(shell: InteractiveShell) -> None:
    nbprov.unload_ipython_extension(shell)
    # IPython keeps every shell alive until exit through its atexit hook, which then
    # resets each one with a full garbage collection: hundreds of shells made pytest's
    # exit take minutes. A test's shell is done with here.
    atexit.unregister(shell.atexit_operations)
    history = shell.history_manager
    if history is not None:
        if hasattr(history, "close"):  # IPython 9
            history.close()
        elif history.save_thread is not None:  # IPython 8
            history.save_thread.stop()
    InteractiveShell.clear_instance()


def run(shell: InteractiveShell, source: str, **kwargs: Any) -> Any:
    """Run one cell as a front end would (stored in history, so it gets a count)."""
    return shell.run_cell(source, store_history=True, **kwargs)


def flush(shell: InteractiveShell) -> None:
    """Wait until the recorder's writes are in the store."""
    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    assert recorder.flush()


def subprocess_env() -> dict[str, str]:
    """This environment, with the nbprov under test importable even when not installed."""
    env = dict(os.environ)
    root = str(Path(nbprov.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([root, *filter(None, [env.get("PYTHONPATH")])])
    return env


# The console script's entry point, as the installed ``nbprov`` command calls it.
ENTRY = "import sys; from nbprov.cli.main import main; sys.exit(main(sys.argv[1:]))"


def run_nbprov(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The nbprov command in a fresh interpreter, run in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=env or subprocess_env(),
    )


def nbprov_cli(db: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    """The nbprov command in a fresh interpreter, reading the store ``db``."""
    return subprocess.run(
        [sys.executable, "-m", "nbprov", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env=subprocess_env(),
    )


def cli_json(db: Path | str, *args: str) -> Any:
    """Run the nbprov command and parse its JSON output."""
    proc = nbprov_cli(db, *args, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def write_notebook(path: Path, cells: list[Any]) -> Path:
    """Write ``cells`` as a python3 notebook at ``path``."""
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


@contextmanager
def shell_recording_into(folder: Path) -> Iterator[InteractiveShell]:
    """A shell with nbprov loaded, recording into a store in ``folder`` (``NBPROV_DB``
    points there meanwhile, and is put back after)."""
    saved = os.environ.get("NBPROV_DB")
    os.environ["NBPROV_DB"] = str(folder / "nbprov.db")
    shell = new_shell()
    run(shell, "%load_ext nbprov")
    try:
        yield shell
    finally:
        close_shell(shell)
        if saved is None:
            os.environ.pop("NBPROV_DB", None)
        else:
            os.environ["NBPROV_DB"] = saved


def slice_of_cells(
    shell: InteractiveShell,
    trial: str,
    cells: Sequence[str],
    target: str,
    rewrite: Callable[[str, int], str] = lambda cell, _first: cell,
) -> frozenset[int]:
    """Run ``cells`` as a new trial (``rewrite(cell, first execution count)`` first) and
    return the indices of the cells in ``target``'s backward slice."""
    from nbprov.lineage.slicing import slice_json

    recorder = nbprov.get_recorder(shell)
    assert recorder is not None
    recorder.new_trial(trial)
    shell.reset(new_session=False)
    first = shell.execution_count
    for cell in cells:
        run(shell, rewrite(cell, first))
    flush(shell)
    with recorder.store.engine.connect() as conn:
        answer = slice_json(conn, recorder.trial_id, target)
    # Activations are numbered 1.. within the trial, in execution order.
    return frozenset(a["seq"] - 1 for a in answer["activations"])
