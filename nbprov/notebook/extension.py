"""``%load_ext nbprov``: start recording the shell, register the magics, and say in one
line where the record goes and where to look at it."""

from __future__ import annotations

from typing import Any

from nbprov.kernel import attach
from nbprov.notebook.magics import NbprovMagics
from nbprov.store.engine import brief_location


def load(shell: Any) -> None:
    # The magics are registered whatever happens to the store, so tagged cells always run.
    recorder = attach.start(shell)
    if recorder is not None:
        shell.register_magics(NbprovMagics(shell, recorder))
        if in_front_end_cell(shell):
            print(loaded_line(recorder.url))


def unload(shell: Any) -> None:
    attach.stop(shell)


def in_front_end_cell(shell: Any) -> bool:
    """Whether the load runs in a cell a front end (JupyterLab, Notebook, VS Code) sent.

    A kernel's shell knows the request it is answering (its parent header); a terminal
    IPython has none, and a kernel loading nbprov at start-up (``--ext=nbprov``, as
    ``nbprov run`` does) has an empty one: nobody would see the line there.
    """
    header = getattr(shell, "parent_header", None)
    return isinstance(header, dict) and bool(header)


def loaded_line(url: str) -> str:
    """The one line ``%load_ext nbprov`` prints in a notebook."""
    # \u203a: the menu path's separator, as the README writes it.
    return (
        f"nbprov: recording to {brief_location(url)} \N{EM DASH} see the Provenance panel "
        "in JupyterLab's right sidebar (View \u203a Show Provenance Panel)"
    )
