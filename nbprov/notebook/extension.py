"""``%load_ext nbprov``: start recording the shell and register the magics."""

from __future__ import annotations

from typing import Any

from nbprov.kernel import attach
from nbprov.notebook.magics import NbprovMagics


def load(shell: Any) -> None:
    # The magics are registered whatever happens to the store, so tagged cells always run.
    recorder = attach.start(shell)
    if recorder is not None:
        shell.register_magics(NbprovMagics(shell, recorder))


def unload(shell: Any) -> None:
    attach.stop(shell)
