"""What the JupyterLab extension asks the kernel: the id of this kernel's trial.

The extension evaluates :func:`kernel_trial_id` as a user expression of a silent execute
request (no history, no execution count, no recorded activation), so the panel, the cell
badges and the pickers follow the trial of the kernel attached to the notebook, not the
latest trial any process wrote for it.
"""

from __future__ import annotations

from typing import Any

# The expression the extension sends; it imports nothing into a kernel without nbprov.
EXPRESSION = (
    "__import__('nbprov.kernel.lab_link').kernel.lab_link.kernel_trial_id() "
    "if 'nbprov' in __import__('sys').modules else None"
)


def kernel_trial_id(shell: Any = None) -> int | None:
    """This kernel's trial id, or None when nbprov is not recording or the trial's row is
    not written yet. Never waits and never raises."""
    try:
        from nbprov.kernel.attach import recorder_of

        recorder = recorder_of(shell)
        if recorder is None:
            return None
        trial_id = recorder.trial.ref.id
        return int(trial_id) if trial_id is not None else None
    except Exception:
        return None
