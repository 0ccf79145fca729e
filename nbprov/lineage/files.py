"""Files a cell opens, seen through an audit hook on ``open``.

Audit hooks cannot be removed, so one hook is installed per process, the first time a
tracer needs it, and it does nothing unless a cell is being traced on the calling thread.
"""

from __future__ import annotations

import contextlib
import os
import site
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
_SKIP_SUFFIXES = (".py", ".pyc", ".pyi", ".so", ".pyd", ".pth", ".dist-info")
MAX_FILES = 64  # per cell: a cell touching thousands of files is summarised by the first ones


def _noise_roots() -> tuple[str, ...]:
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, "/dev", "/proc", "/sys", "/usr", "/etc"}
    try:
        roots.update(site.getsitepackages())
        roots.add(site.getusersitepackages())
    except Exception:
        pass
    home = os.path.expanduser("~")
    roots.update(
        os.path.join(home, d)
        for d in (".cache", ".ipython", ".config", ".local", ".matplotlib", ".jupyter")
    )
    return tuple(sorted(r.rstrip(os.sep) + os.sep for r in roots if r))


@dataclass
class FileLog:
    """Files opened on one thread while one cell runs."""

    thread: int = field(default_factory=threading.get_ident)
    written: dict[str, str] = field(default_factory=dict)  # path -> "bind" | "mutate"
    read: set[str] = field(default_factory=set)


_ACTIVE: list[FileLog] = []
_INSTALLED = False
_LOCK = threading.Lock()
_ROOTS: tuple[str, ...] = ()


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _ACTIVE:
        return
    # An audit hook must never raise into the code that opened a file.
    with contextlib.suppress(Exception):
        _record(args)


def _record(args: tuple[Any, ...]) -> None:
    me = threading.get_ident()
    logs = [log for log in _ACTIVE if log.thread == me]
    if not logs:
        return
    path, mode, flags = (*tuple(args), None, None, None)[:3]
    if isinstance(path, int) or path is None:
        return
    path = os.fsdecode(path)
    if path.endswith(_SKIP_SUFFIXES):
        return
    path = os.path.abspath(path)
    if path.startswith(_ROOTS):
        return
    if isinstance(mode, str):
        writes = any(c in mode for c in "wax+")
        kind = "mutate" if ("a" in mode or "+" in mode) else "bind"
    else:
        f = flags if isinstance(flags, int) else 0
        writes = bool(f & _WRITE_FLAGS)
        kind = "bind" if f & os.O_TRUNC else "mutate"
    for log in logs:
        if len(log.written) + len(log.read) >= MAX_FILES:
            continue
        if writes:
            if log.written.get(path) != "bind":
                log.written[path] = kind
        else:
            log.read.add(path)


def start() -> FileLog:
    """Begin logging files opened on this thread."""
    global _INSTALLED, _ROOTS
    with _LOCK:
        if not _INSTALLED:
            _ROOTS = _noise_roots()
            sys.addaudithook(_hook)
            _INSTALLED = True
    log = FileLog()
    _ACTIVE.append(log)
    return log


def stop(log: FileLog) -> None:
    with contextlib.suppress(ValueError):
        _ACTIVE.remove(log)
