"""Other names that see a change made through one, found without scanning the namespace.

A change to an object in place is a change for every name bound to it, for every NumPy
view sharing its memory, for every small container (or notebook instance) holding it, and,
for a closure's state, for every notebook function closing over the same cell. Scanning
the namespace for those on every cell that changes something costs time proportional to
the namespace (10,000 names: milliseconds per cell). Instead an index is kept, by id:

- id(object) -> the names bound to it;
- id(array owning the memory) -> the names of ndarrays using that memory;
- id(item) -> the names of exact built-in containers (at most ``MAX_CONTAINER_SCAN``
  items) and of hook-free notebook instances that directly hold it;
- id(closure cell) -> the names of notebook functions closing over it.

It is built in one pass the first time a cell changes something, then updated only for
the names each cell bound, deleted or changed in place (and dropped when the namespace
changed between cells). It keeps ids and names, never the objects, and an id is reused
once its object dies, so every entry is checked against the namespace before it is
believed: the name still bound to the indexed object, the holder still holding the item.
Nothing is read but ``__dict__`` entries and items of exact built-in containers: no user
code runs. Exact ints, strings and the like are never indexed (no cell changes them).
"""

from __future__ import annotations

import re
import types
from collections.abc import Collection, Iterable
from typing import Any

from nbprov.lineage.parts import instance_dict

MAX_CONTAINER_SCAN = 1000  # a container holding a changed object changes too; bounded
_CONTAINERS = (list, tuple, dict, set, frozenset)
# Exact types no cell changes in place: never a changed object, so never worth an entry.
_ATOMS = frozenset({int, float, complex, str, bytes, bool, type(None), range})
_OUTPUT = re.compile(r"_\d+")
_NONE: tuple[str, ...] = ()
_MISSING = object()


class _Names:
    """id -> names; an id with one name (the usual case) stores the bare string."""

    __slots__ = ("_map",)

    def __init__(self) -> None:
        self._map: dict[int, str | set[str]] = {}

    def add(self, key: int, name: str) -> None:
        old = self._map.get(key)
        if old is None:
            self._map[key] = name
        elif isinstance(old, str):
            if old != name:
                self._map[key] = {old, name}
        else:
            old.add(name)

    def discard(self, key: int, name: str) -> None:
        old = self._map.get(key)
        if old is None:
            return
        if isinstance(old, str):
            if old == name:
                del self._map[key]
            return
        old.discard(name)
        if len(old) == 1:
            self._map[key] = next(iter(old))

    def get(self, key: int) -> Iterable[str]:
        found = self._map.get(key)
        if found is None:
            return _NONE
        return (found,) if isinstance(found, str) else tuple(found)


class _Entry:
    """What the index holds for one name: ids only."""

    __slots__ = ("base", "cells", "items", "obj")

    def __init__(
        self, obj: int, base: int | None, items: tuple[int, ...], cells: tuple[int, ...]
    ) -> None:
        self.obj = obj
        self.base = base
        self.items = items
        self.cells = cells


class AliasIndex:
    """The index of one namespace; ``inspected`` counts the namespace entries it read."""

    def __init__(self, hidden: dict[str, Any] | None = None) -> None:
        # Names IPython bound (``Out``, ``In``, ``exit``) are left out while they hold its own
        # value: its history containers change behind the cells' backs, and an output they
        # hold has its own entry ``_N`` (kept: it names the cell that showed the object).
        self._hidden = hidden if hidden is not None else {}
        self._entries: dict[str, _Entry] | None = None
        self._by_id = _Names()
        self._by_base = _Names()
        self._by_item = _Names()
        self._by_cell = _Names()
        self.inspected = 0
        self.builds = 0

    @property
    def built(self) -> bool:
        return self._entries is not None

    def invalidate(self) -> None:
        """Forget everything (the namespace changed out of sight): rebuilt when next needed."""
        self._entries = None
        self._by_id, self._by_base = _Names(), _Names()
        self._by_item, self._by_cell = _Names(), _Names()

    def update(self, ns: dict[str, Any], names: Iterable[str]) -> None:
        """Index ``names`` afresh (bound, deleted, or changed in place by a cell)."""
        entries = self._entries
        if entries is None:
            return  # not built yet: the first build reads the namespace as it is then
        main = _main(ns)
        for name in names:
            old = entries.pop(name, None)
            if old is not None:
                self._unlink(name, old)
            obj = ns.get(name, _MISSING)
            self.inspected += 1
            if obj is not _MISSING:
                self._link(name, obj, ns, main, entries)

    def changed(self, ns: dict[str, Any], names: Iterable[str]) -> None:
        """Index afresh the objects ``names`` are bound to (changed in place: what they hold
        may differ), under every name bound to them; the containers holding them are left
        as they are."""
        if self._entries is None:
            return
        again = set(names)
        for name in names:
            obj = ns.get(name, _MISSING)
            self.inspected += 1
            if obj is not _MISSING:
                again.update(self._by_id.get(id(obj)))
        self.update(ns, again)

    def aliases(self, ns: dict[str, Any], mutated: set[str], rebound: set[str]) -> set[str]:
        """Names other than ``mutated`` and ``rebound`` bound to one of the objects
        ``mutated`` names, to a NumPy view sharing its memory, or to a small container or
        notebook instance directly holding it."""
        self._ensure(ns)
        main = _main(ns)
        objs: dict[int, object] = {}
        bases: set[int] = set()
        for name in mutated:
            obj = ns.get(name, _MISSING)
            self.inspected += 1
            if obj is _MISSING:
                continue
            objs[id(obj)] = obj
            base = _array_base(obj)
            if base is not None:
                bases.add(id(base))
        out: set[str] = set()
        for key in objs:
            for name in self._by_id.get(key):
                if self._bound(ns, name) is not None and id(ns[name]) == key:
                    out.add(name)
            for name in self._by_item.get(key):
                holder = self._bound(ns, name)
                if holder is not None and _holds(holder, key, main):
                    out.add(name)
        for key in bases:
            for name in self._by_base.get(key):
                if self._bound(ns, name) is not None:
                    out.add(name)
        return out - mutated - rebound

    def sharing_closures(self, ns: dict[str, Any], changed: set[str]) -> set[str]:
        """Other notebook functions that close over a cell of the functions ``changed``."""
        self._ensure(ns)
        cells: set[int] = set()
        for name in changed:
            func = ns.get(name)
            self.inspected += 1
            if type(func) is types.FunctionType and func.__closure__:
                cells.update(id(c) for c in func.__closure__)
        out: set[str] = set()
        for key in cells:
            for name in self._by_cell.get(key):
                if name not in changed and self._bound(ns, name) is not None:
                    out.add(name)
        return out

    # -- internals ---------------------------------------------------------------------

    def _ensure(self, ns: dict[str, Any]) -> None:
        if self._entries is not None:
            return
        self.invalidate()
        entries: dict[str, _Entry] = {}
        main = _main(ns)
        for name, obj in ns.items():
            self.inspected += 1
            self._link(name, obj, ns, main, entries)
        self._entries = entries
        self.builds += 1

    def _bound(self, ns: dict[str, Any], name: str) -> object | None:
        """The object ``name`` is bound to if it is still the indexed one (else None)."""
        entry = self._entries.get(name) if self._entries is not None else None
        obj: object = ns.get(name, _MISSING)
        self.inspected += 1
        if entry is None or obj is _MISSING or id(obj) != entry.obj:
            return None
        return obj

    def _link(
        self, name: str, obj: object, ns: dict[str, Any], main: str, entries: dict[str, _Entry]
    ) -> None:
        cls = type(obj)
        if cls in _ATOMS or (
            self._hidden.get(name, _MISSING) is obj and _OUTPUT.fullmatch(name) is None
        ):
            return
        base = _array_base(obj)
        items: tuple[int, ...] = ()
        cells: tuple[int, ...] = ()
        if cls is types.FunctionType:
            func: Any = obj
            if func.__closure__ and func.__globals__ is ns:
                cells = tuple({id(c) for c in func.__closure__})
        else:
            held = _items(obj, main)
            if held is not None:
                items = tuple({id(item) for item in held if type(item) not in _ATOMS})
        entry = _Entry(id(obj), None if base is None else id(base), items, cells)
        entries[name] = entry
        self._by_id.add(entry.obj, name)
        if entry.base is not None:
            self._by_base.add(entry.base, name)
        for key in items:
            self._by_item.add(key, name)
        for key in cells:
            self._by_cell.add(key, name)

    def _unlink(self, name: str, entry: _Entry) -> None:
        self._by_id.discard(entry.obj, name)
        if entry.base is not None:
            self._by_base.discard(entry.base, name)
        for key in entry.items:
            self._by_item.discard(key, name)
        for key in entry.cells:
            self._by_cell.discard(key, name)


def _main(ns: dict[str, Any]) -> str:
    return str(ns.get("__name__", "__main__"))


def _items(obj: object, main: str) -> Collection[object] | None:
    """The objects a small built-in container, or an instance of a notebook class, directly
    holds; None for anything else."""
    items: Any
    # Exact built-in types only: a subclass's ``__len__``/``__iter__`` is user code.
    if type(obj) in _CONTAINERS:
        items = obj.values() if isinstance(obj, dict) else obj
    elif (attrs := instance_dict(obj, main)) is not None:
        items = attrs.values()
    else:
        return None
    return items if len(items) <= MAX_CONTAINER_SCAN else None


def _holds(obj: object, key: int, main: str) -> bool:
    """Whether ``obj`` (a holder found in the index) still directly holds the object ``key``."""
    held = _items(obj, main)
    return held is not None and any(id(item) == key for item in held)


def _array_base(obj: object) -> object | None:
    """The array owning an ndarray's memory (itself when it owns it)."""
    if type(obj).__name__ != "ndarray" or isinstance(obj, types.ModuleType):
        return None
    base: Any = obj
    while getattr(base, "base", None) is not None and type(base.base).__name__ == "ndarray":
        base = base.base
    owner: object = base
    return owner
