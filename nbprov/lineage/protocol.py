"""The contract between the recorder's hooks and a dependency tracer.

The recorder calls ``before_cell`` from IPython's ``pre_run_cell`` hook and ``after_cell``
from ``post_run_cell``. Whatever the tracer returns is written to the ``access`` table, one
row per (activation, name, kind). A tracer must never raise into the user's cell: the
recorder catches and warns once, but a tracer should keep its own failures local.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# Access kinds stored in access.kind.
READ = "read"
BIND = "bind"
MUTATE = "mutate"
DELETE = "delete"
ACCESS_KINDS = (READ, BIND, MUTATE, DELETE)


@dataclass(slots=True)
class CellAccess:
    """What one executed cell did to the user namespace (and beyond it).

    Names are variable names in the user namespace. Pseudo-names stand for state outside
    it: ``file:<absolute path>`` for a file, ``random:<module>`` for a module-level RNG,
    ``out:<N>`` for the output shown by execution N (read through ``_``, ``_N``,
    ``Out[N]``). Part names stand for a part of a variable: ``cfg['lr']``, ``lst[0]``,
    ``ns.opt.lr``; an activation that writes parts of a variable also mutates the variable
    itself, and its change is confined to those parts (see :mod:`nbprov.lineage.parts`).
    """

    reads: set[str] = field(default_factory=set)
    binds: set[str] = field(default_factory=set)
    mutates: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)

    def by_kind(self) -> list[tuple[str, set[str]]]:
        """(kind, names) pairs of the kinds the cell did, unsorted: cheap enough for the
        kernel's thread, and the fewer objects kept until the write the better."""
        out = []
        if self.reads:  # written out: asked after every cell
            out.append((READ, self.reads))
        if self.binds:
            out.append((BIND, self.binds))
        if self.mutates:
            out.append((MUTATE, self.mutates))
        if self.deletes:
            out.append((DELETE, self.deletes))
        return out

    def _sets(self) -> tuple[set[str], set[str], set[str], set[str]]:
        return self.reads, self.binds, self.mutates, self.deletes

    def rows(self) -> list[tuple[str, str]]:
        """(name, kind) pairs in a stable order, for storage."""
        out: list[tuple[str, str]] = []
        for kind, names in zip(ACCESS_KINDS, self._sets(), strict=True):
            out.extend((name, kind) for name in sorted(names))
        return out


class CellTracer(Protocol):
    """Observes one cell at a time; holds no strong references to user objects."""

    def before_cell(
        self, raw_source: str, transformed_source: str, user_ns: dict[str, Any]
    ) -> None:
        """Called before the cell runs."""

    def end_cell(self) -> None:
        """Called the moment the cell has ended: stop observing the running code. Cheap;
        ``after_cell`` may come a little later (once the kernel has replied)."""

    def after_cell(self, user_ns: dict[str, Any], error: BaseException | None) -> CellAccess:
        """Called after the cell ran (or raised); returns what it accessed."""

    def close(self) -> None:
        """Remove any process-wide hooks the tracer installed."""
