"""The kernel tells the JupyterLab extension its own trial id."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell
from support import run

from nbprov.kernel.lab_link import EXPRESSION, kernel_trial_id


def test_kernel_trial_id_follows_this_kernel(bare_shell: InteractiveShell) -> None:
    shell = bare_shell
    assert kernel_trial_id(shell) is None  # nbprov not loaded
    run(shell, "%load_ext nbprov")
    run(shell, "x = 1")
    run(shell, "%trial")  # waits for the trial's row
    first = kernel_trial_id(shell)
    assert isinstance(first, int)
    # The expression the extension evaluates gives the same answer in the shell.
    assert shell.ev(EXPRESSION) == first
    run(shell, "%trial new second")
    second = kernel_trial_id(shell)
    assert isinstance(second, int) and second != first
    run(shell, "%unload_ext nbprov")
    assert kernel_trial_id(shell) is None
