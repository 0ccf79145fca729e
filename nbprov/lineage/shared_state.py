"""State one object shares with others, changed through it: class attributes changed
through an instance, and closure cells shared by several functions.

Both are checked only for objects the cell touched; the namespace is scanned only when a
closure's state did change (rare, and like the alias scan of a mutation).
"""

from __future__ import annotations

import types
from typing import Any

from ..capture.values import fingerprint


def notebook_class(obj: object, ns: dict[str, Any]) -> str | None:
    """The name a notebook class of ``obj`` (an instance) is bound to, if any."""
    cls = type(obj)
    if issubclass(cls, type):
        return None
    if cls.__module__ != ns.get("__name__", "__main__"):
        return None
    name = cls.__name__
    return name if ns.get(name) is cls else None


def is_notebook_class(obj: object, ns: dict[str, Any]) -> bool:
    return issubclass(type(obj), type) and getattr(obj, "__module__", None) == ns.get(
        "__name__", "__main__"
    )


def class_token(cls: object) -> str | None:
    """A fingerprint of a class's data attributes (methods and descriptors left out)."""
    if not isinstance(cls, type):
        return None
    data = {
        key: value
        for key, value in vars(cls).items()
        if not (key.startswith("__") and key.endswith("__"))
        and not callable(value)
        and not isinstance(value, (staticmethod, classmethod, property))
    }
    return fingerprint(data)


def sharing_closures(ns: dict[str, Any], changed: set[str]) -> set[str]:
    """Other notebook functions that close over a cell of the functions ``changed``."""
    cells: set[int] = set()
    for name in changed:
        func = ns.get(name)
        if isinstance(func, types.FunctionType) and func.__closure__:
            cells.update(id(c) for c in func.__closure__)
    if not cells:
        return set()
    out: set[str] = set()
    for name, obj in ns.items():
        if (
            name not in changed
            and type(obj) is types.FunctionType  # no isinstance: it may run a hook
            and obj.__closure__
            and obj.__globals__ is ns
            and any(id(c) in cells for c in obj.__closure__)
        ):
            out.add(name)
    return out
