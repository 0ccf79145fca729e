"""The traceback of a failing ``open()`` in a cell, shown as it is without nbprov.

While a cell runs, ``open`` is wrapped to note the files it opens (lineage/files.py). When
the real ``open`` raises, the wrapper is the last frame of the traceback, and IPython
always shows the last frame, even one marked ``__tracebackhide__``. So OSErrors a cell
raises are shown through IPython's custom-exception hook, which cuts the wrapper's frames
out of the traceback and hands it to the shell's usual display. Only OSError: a cell's
syntax errors also pass through that hook, and must keep their own display. A shell whose
hook someone else has set is left alone.
"""

from __future__ import annotations

import contextlib
from typing import Any

from nbprov.lineage import files

_HANDLED = (OSError,)  # this very tuple marks the hook as nbprov's


def install(shell: Any) -> bool:
    """Show ``shell``'s OSErrors without nbprov's frames; False when the hook is taken."""
    if getattr(shell, "custom_exceptions", None) != ():
        return False
    try:
        shell.set_custom_exc(_HANDLED, _show)
    except Exception:
        return False
    return True


def uninstall(shell: Any) -> None:
    if getattr(shell, "custom_exceptions", None) is _HANDLED:
        with contextlib.suppress(Exception):
            shell.set_custom_exc((), None)


def _show(shell: Any, etype: Any, value: Any, tb: Any, tb_offset: Any = None) -> None:
    with contextlib.suppress(Exception):
        tb = files.without_own_frames(tb)
        # The exceptions it was raised from or during are shown too: cut theirs as well.
        seen: set[int] = set()
        todo = [value]
        while todo:
            exc = todo.pop()
            if exc is None or id(exc) in seen:
                continue
            seen.add(id(exc))
            exc.__traceback__ = files.without_own_frames(exc.__traceback__)
            todo += [exc.__cause__, exc.__context__]
    shell.showtraceback((etype, value, tb), tb_offset=tb_offset, running_compiled_code=True)
