"""Files a cell opens, seen through ``open`` itself while the cell runs.

While a cell is traced, ``builtins.open`` (which ``io.open`` is), ``io.open``, the
reference IPython's own ``open`` keeps, and ``os.open`` are replaced by thin wrappers
that note the path and mode of each file opened successfully on the cell's thread, then
hand over to the real function; when the cell ends the real functions are put back.
That covers what user code and libraries open from Python: ``open``, ``pathlib``,
pandas' and NumPy's readers and writers, ``pickle`` and ``json`` on an open file,
``gzip``, ``shutil``.

An audit hook on the ``open`` event would see a little more, but an audit hook can never
be removed, and Python calls it on every audited event in the process (each ``id()``,
``exec``, ``compile`` and import step): that slowed an import-heavy cell by about 6%.
"""

from __future__ import annotations

import builtins
import contextlib
import functools
import io
import os
import site
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
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
_LOCK = threading.Lock()
_ROOTS: tuple[str, ...] = ()
# (module, attribute) -> the real function, while the wrappers are in place.
_REAL: dict[tuple[Any, str], Callable[..., Any]] = {}
_WRAPPERS: dict[tuple[Any, str], Callable[..., Any]] = {}


def _record(path: Any, mode: Any, flags: Any) -> None:
    me = threading.get_ident()
    logs = [log for log in _ACTIVE if log.thread == me]
    if not logs:
        return
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


def _argument(args: tuple[Any, ...], kwargs: dict[str, Any], index: int, name: str) -> Any:
    return args[index] if len(args) > index else kwargs.get(name)


def _wrap(real: Callable[..., Any], kind: str) -> Callable[..., Any]:
    """``real`` noting what it opened: ``open(file, mode, ...)`` when ``kind`` is "file",
    ``os.open(path, flags, ...)`` when it is "os"."""

    @functools.wraps(real)
    def open(*args: Any, **kwargs: Any) -> Any:
        opened = real(*args, **kwargs)
        if _ACTIVE:
            # Noting a file must never break the code that opened it.
            with contextlib.suppress(Exception):
                if kind == "os":
                    path, mode = _argument(args, kwargs, 0, "path"), None
                    flags = _argument(args, kwargs, 1, "flags")
                else:
                    path, mode = _argument(args, kwargs, 0, "file"), "r"
                    mode = _argument(args, kwargs, 1, "mode") or mode
                    flags = None
                _record(path, mode, flags)
        return opened

    return open


_WRAPPER_CODE = _wrap(io.open, "file").__code__  # every wrapper runs this code


def without_own_frames(tb: TracebackType | None) -> TracebackType | None:
    """``tb`` with the wrappers' frames cut out: a wrapper hands over to the real function
    at once, so its frame says nothing about the user's code."""
    while tb is not None and tb.tb_frame.f_code is _WRAPPER_CODE:
        tb = tb.tb_next
    node = tb
    while node is not None:
        after = node.tb_next
        while after is not None and after.tb_frame.f_code is _WRAPPER_CODE:
            after = after.tb_next
        node.tb_next = after
        node = after
    return tb


def _file_open_names() -> list[tuple[Any, str]]:
    """Where ``open`` is looked up at call time: builtins, ``io``, and the reference
    IPython's own ``open`` (the one a notebook cell calls) keeps to the real one."""
    names: list[tuple[Any, str]] = [(builtins, "open"), (io, "open")]
    shell_module = sys.modules.get("IPython.core.interactiveshell")
    if getattr(shell_module, "io_open", None) is io.open:
        names.append((shell_module, "io_open"))
    return names


@functools.lru_cache(maxsize=8)
def _wrapper(real: Callable[..., Any], kind: str) -> Callable[..., Any]:
    """One wrapper per real function, made once (cells install them over and over)."""
    return _wrap(real, kind)


def _install() -> None:
    global _ROOTS
    if not _ROOTS:
        _ROOTS = _noise_roots()
    wrapped = _wrapper(io.open, "file")
    for target in _file_open_names():
        _REAL[target], _WRAPPERS[target] = getattr(*target), wrapped
        setattr(*target, wrapped)
    target = (os, "open")
    _REAL[target], _WRAPPERS[target] = os.open, _wrapper(os.open, "os")
    os.open = _WRAPPERS[target]


def _uninstall() -> None:
    for target, real in _REAL.items():
        # Leave a replacement the user's own code put there since.
        if getattr(*target) is _WRAPPERS[target]:
            setattr(*target, real)
    _REAL.clear()
    _WRAPPERS.clear()


def start() -> FileLog:
    """Begin logging files opened on this thread."""
    log = FileLog()
    with _LOCK:
        if not _ACTIVE:
            _install()
        _ACTIVE.append(log)
    return log


def stop(log: FileLog) -> None:
    with _LOCK:
        with contextlib.suppress(ValueError):
            _ACTIVE.remove(log)
        if not _ACTIVE and _REAL:
            _uninstall()
