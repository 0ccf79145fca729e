"""State one object shares with others, changed through it: class attributes changed
through an instance, closure cells shared by several functions, and modules the notebook
bound to a name and changed (read again by ``from M import ...``).

Both are checked only for objects the cell touched; the other functions sharing a changed
closure cell are found through the alias index (:mod:`.aliases`), not by a scan.
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from nbprov.capture.values import fingerprint

if TYPE_CHECKING:
    from nbprov.lineage.static import CellFacts


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


def class_tokens(names: set[str] | frozenset[str], ns: dict[str, Any]) -> dict[str, str | None]:
    """Tokens of the notebook classes a cell may change: the classes it names (``setattr(Cls,
    ...)``) and those of the instances it may change (``type(self).count += 1``)."""
    out: dict[str, str | None] = {}
    for name in names:
        obj = ns.get(name)
        cls_name = name if is_notebook_class(obj, ns) else notebook_class(obj, ns)
        if cls_name is not None and cls_name not in out:
            out[cls_name] = class_token(ns[cls_name])
    return out


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


class BoundModules:
    """Module objects cells bound to names, by id: ``from M import x`` reads that name
    (its part ``name.x`` once some cell changed the module part by part)."""

    def __init__(self, parted: set[str]) -> None:
        self._names: dict[int, str] = {}
        self._parted = parted  # the tracer's names with parts (shared, not copied)

    def bound(self, names: set[str], ns: dict[str, Any]) -> None:
        for name in names:
            obj = ns.get(name)
            if type(obj) is types.ModuleType:
                self._names[id(obj)] = name

    def reads(self, facts: CellFacts, ns: dict[str, Any]) -> set[str]:
        out: set[str] = set()
        for module, imported in facts.from_imports.items():
            mod = sys.modules.get(module)
            name = self._names.get(id(mod)) if mod is not None else None
            if name is None or ns.get(name) is not mod:
                continue
            if "*" in imported or name not in self._parted:
                out.add(name)
            else:
                out.update(f"{name}.{a}" for a in imported)
        return out
