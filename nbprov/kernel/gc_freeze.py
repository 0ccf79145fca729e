"""Keep Python's cyclic garbage collector from re-scanning what loading nbprov added.

Loading nbprov imports SQLAlchemy: about 30,000 objects that live as long as the kernel.
Every full collection walks every tracked object, so without help a cell that allocates
a lot (imports, building large object graphs) spends noticeably longer in the collector
than in a plain kernel. ``gc.freeze()`` moves every object that exists at that moment to
a permanent generation that collections skip.

Freezing is all or nothing, so it is done only when it cannot pin anything of the
user's: at kernel start-up or in a first cell, while the namespace holds no variables
yet. What it pins then is the interpreter's, IPython's and nbprov's start-up state, all of
which lives as long as the kernel anyway; frozen objects are still freed the usual way
when their last reference goes. ``NBPROV_GC_FREEZE=0`` turns it off; unloading nbprov
unfreezes what loading it froze.
"""

from __future__ import annotations

import gc
import os
from typing import Any

from nbprov.capture.ipython_names import is_history_name

ENV_SWITCH = "NBPROV_GC_FREEZE"


def holds_user_variables(shell: Any) -> bool:
    hidden = getattr(shell, "user_ns_hidden", {}) or {}
    return any(
        name not in hidden and not name.startswith("__") and not is_history_name(name)
        for name in shell.user_ns
    )


def freeze_startup_objects(shell: Any) -> bool:
    """Freeze the objects alive now, unless the user has variables or opted out; whether
    it froze."""
    if os.environ.get(ENV_SWITCH, "1") == "0" or holds_user_variables(shell):
        return False
    gc.freeze()
    return True


def unfreeze() -> None:
    gc.unfreeze()
