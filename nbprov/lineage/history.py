"""IPython's output history as dataflow: ``_``, ``__``, ``___``, ``_N``, ``Out[N]``.

A cell whose last expression is displayed binds the pseudo-name ``out:N`` (N its execution
count); a cell that reads one of the history names reads ``out:N`` of the cell whose
output that name holds. The slicer follows ``out:N`` to what the displayed expression
used (``CellFacts.deps[LAST_EXPR]``).
"""

from __future__ import annotations

from typing import Any

from nbprov.capture.ipython_names import output_count
from nbprov.lineage.static import LAST_EXPR, CellFacts

PREFIX = LAST_EXPR
_RECENT = ("_", "__", "___")


class OutputHistory:
    """The execution counts of the last outputs shown, to resolve ``_``, ``__``, ``___``."""

    def __init__(self) -> None:
        self._shown: list[int] = []

    def reads(self, facts: CellFacts, ns: dict[str, Any]) -> set[str]:
        """``out:N`` names the cell's history references stand for (resolved before it runs)."""
        out = {f"{PREFIX}{n}" for n in facts.out_refs}
        for name in facts.loads:
            if name in facts.binds:
                continue
            count = output_count(name)
            if count is not None:
                out.add(f"{PREFIX}{count}")
            elif name in _RECENT:
                count = self._recent(name, ns)
                if count is not None:
                    out.add(f"{PREFIX}{count}")
        return out

    def _recent(self, name: str, ns: dict[str, Any]) -> int | None:
        value = ns.get(name, _MISSING)
        # Identity against the numbered entries: no user code runs.
        for count in reversed(self._shown):
            if ns.get(f"_{count}", _MISSING) is value:
                return count
        depth = len(name)
        return self._shown[-depth] if len(self._shown) >= depth else None

    def shown(self, added: set[str]) -> set[str]:
        """``out:N`` for the numbered entries a cell added (the output it displayed)."""
        out: set[str] = set()
        for name in added:
            count = output_count(name)
            if count is not None:
                self._shown = [*self._shown[-2:], count]
                out.add(f"{PREFIX}{count}")
        return out


_MISSING = object()
