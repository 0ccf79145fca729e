"""Which names a cell added to or removed from the namespace, without copying it per cell.

A notebook's namespace grows with every cell (IPython alone adds ``_i<n>`` and ``_<n>``),
so building a set of all its names before a cell and diffing after costs more, on a long
session, than everything else the tracer does for a small cell. Two properties of
``dict`` make most of that work unnecessary:

- a new key goes to the end, and assigning to an existing key leaves it in place, so the
  keys inserted while a cell ran are exactly those after the old last key;
- only deletion can remove a key, and the length says whether any old key went.

The one blind spot is a cell that deletes the old last key and binds it again; the tracer
asks for a full diff whenever the cell's code can delete that name.

The set of names is kept from one cell to the next and updated with the few names that
changed. If the namespace changed between cells in a way the length and the last key
cannot see, the set may be out of date until the next full rebuild; a nested cell, or a
last key that vanished, always gets a full one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class KeysBefore:
    """The namespace's names when a cell started."""

    names: set[str]
    last: str | None
    shared: bool  # ``names`` is the tracker's running set (updated after the cell)
    # The names changed since the last cell ended (or are not known): what was kept about
    # the namespace from one cell to the next may be out of date.
    outside: bool = False


@dataclass(slots=True)
class KeyChanges:
    added: set[str]  # new names, and old ones deleted and bound again
    removed: set[str]


class NamespaceKeys:
    """Tracks the names of one namespace across the cells run in it."""

    def __init__(self) -> None:
        self._names: set[str] | None = None
        self._last: str | None = None
        self._in_use = False  # a cell is running with the running set as its "before"

    def before(self, ns: dict[str, Any]) -> KeysBefore:
        last = next(reversed(ns), None)
        names = self._names
        if names is not None and not self._in_use and len(names) == len(ns) and last == self._last:
            self._in_use = True
            return KeysBefore(names, last, shared=True)
        fresh = set(ns)
        if not self._in_use:  # a nested cell must not replace the outer cell's set
            self._names, self._last = fresh, last
            self._in_use = True
            return KeysBefore(fresh, last, shared=True, outside=True)
        return KeysBefore(set(fresh), last, shared=False)

    @staticmethod
    def changes(before: KeysBefore, ns: dict[str, Any], *, last_may_go: bool) -> KeyChanges:
        """What changed; ``last_may_go``: the cell could have deleted the old last name
        (and bound it again, which would hide what was inserted before it)."""
        added: set[str] | None = None
        if not last_may_go and before.last is not None:
            added = set()
            for name in reversed(ns):
                if name == before.last:
                    break
                added.add(name)
            else:
                added = None  # the old last name is gone
        if added is None:
            added = ns.keys() - before.names
            removed = before.names - ns.keys()
        else:
            # Every old name still in place sits before the old last one.
            kept = len(ns) - len(added)
            removed = before.names - ns.keys() if kept < len(before.names) else set()
        return KeyChanges(added, removed)

    def after(self, before: KeysBefore, ns: dict[str, Any], changes: KeyChanges | None) -> None:
        """Bring the running set up to date once the cell's analysis is done with it
        (``changes`` None: the analysis failed, start afresh next time)."""
        if not before.shared:
            return
        self._in_use = False
        if changes is None:
            self._names = None
            return
        names = before.names
        names |= changes.added
        names -= changes.removed
        self._names, self._last = names, next(reversed(ns), None)
