"""Backward slices over a trial's recorded accesses.

A *version* of a variable is (name, seq of the activation that last wrote it): a bind,
a mutation, or a delete (which ends the chain). An activation that wrote a version needed
by the slice depends on the versions of the names it read that were current just before
it ran. Versions are looked up by bisection in each name's list of writers, so a slice
costs O(versions visited x log activations) after the rows are loaded.

The slicer re-analyses each visited cell's source (cached by hash) to follow only the
inputs of the variable it needs from that cell, so a cell that prints one thing and
computes another, or raises half-way, adds only what its needed variable depends on;
names the code does not load directly (globals of called functions, files, RNG state)
are kept for every variable the cell wrote.

JSON shape returned by :func:`slice_json` (stable)::

    {
      "trial": 3,                     # trial id
      "variable": "score",
      "as_of": null | seq,            # the activation the slice was taken at, if not the end
      "activations": [                # exactly the backward slice, in execution order
        {"seq", "execution_count", "cell_hash", "stage", "status", "source"}
      ],
      "variables": [                  # every variable version in the slice
        {"name", "seq", "execution_count", "value", "exact", "role"}
      ],
      "edges": [
        {"kind": "defines", "activation": SEQ, "variable": NAME},
        {"kind": "uses", "variable": NAME, "version": SEQ_W, "activation": SEQ_A}
      ]
    }

``seq`` is the activation's order within the trial (execution counts can repeat or be
missing). A ``defines`` edge says activation SEQ produced the version (NAME, SEQ); a
``uses`` edge says activation SEQ_A read the version of NAME produced by activation SEQ_W.
The target is the variable version with ``name == variable`` and the highest ``seq``.
Pseudo-variables ``file:<path>``, ``random:<module>`` and ``out:<N>`` (a shown output),
and parts of variables (``cfg['lr']``, ``ns.opt.lr``), appear with a null value.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, select

from nbprov.capture.ipython_syntax import plain_python
from nbprov.lineage.parts import base_of, covers, is_part, parent_of, related
from nbprov.lineage.static import LAST_EXPR, CellFacts, analyze
from nbprov.store.models import Access, Activation, Code, Value, VariableTag


@dataclass
class Step:
    """One activation as the slicer sees it."""

    seq: int
    execution_count: int | None = None
    cell_hash: str = ""
    stage: str | None = None
    status: str = "ok"
    activation_id: int | None = None
    reads: set[str] = field(default_factory=set)
    binds: set[str] = field(default_factory=set)
    mutates: set[str] = field(default_factory=set)
    deletes: set[str] = field(default_factory=set)

    @property
    def writes(self) -> set[str]:
        return self.binds | self.mutates


@dataclass
class Trace:
    """A trial's activations (in seq order) and what is needed to describe a slice."""

    trial_id: int | None
    steps: list[Step]
    sources: dict[str, str] = field(default_factory=dict)
    roles: dict[str, str] = field(default_factory=dict)


@dataclass
class Slice:
    trace: Trace
    variable: str
    steps: list[Step]
    versions: list[tuple[str, int]]  # (name, seq)
    uses: list[tuple[str, int, int]]  # (name, version seq, reader seq)


class SliceError(LookupError):
    """The variable was never written in the trial (or was deleted)."""


@lru_cache(maxsize=4096)
def _facts(source: str) -> CellFacts:
    try:
        ast.parse(source)
        return analyze(source)
    except SyntaxError:
        pass
    try:  # magics and shell escapes: analyse what IPython would run
        return analyze(plain_python(source))
    except Exception:
        return CellFacts(parsed=False)


def _needed_reads(step: Step, name: str, source: str | None) -> set[str]:
    """The names ``step`` read that the version of ``name`` it wrote can depend on."""
    if source is None:
        return step.reads
    facts = _facts(source)
    key = LAST_EXPR if name.startswith(LAST_EXPR) else base_of(name)
    deps = facts.deps.get(key) if facts.parsed else None
    if deps is None:
        return step.reads
    extra = step.reads - facts.loads
    return (step.reads & deps) | extra | ({name} & step.reads & step.mutates)


class _Versions:
    """Which activations wrote what a read at some point of the trial sees.

    A write of parts of a name (see :mod:`nbprov.lineage.parts`) changes only those parts:
    a read of a part sees the writes of that part, of the parts within it and of the
    parts holding it, back to the last write of the whole object; a read of the whole
    sees every part written since its last write.
    """

    def __init__(self, steps: list[Step]) -> None:
        self.steps = steps
        self.writers: dict[str, list[int]] = {}
        self.whole: dict[str, list[int]] = {}  # the steps that wrote (or deleted) it whole
        # step index -> base name -> the parts of it the step wrote (not the whole)
        self.partial: dict[int, dict[str, set[str]]] = {}
        for i, s in enumerate(steps):
            for n in s.writes | s.deletes:
                if is_part(n):
                    base = base_of(n)
                    if base not in s.binds:
                        self.partial.setdefault(i, {}).setdefault(base, set()).add(n)
                    n = base
                idx = self.writers.setdefault(n, [])
                if not idx or idx[-1] != i:
                    idx.append(i)
        for n, idx in self.writers.items():
            self.whole[n] = [i for i in idx if n not in self.partial.get(i, {})]

    def parts_written(self, i: int, base: str) -> set[str] | None:
        return self.partial.get(i, {}).get(base)

    def seen_by(self, name: str, before: int, *, holder: bool = False) -> list[tuple[str, int]]:
        """The versions a read of ``name`` just before step ``before`` sees, as (name written,
        step index); ``holder``: only the write that made the object holding the part."""
        base = base_of(name)
        part = name if base != name else None
        if holder and part is None:
            # The object itself: its last whole write (parts written since do not make it).
            whole = self.whole.get(base) or []
            k = bisect_left(whole, before) - 1
            if k < 0:
                return []
            i = whole[k]
            s = self.steps[i]
            return [] if base in s.deletes and base not in s.writes else [(base, i)]
        idx = self.writers.get(base)
        if not idx:
            return []
        out: list[tuple[str, int]] = []
        for k in range(bisect_left(idx, before) - 1, -1, -1):
            i = idx[k]
            written = self.parts_written(i, base)
            if written is None:  # the whole object
                s = self.steps[i]
                if not (base in s.deletes and base not in s.writes):
                    out.append((base, i))
                return out
            if part is None:
                if not holder:
                    out.append((base, i))
                continue
            cover = [q for q in written if covers(q, part)]
            if holder:
                if cover:
                    out.extend((q, i) for q in cover)
                    return out
                continue
            out.extend((q, i) for q in written if related(q, part))
            if cover:
                return out
        return out


def backward_slice(
    trace: Trace, variable: str, *, as_of: int | None = None, refine: bool = True
) -> Slice:
    """The backward slice of ``variable`` as it was after activation ``as_of`` (a seq;
    default: the end of the trial)."""
    steps = [s for s in trace.steps if as_of is None or s.seq <= as_of]
    versions = _Versions(steps)
    start = versions.seen_by(variable, len(steps))
    if not start:
        raise SliceError(f"{variable!r} was not written in trial {trace.trial_id}")
    seen: set[tuple[str, int]] = set(start)
    todo = list(start)
    in_slice: set[int] = set()
    uses: list[tuple[str, int, int]] = []
    while todo:
        name, i = todo.pop()
        step = steps[i]
        in_slice.add(i)
        source = trace.sources.get(step.cell_hash) if refine else None
        written = versions.parts_written(i, base_of(name))
        needed: list[tuple[str, bool]] = []
        if written is None:
            needed = [(r, False) for r in _needed_reads(step, name, source)]
        else:
            # Parts written: what each part was computed from, and the object holding it.
            for q in written if name == base_of(name) else {name}:
                needed += [(r, False) for r in _needed_reads(step, q, source)]
                needed.append((parent_of(q), True))
        for r, holder in needed:
            for w, j in versions.seen_by(r, i, holder=holder):
                uses.append((w, steps[j].seq, step.seq))
                if (w, j) not in seen:
                    seen.add((w, j))
                    todo.append((w, j))
    ordered = sorted(in_slice)
    return Slice(
        trace=trace,
        variable=variable,
        steps=[steps[i] for i in ordered],
        versions=sorted(((n, steps[i].seq) for n, i in seen), key=lambda v: (v[1], v[0])),
        uses=sorted(set(uses), key=lambda u: (u[2], u[1], u[0])),
    )


# -- the store ------------------------------------------------------------------------


def load_trace(conn: Connection, trial_id: int, *, with_sources: bool = True) -> Trace:
    """Read a trial's activations and accesses (one query each)."""
    steps: list[Step] = []
    by_id: dict[int, Step] = {}
    rows = conn.execute(
        select(
            Activation.id,
            Activation.seq,
            Activation.execution_count,
            Activation.cell_hash,
            Activation.stage,
            Activation.status,
        )
        .where(Activation.trial_id == trial_id)
        .order_by(Activation.seq)
    )
    for aid, seq, count, digest, stage, status in rows:
        step = Step(seq, count, digest, stage, status, aid)
        steps.append(step)
        by_id[aid] = step
    kinds = {"read": "reads", "bind": "binds", "mutate": "mutates", "delete": "deletes"}
    access = conn.execute(
        select(Access.activation_id, Access.name, Access.kind)
        .join(Activation, Activation.id == Access.activation_id)
        .where(Activation.trial_id == trial_id)
    )
    for aid, name, kind in access:
        attr = kinds.get(kind)
        if attr is not None and aid in by_id:
            getattr(by_id[aid], attr).add(name)
    trace = Trace(trial_id, steps)
    if with_sources:
        trace.sources = dict(
            conn.execute(
                select(Code.hash, Code.source).where(
                    Code.hash.in_(
                        select(Activation.cell_hash)
                        .where(Activation.trial_id == trial_id)
                        .distinct()
                    )
                )
            ).all()
        )
    trace.roles = dict(
        conn.execute(
            select(VariableTag.name, VariableTag.role).where(VariableTag.trial_id == trial_id)
        ).all()
    )
    return trace


def _values(
    conn: Connection, trial_id: int, versions: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], tuple[Any, bool]]:
    """Recorded value summaries of variable versions, keyed (name, seq)."""
    wanted = set(versions)
    names = {n for n, _ in wanted if not n.startswith(("file:", "random:"))}
    if not names:
        return {}
    out: dict[tuple[str, int], tuple[Any, bool]] = {}
    rows = conn.execute(
        select(Value.name, Value.seq, Value.value, Value.exact, Value.id)
        .where(Value.trial_id == trial_id, Value.name.in_(sorted(names)))
        .order_by(Value.id)
    )
    for name, seq, value, exact, _ in rows:
        if (name, seq) in wanted:
            out[(name, seq)] = (value, bool(exact))
    return out


def to_json(
    sl: Slice,
    values: dict[tuple[str, int], tuple[Any, bool]] | None = None,
    as_of: int | None = None,
) -> dict[str, Any]:
    """The documented JSON (see the module docstring) for a computed slice."""
    values = values or {}
    trace = sl.trace
    counts = {s.seq: s.execution_count for s in trace.steps}
    activations = [
        {
            "seq": s.seq,
            "execution_count": s.execution_count,
            "cell_hash": s.cell_hash,
            "stage": s.stage,
            "status": s.status,
            "source": trace.sources.get(s.cell_hash),
        }
        for s in sl.steps
    ]
    variables = []
    for name, seq in sl.versions:
        value, exact = values.get((name, seq), (None, False))
        variables.append(
            {
                "name": name,
                "seq": seq,
                "execution_count": counts.get(seq),
                "value": value,
                "exact": exact,
                "role": trace.roles.get(name),
            }
        )
    edges: list[dict[str, Any]] = [
        {"kind": "defines", "activation": seq, "variable": name} for name, seq in sl.versions
    ]
    edges += [
        {"kind": "uses", "variable": name, "version": w, "activation": r} for name, w, r in sl.uses
    ]
    return {
        "trial": trace.trial_id,
        "variable": sl.variable,
        "as_of": as_of,
        "activations": activations,
        "variables": variables,
        "edges": edges,
    }


def slice_json(
    conn: Connection,
    trial_id: int,
    variable: str,
    *,
    as_of_seq: int | None = None,
    as_of_execution: int | None = None,
) -> dict[str, Any]:
    """Load a trial, slice ``variable`` and return the documented JSON.

    ``as_of_execution`` selects the last activation with that execution count.
    Raises :class:`SliceError` when the variable was never written.
    """
    trace = load_trace(conn, trial_id)
    as_of = as_of_seq
    if as_of_execution is not None:
        matching = [s.seq for s in trace.steps if s.execution_count == as_of_execution]
        if not matching:
            raise SliceError(f"no execution [{as_of_execution}] in trial {trial_id}")
        as_of = matching[-1]
    sl = backward_slice(trace, variable, as_of=as_of)
    return to_json(sl, _values(conn, trial_id, sl.versions), as_of)


def merge_slice(into: dict[str, Any], extra: dict[str, Any], *, edges: bool = True) -> None:
    """Add to the slice JSON ``into`` the activations, variable versions (and edges) of
    ``extra`` it does not hold yet, keeping its activations in execution order."""
    seqs = {a["seq"] for a in into["activations"]}
    versions = {(v["name"], v["seq"]) for v in into["variables"]}
    into["activations"] += [a for a in extra["activations"] if a["seq"] not in seqs]
    into["variables"] += [v for v in extra["variables"] if (v["name"], v["seq"]) not in versions]
    if edges:
        known = {repr(sorted(e.items())) for e in into["edges"]}
        into["edges"] += [e for e in extra["edges"] if repr(sorted(e.items())) not in known]
    into["activations"].sort(key=lambda a: a["seq"])
