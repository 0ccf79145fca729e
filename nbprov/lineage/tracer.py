"""The default dependency tracer: static def-use plus cheap runtime facts.

Per cell it does work proportional to what the cell touched: it ids the names the cell's
code could bind or change, fingerprints only candidate objects (method receivers, call
arguments, subscript and attribute targets, globals of called user functions), and diffs
the namespace's key set. A full id snapshot of the namespace is taken only for cells that
bind names dynamically (``exec``, ``globals()``, unknown magics, ``import *``). Other names
sharing a changed object are looked up in an index by id kept up to date from each cell's
changes (:mod:`.aliases`), not found by a scan.

Refinements, each confined to what the cell reached: parts of objects written and read
(:mod:`.parts`), output history (:mod:`.history`), class attributes and closure cells
changed through other names, modules the notebook bound (:mod:`.shared_state`), and, for
cells that can run notebook-defined code, the globals that code actually read
(:mod:`.calls`, a trace function bounded by an event budget; the cell's own code is never
traced).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from nbprov.capture.ipython_names import is_history_name, output_count
from nbprov.lineage import callees, calls, files, inert, mutations, parts, rng, shared_state
from nbprov.lineage.aliases import AliasIndex
from nbprov.lineage.history import OutputHistory
from nbprov.lineage.namespace_keys import KeyChanges, KeysBefore, NamespaceKeys
from nbprov.lineage.protocol import CellAccess
from nbprov.lineage.state_tokens import state_token
from nbprov.lineage.static import CellAnalyses, CellFacts, analyze

RANDOM_NUMPY = "random:numpy"
RANDOM_STDLIB = "random:random"

_NO_ENTRIES: Mapping[str, Any] = MappingProxyType({})


def _no_entries() -> Mapping[str, Any]:
    return _NO_ENTRIES


@dataclass(slots=True)
class _Before:
    facts: CellFacts
    names: KeysBefore
    ids: dict[str, int]
    prints: dict[str, str | None]
    fn_reads: set[str]
    fn_stores: set[str]
    np_rng: int | None
    std_rng: int | None
    files: files.FileLog
    watch_all: bool = False
    # Read-only once made; the defaults are shared (many cells need none).
    closures: Mapping[str, str] = field(default_factory=_no_entries)
    parts: Mapping[str, parts.RootParts] = field(default_factory=_no_entries)
    history: AbstractSet[str] = frozenset()
    watch: calls.CallWatch | None = None
    code_reads: set[calls.Read] | None = None  # what the watch saw notebook code read
    watching: bool = True  # till the cell ends: its call watch and file log are on
    class_prints: Mapping[str, str | None] = field(default_factory=_no_entries)


@dataclass(slots=True)
class _InertBefore:
    """All an inert cell (see :mod:`nbprov.lineage.inert`) needs kept until it ends: the
    ids of what it binds (its augmented assignments' targets among them) and the
    namespace's names. Its operators run no code, so there is nothing to fingerprint,
    watch or log."""

    facts: CellFacts
    names: KeysBefore
    ids: dict[str, int]


def _stop_watching(before: _Before) -> None:
    """Turn off the cell's call watch and file log (once): what runs after the cell, the
    kernel's own reply among it, is not the cell's."""
    if before.watching:
        before.watching = False
        if before.watch is not None:
            before.code_reads = before.watch.stop()
        files.stop(before.files)


class Tracer:
    """Implements :class:`nbprov.lineage.protocol.CellTracer` for one shell."""

    def __init__(self, shell: Any = None, parse: Callable[[str], ast.AST] | None = None) -> None:
        # A cell's static facts, from its source; ``parse`` is the shell's own parser,
        # whose trees IPython is lent (see nbprov.kernel.shared_parse).
        self._analyze = analyze if parse is None else CellAnalyses(parse).facts
        hidden = getattr(shell, "user_ns_hidden", None)
        self._hidden: dict[str, Any] = hidden if isinstance(hidden, dict) else {}
        # A stack: a magic such as %%capture runs its body as a nested cell.
        self._stack: list[_Before | _InertBefore] = []
        self._names = NamespaceKeys()
        self._history = OutputHistory()
        # Names some cell changed part by part: reads of their parts are recorded as such
        # (for any other name a read of the whole says the same and costs less to store).
        self._parted: set[str] = set()
        self._modules = shared_state.BoundModules(self._parted)
        # Other names sharing a changed object, kept up to date from each cell's changes.
        self._aliases = AliasIndex(self._hidden)

    # -- protocol ------------------------------------------------------------------

    def before_cell(
        self, raw_source: str, transformed_source: str, user_ns: dict[str, Any]
    ) -> None:
        facts = self._analyze(transformed_source)
        ns = user_ns
        if facts.inert is not None and inert.holds_plain_values(facts.inert, ns):
            ids = {n: id(ns[n]) for n in facts.binds if n in ns}
            self._stack.append(_InertBefore(facts, self._names_before(ns), ids))
            return
        fn_reads, fn_stores = callees.called_globals(facts.loads, ns, facts.methods)
        watch_all = facts.dynamic or not facts.parsed
        watched = (
            ns.keys() if watch_all else facts.binds | facts.candidates | facts.consumed | fn_stores
        )
        ids = {n: id(ns[n]) for n in watched if n in ns}
        prints: dict[str, str | None] = {}
        for name in facts.candidates | (fn_reads - facts.loads):
            obj = ns.get(name, _MISSING)
            if obj is _MISSING or mutations.never_mutated(obj) or mutations.is_stateful(obj):
                continue
            if self._pure_use(name, obj, facts):
                continue
            prints[name] = state_token(obj)
        # Calling a closure can change the state it closed over (a counter, a cache).
        closures = {}
        for name in facts.loads | fn_reads:
            token = callees.closure_token(ns.get(name), ns)
            if token is not None:
                closures[name] = token
        # Refinements (parts, class state, output history, modules): a failure in one
        # costs only its precision.
        class_prints: dict[str, str | None] = _quietly(
            lambda: shared_state.class_tokens(facts.candidates | (fn_reads - facts.loads), ns), {}
        )
        plan: dict[str, parts.RootParts] = {}
        if not watch_all:
            plan = _quietly(
                lambda: parts.plan(
                    facts,
                    ns,
                    shared=fn_reads | fn_stores,
                    mutators=mutations.MAY_MUTATE,
                    hidden=lambda n: self._hidden_name(n, facts),
                ),
                {},
            )
        history: set[str] = _quietly(
            lambda: self._history.reads(facts, ns) | self._modules.reads(facts, ns), set()
        )
        uses_std = any(
            rng.refers_to_stdlib_random(ns[n]) for n in facts.loads | fn_reads if n in ns
        )
        names = self._names_before(ns)
        before = _Before(
            facts=facts,
            names=names,
            ids=ids,
            prints=prints,
            fn_reads=fn_reads,
            fn_stores=fn_stores,
            np_rng=rng.numpy_rng_token(),
            std_rng=rng.stdlib_rng_token() if uses_std else None,
            files=files.start(),
            closures=closures,
            watch_all=watch_all,
            parts=plan,
            history=history,
            class_prints=class_prints,
        )
        self._stack.append(before)
        if facts.defines_code or _quietly(lambda: self._runs_user_code(facts, ns), False):
            watch = calls.CallWatch(ns)
            if watch.start():  # last: nothing of the tracer's own is watched
                before.watch = watch

    def _names_before(self, ns: dict[str, Any]) -> KeysBefore:
        names = self._names.before(ns)
        if names.outside:
            self._aliases.invalidate()  # names came or went between cells, unseen
        return names

    def after_cell(self, user_ns: dict[str, Any], error: BaseException | None) -> CellAccess:
        if not self._stack:
            return CellAccess()
        before = self._stack.pop()
        if isinstance(before, _InertBefore):
            return self._inert_after(before, user_ns, error is None)
        _stop_watching(before)
        if before.watch is not None:
            if before.code_reads is not None:
                before.code_reads |= _quietly(lambda: self._unseen(before, user_ns), set())
            before.watch.forget()
        changes = None
        try:
            changes = self._names.changes(
                before.names, user_ns, last_may_go=self._last_may_go(before)
            )
            return self._access(before, user_ns, error, changes)
        except Exception:
            self._aliases.invalidate()  # it may have seen only part of the cell's changes
            raise
        finally:
            before.files.written.clear()
            self._names.after(before.names, user_ns, changes)

    def end_cell(self) -> None:
        before = self._stack[-1] if self._stack else None
        if isinstance(before, _Before):
            _stop_watching(before)

    def close(self) -> None:
        while self._stack:
            before = self._stack.pop()
            if isinstance(before, _InertBefore):
                continue  # nothing started
            if before.watch is not None:
                before.watch.stop()
            files.stop(before.files)

    def _inert_after(self, b: _InertBefore, ns: dict[str, Any], ok: bool) -> CellAccess:
        """An inert cell's access: no object changed in place, no code of the notebook
        ran, no file or random state was touched, and it could delete no name; it read
        what its code loads."""
        facts = b.facts
        changes = None
        try:
            changes = self._names.changes(b.names, ns, last_may_go=False)
            acc = CellAccess()
            self._binds(facts, b.ids, ns, ok, changes, acc)
            acc.reads = {n for n in facts.reads & b.names.names if not self._hidden_name(n, facts)}
            return acc
        except Exception:
            self._aliases.invalidate()  # it may have seen only part of the cell's changes
            raise
        finally:
            self._names.after(b.names, ns, changes)

    # -- internals -------------------------------------------------------------------

    @staticmethod
    def _unseen(b: _Before, ns: dict[str, Any]) -> set[calls.Read]:
        """Static reach of the notebook code the cell called or handed on that never ran
        in this thread (run by worker threads or processes, or not run at all)."""
        watch = b.watch
        assert watch is not None
        facts = b.facts
        missed = []
        for name in (facts.called | facts.passed) & ns.keys():
            codes = callees.user_codes(ns[name], ns, set(facts.methods.get(name, ())))
            if codes and not watch.ran(codes):
                missed.append(name)
        if not missed:
            return set()
        reads, _ = callees.called_globals(missed, ns, facts.methods)
        return {(n, None) for n in reads}

    @staticmethod
    def _runs_user_code(facts: CellFacts, ns: dict[str, Any]) -> bool:
        """Whether a name the cell uses can run notebook code (type checks only)."""
        main = str(ns.get("__name__", "__main__"))
        return any(calls.may_run_user_code(ns[n], ns, main) for n in facts.loads if n in ns)

    def _hidden_name(self, name: str, facts: CellFacts) -> bool:
        if name in facts.binds or name in facts.deletes:
            return False
        return name in self._hidden or is_history_name(name)

    @staticmethod
    def _last_may_go(b: _Before) -> bool:
        """Whether the cell could have deleted the namespace's last name (see
        :mod:`nbprov.lineage.namespace_keys`)."""
        last = b.names.last
        return b.watch_all or last in b.facts.deletes or last in b.fn_stores

    def _access(
        self, b: _Before, ns: dict[str, Any], error: BaseException | None, changes: KeyChanges
    ) -> CellAccess:
        facts = b.facts
        ok = error is None
        acc = CellAccess()
        before_keys = b.names.names
        self._binds(facts, b.ids, ns, ok, changes, acc)
        # (An inert cell's values are plain: it binds no module.)
        self._modules.bound(acc.binds, ns)

        # Mutations of candidate objects that kept their name.
        mutated: set[str] = set()
        for name in facts.candidates | facts.consumed | (b.fn_reads - facts.loads):
            if (
                name not in ns
                or name not in before_keys
                or b.ids.get(name, id(ns[name])) != id(ns[name])
            ):
                continue  # new, gone, or bound to another object
            if self._changed(name, ns[name], b, ok):
                mutated.add(name)
        closed = {
            name
            for name, token in b.closures.items()
            if name in ns and callees.closure_token(ns[name], ns) not in (None, token)
        }
        if closed:
            mutated |= closed | self._aliases.sharing_closures(ns, closed)
        for name, token in b.class_prints.items():
            if token is not None and shared_state.class_token(ns.get(name)) != token:
                mutated.add(name)
        # Stores into parts of classes and modules (which are never fingerprinted).
        if ok:
            mutated.update(
                n for n, rp in b.parts.items() if rp.writable and rp.assigned and n in ns
            )
        aliases = self._aliases.aliases(ns, mutated, acc.binds) if mutated else set()
        # An output shown earlier that is the changed object changes with it.
        shown = {f"out:{c}" for n in aliases if (c := output_count(n)) is not None}
        acc.mutates |= shown
        acc.reads |= shown
        aliases = {n for n in aliases if not is_history_name(n)}
        # A change seen through another name is not confined to the parts this one names.
        parted = self._part_writes(b, mutated, acc) if not aliases else set()
        self._aliases.changed(ns, mutated)  # what they hold may differ now
        mutated |= aliases
        acc.mutates |= mutated

        # Reads: names the code loads (directly or through called user functions) that
        # existed before the cell; a mutation reads the prior state too.
        seen_parts: set[str] = set()
        if b.code_reads is not None:
            code_reads, seen_parts = self._code_reads(b.code_reads, ns)
        else:
            code_reads = b.fn_reads | facts.deferred
        # Bound by the cell before it called anything: called code read the new value.
        code_reads = code_reads - (facts.bound_before_calls & acc.binds)
        acc.reads |= (facts.reads | code_reads) & before_keys
        # Read only after the cell itself bound it again: the old value was not read.
        if facts.prebound:
            rebound = set(acc.binds)
            for name in acc.binds & facts.implies.keys():
                rebound |= facts.implies[name]
            acc.reads -= (facts.prebound & rebound) - code_reads
        acc.reads |= mutated - parted
        acc.reads = {n for n in acc.reads if not self._hidden_name(n, facts)}
        self._part_reads(b, ns, acc, parted, code_reads)
        acc.reads |= seen_parts
        acc.reads |= b.history

        self._random(b, ns, acc, ok)
        for path, kind in b.files.written.items():
            (acc.binds if kind == "bind" else acc.mutates).add(f"file:{path}")
            if kind == "mutate":
                acc.reads.add(f"file:{path}")
        acc.reads |= {f"file:{p}" for p in b.files.read if b.files.written.get(p) != "bind"}
        return acc

    def _binds(
        self,
        facts: CellFacts,
        ids: dict[str, int],
        ns: dict[str, Any],
        ok: bool,
        changes: KeyChanges,
        acc: CellAccess,
    ) -> None:
        """Binds and deletes: new names, watched names (``ids``) now bound to another
        object, and on success the names the cell binds unconditionally (rebinding to an
        equal object is still a bind); names gone."""
        added = changes.added
        for name in added:
            if not self._hidden_name(name, facts):
                acc.binds.add(name)
        moved = {n for n, old in ids.items() if n in ns and id(ns[n]) != old}
        if moved:
            acc.binds.update(n for n in moved if not self._hidden_name(n, facts))
        if ok:
            acc.binds |= facts.definite_binds & ns.keys()
        for name in changes.removed:
            if not self._hidden_name(name, facts):
                acc.deletes.add(name)
        # Hidden names too: an output history entry ``_N`` shares the object it shows.
        if self._aliases.built:  # else the first build reads the namespace as it is then
            self._aliases.update(ns, added | changes.removed | moved | acc.binds)
        acc.binds |= self._history.shown(added)

    def _part_writes(self, b: _Before, mutated: set[str], acc: CellAccess) -> set[str]:
        """Record changes confined to parts (see :mod:`nbprov.lineage.parts`); returns the
        names changed only that way."""
        out: set[str] = set()
        for name, rp in b.parts.items():
            if name not in mutated or not rp.writable or not rp.writes:
                continue
            out.add(name)
            changed = rp.updates | rp.calls
            acc.binds |= rp.stores - changed
            acc.mutates |= changed
            acc.reads |= changed
        self._parted |= out
        return out

    def _part_reads(
        self,
        b: _Before,
        ns: dict[str, Any],
        acc: CellAccess,
        parted: set[str],
        code_reads: set[str],
    ) -> None:
        """A root read only through parts, once some cell changed it part by part, reads
        those parts; a class attribute read through an instance reads the class."""
        for name, rp in b.parts.items():
            if (
                rp.readable
                and name in self._parted
                and name not in code_reads
                and (name not in acc.mutates or name in parted)
            ):
                acc.reads.discard(name)
                acc.reads |= rp.loads
            for attr in rp.class_reads:
                owner = parts.base_of(attr)
                acc.reads.add(attr if owner in self._parted else owner)
        # An instance used whole (a method called, passed on) looks its class up now.
        for name in b.facts.whole & acc.reads:
            cls_name = shared_state.notebook_class(ns.get(name), ns)
            if cls_name is not None:
                acc.reads.add(cls_name)

    def _code_reads(self, seen: set[calls.Read], ns: dict[str, Any]) -> tuple[set[str], set[str]]:
        """Whole names, and part names of names with parts, that notebook code read."""
        whole = calls.whole_names(seen)
        found: set[str] = set()
        main = str(ns.get("__name__", "__main__"))
        for name, step in seen:
            if step is None or name in whole:
                continue
            spelled = name
            if name in self._parted:
                spelled = parts.spell(name, (step,), ns, frozenset(), main)[0]
            (found if spelled != name else whole).add(spelled)
        return whole, found

    @staticmethod
    def _pure_use(name: str, obj: object, facts: CellFacts) -> bool:
        """Only known-pure methods are called on it and it is passed to no call."""
        return (
            name not in facts.passed
            and name not in facts.definite_mutations
            and mutations.only_pure_calls(obj, facts.methods.get(name, frozenset()))
        )

    def _changed(self, name: str, obj: object, b: _Before, ok: bool) -> bool:
        facts = b.facts
        if mutations.never_mutated(obj):
            return False
        if name in facts.candidates and self._pure_use(name, obj, facts):
            return False
        candidate = name in facts.candidates
        if mutations.is_stateful(obj):
            # Any use but a pure builtin's (excluded statically) advances it.
            return candidate or name in facts.consumed or name in b.fn_reads
        methods = facts.methods.get(name, frozenset())
        definite = name in facts.definite_mutations or methods & mutations.mutator_methods(obj)
        if candidate and ok and definite:
            return True
        if name in b.prints:
            old, new = b.prints[name], state_token(obj)
            if old is not None and new is not None:
                return old != new
        if not candidate:
            return False  # only consumed by a builtin, or read by a called function
        if not ok and name in facts.definite_mutations:
            return True  # cannot tell how far it got: assume the change happened
        return bool(methods & mutations.GENERIC_MUTATORS)

    def _random(self, b: _Before, ns: dict[str, Any], acc: CellAccess, ok: bool) -> None:
        # Resolved after the cell: the cell may import the module it seeds.
        seeds = {m for c in b.facts.seed_calls if (m := rng.seed_module(c, ns))}
        for module, token_before, token_now in (
            (RANDOM_NUMPY, b.np_rng, rng.numpy_rng_token() if b.np_rng is not None else None),
            (
                RANDOM_STDLIB,
                b.std_rng,
                rng.stdlib_rng_token() if b.std_rng is not None else None,
            ),
        ):
            seeded = module.split(":")[1] in seeds
            if seeded and ok:
                # Seeding replaces the state; draws after it in the same cell read the new one.
                acc.binds.add(module)
            elif token_before is not None and token_now != token_before:
                acc.reads.add(module)
                acc.mutates.add(module)


_MISSING = object()
_T = TypeVar("_T")


def _quietly(compute: Callable[[], _T], default: _T) -> _T:
    try:
        return compute()
    except Exception:
        return default
