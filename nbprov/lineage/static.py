"""Def-use analysis of one cell's source (after IPython's transformation) with ``ast``.

The result says what a cell *could* read, bind, delete and change in place, and which
candidate objects the runtime side must check. Static facts alone over-approximate (a branch
not taken) and under-approximate (mutation inside a called function); the tracer reconciles
them with cheap runtime facts.

Besides the sets, ``deps`` maps each name the cell may write to the external names its new
value can depend on (intra-cell temporaries resolved, control dependencies included). The
slicer uses it to follow only the inputs of the variable it needs when a cell writes several.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

from nbprov.lineage.inert import NO_NAMES, OUTPUT, inert_cell
from nbprov.lineage.parts import Path, path_of

# Calls of these builtins never change their arguments (iterators aside: see CONSUMING).
NON_CONSUMING = frozenset(
    {
        "print",
        "repr",
        "str",
        "type",
        "id",
        "isinstance",
        "issubclass",
        "hash",
        "callable",
        "display",
        "format",
        "len",
        "ascii",
        "bool",
        "int",
        "float",
        "complex",
        "abs",
        "round",
        "divmod",
        "pow",
        "hex",
        "oct",
        "bin",
        "chr",
        "ord",
        "getattr",
        "hasattr",
        "vars",
        "dir",
        "help",
    }
)
# Builtins that leave containers alone but exhaust an iterator passed to them.
CONSUMING = frozenset(
    {
        "list",
        "tuple",
        "set",
        "frozenset",
        "dict",
        "sorted",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "next",
        "enumerate",
        "zip",
        "map",
        "filter",
        "reversed",
        "iter",
    }
)
# Functions (matched by their last attribute name) that change their first argument.
FIRST_ARG_MUTATORS = frozenset(
    {
        "setattr",
        "delattr",
        "shuffle",
        "copyto",
        "put",
        "place",
        "putmask",
        "fill_diagonal",
        "heappush",
        "heappop",
        "heapify",
        "heapreplace",
        "heappushpop",
        "insort",
        "insort_left",
        "insort_right",
    }
)
# The key in ``deps`` of what a cell's displayed last expression uses (an ``out:N`` name).
LAST_EXPR = OUTPUT
# IPython magics whose argument is Python code run in the user namespace.
_CODE_MAGICS = frozenset({"time", "capture", "prun"})
_READ_ONLY_MAGICS = frozenset({"timeit"})
_MAGIC_RUNNERS = frozenset({"run_line_magic", "run_cell_magic"})


@dataclass(frozen=True)
class CellFacts:
    """What static analysis can say about a cell; see the module docstring."""

    parsed: bool = True
    reads: frozenset[str] = frozenset()
    loads: frozenset[str] = frozenset()
    binds: frozenset[str] = frozenset()
    definite_binds: frozenset[str] = frozenset()
    deletes: frozenset[str] = frozenset()
    candidates: frozenset[str] = frozenset()
    passed: frozenset[str] = frozenset()
    definite_mutations: frozenset[str] = frozenset()
    consumed: frozenset[str] = frozenset()
    methods: dict[str, frozenset[str]] = field(default_factory=dict)
    seed_calls: tuple[tuple[str, ...], ...] = ()
    dynamic: bool = False
    deps: dict[str, frozenset[str]] = field(default_factory=dict)
    # Names read only after a statement of the cell that may bind them: when the cell did
    # rebind such a name, its reads saw the new value, not the one from before the cell.
    prebound: frozenset[str] = frozenset()
    # name -> names certainly bound when it was (a loop's target, when its body bound it)
    implies: dict[str, frozenset[str]] = field(default_factory=dict)
    # Parts (see :mod:`nbprov.lineage.parts`), by root name: paths loaded, paths stored
    # (assigned or deleted), paths updated in place (augmented assignment), receivers of
    # method calls with the methods called on them; and names used whole.
    part_loads: dict[str, frozenset[Path]] = field(default_factory=dict)
    part_stores: dict[str, frozenset[Path]] = field(default_factory=dict)
    part_deletes: dict[str, frozenset[Path]] = field(default_factory=dict)
    # Roots whose parts come from dict methods (``get``, ``update``...): exact dicts only.
    dict_calls: frozenset[str] = frozenset()
    # Names called directly (``f(...)``); with ``passed``, the user code a cell may run.
    called: frozenset[str] = frozenset()
    part_updates: dict[str, frozenset[Path]] = field(default_factory=dict)
    part_calls: dict[str, frozenset[tuple[Path, str]]] = field(default_factory=dict)
    whole: frozenset[str] = frozenset()
    # Names read by code that runs when called or consumed (lambda bodies, generator
    # expressions): reads of the cell that runs it, not of the cell that builds it.
    deferred: frozenset[str] = frozenset()
    defines_code: bool = False
    # ``from M import a, b`` (or ``*``): module name -> the names imported from it.
    from_imports: dict[str, frozenset[str]] = field(default_factory=dict)
    # Names certainly bound before the cell's first call: code that call runs sees the
    # cell's own value of them.
    bound_before_calls: frozenset[str] = frozenset()
    # Execution counts of output history entries read as ``Out[N]`` / ``_oh[N]``.
    out_refs: frozenset[int] = frozenset()
    # The names an inert cell loads (see :mod:`nbprov.lineage.inert`); None otherwise.
    inert: frozenset[str] | None = None


def _chain(node: ast.expr) -> tuple[str, ...] | None:
    """``a.b.c`` -> ("a", "b", "c"); None when the chain is not rooted at a name."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return tuple(reversed(parts))
    return None


def _root(node: ast.expr) -> str | None:
    """The variable whose object an attribute/subscript/call-receiver expression reaches."""
    while True:
        if isinstance(node, ast.Name):
            return node.id
        if isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
            node = node.value
        else:
            return None


def _const_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


class _Analyzer:
    def __init__(self) -> None:
        self.reads: set[str] = set()
        self.loads: set[str] = set()
        self.binds: set[str] = set()
        self.definite: set[str] = set()
        self.deletes: set[str] = set()
        self.candidates: set[str] = set()
        self.passed: set[str] = set()  # candidates handed to a call, not only method receivers
        self.definite_mut: set[str] = set()
        self.consumed: set[str] = set()
        self.methods: dict[str, set[str]] = {}
        self.seed_calls: list[tuple[str, ...]] = []
        self.dynamic = False
        # name -> external names its current in-cell value depends on
        self.local: dict[str, set[str]] = {}
        # names certainly bound at this point of straight-line top-level code
        self.sure: set[str] = set()
        self.deps: dict[str, set[str]] = {}
        self.control: list[set[str]] = []
        # Flow-sensitive reads: read after a possible bind, read with no bind before it,
        # and bound again after being read.
        self.maybe_bound: set[str] = set()
        self.read_after_bind: set[str] = set()
        self.read_unbound: set[str] = set()
        self.bound_after_read: set[str] = set()
        self.bind_log: list[str] = []
        self.part_loads: dict[str, set[Path]] = {}
        self.part_stores: dict[str, set[Path]] = {}
        self.part_deletes: dict[str, set[Path]] = {}
        self.dict_calls: set[str] = set()
        self.called: set[str] = set()
        self.part_updates: dict[str, set[Path]] = {}
        self.part_calls: dict[str, set[tuple[Path, str]]] = {}
        self.whole: set[str] = set()
        # Loads in code that runs later (lambda bodies, generator expressions), and
        # whether the cell defines code that may run while it does.
        self.deferring = 0
        self.from_imports: dict[str, set[str]] = {}
        self.sure_at_call: set[str] | None = None
        self.deferred: set[str] = set()
        self.defines_code = False
        # A loop's target is bound again at each iteration's start, before its body reads it.
        self.binding_loop_target = False
        self.implies: dict[str, set[str]] = {}

    # -- names -----------------------------------------------------------------
    def resolve(self, names: Iterable[str]) -> set[str]:
        out: set[str] = set()
        for n in names:
            if n in self.local:
                out |= self.local[n]
                if n not in self.sure:
                    out.add(n)
            else:
                out.add(n)
        return out

    def _ctrl(self) -> set[str]:
        out: set[str] = set()
        for c in self.control:
            out |= c
        return out

    def write(self, name: str, deps: set[str], *, definite: bool, mutation: bool = False) -> None:
        deps = deps | self._ctrl()
        if mutation:
            deps = deps | self.resolve([name])
            self.local[name] = self.local.get(name, set()) | deps
        else:
            self.binds.add(name)
            self.bind_log.append(name)
            self.maybe_bound.add(name)
            if name in self.reads and not self.binding_loop_target:
                self.bound_after_read.add(name)
            self.local[name] = deps if definite else self.local.get(name, set()) | deps | {name}
            if definite:
                self.definite.add(name)
                self.sure.add(name)
        self.deps[name] = self.deps.get(name, set()) | deps

    def mutate(self, root: str | None, deps: set[str], *, definite: bool) -> None:
        if root is None:
            return
        self.candidates.add(root)
        if definite:
            self.definite_mut.add(root)
        self.write(root, deps, definite=False, mutation=True)

    # -- expressions -------------------------------------------------------------
    def expr(self, node: ast.AST | None) -> set[str]:
        """Names an expression uses (as written); records its calls' side effects."""
        if node is None:
            return set()
        used: set[str] = set()
        self._expr(node, used, frozenset())
        return used

    def _load(
        self, name: str, used: set[str], shadow: frozenset[str], *, part: bool = False
    ) -> None:
        if name in shadow:
            return
        if self.deferring:
            self.deferred.add(name)
            return
        if not part:
            self.whole.add(name)
        used.add(name)
        self.loads.add(name)
        if name not in self.sure:
            self.reads.add(name)
            (self.read_after_bind if name in self.maybe_bound else self.read_unbound).add(name)

    def _expr(self, node: ast.AST, used: set[str], shadow: frozenset[str]) -> None:
        kind = type(node)
        if kind is ast.Name:
            assert isinstance(node, ast.Name)
            if isinstance(node.ctx, ast.Load):
                self._load(node.id, used, shadow)
            return
        # Fast paths for the commonest nodes; the generic walk below handles the rest.
        if kind is ast.Constant:
            return
        if kind is ast.Attribute or kind is ast.Subscript:
            assert isinstance(node, (ast.Attribute, ast.Subscript))
            self._path(node, used, shadow, self.part_loads)
            return
        if kind is ast.BinOp:
            assert isinstance(node, ast.BinOp)
            self._expr(node.left, used, shadow)
            self._expr(node.right, used, shadow)
            return
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            self._comprehension(node, used, shadow)
            return
        if isinstance(node, ast.Lambda):
            inner = shadow | {a.arg for a in _all_args(node.args)}
            for d in [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]:
                self._expr(d, used, shadow)
            self.defines_code = True
            self.deferring += 1  # the body runs when the function is called
            self._expr(node.body, used, inner)
            self.deferring -= 1
            return
        if isinstance(node, ast.NamedExpr):
            sub: set[str] = set()
            self._expr(node.value, sub, shadow)
            used |= sub
            self.write(node.target.id, self.resolve(sub), definite=False)
            return
        if isinstance(node, ast.Call):
            self._call(node, used, shadow)
            return
        for child in ast.iter_child_nodes(node):
            self._expr(child, used, shadow)

    def _path(
        self,
        node: ast.Attribute | ast.Subscript,
        used: set[str],
        shadow: frozenset[str],
        into: dict[str, set[Path]] | None,
    ) -> str | None:
        """Load an attribute/subscript chain, noting the part it reaches in ``into``;
        returns its root name when the chain is a part path."""
        found = path_of(node)
        if found is None:
            if isinstance(node, ast.Subscript):
                self._expr(node.slice, used, shadow)
            self._expr(node.value, used, shadow)
            return None
        root, steps, exprs, keys = found
        for e in exprs:
            self._expr(e, used, shadow)
        for k in keys:
            self._load(k, used, shadow)
        if root in shadow:
            return None
        if steps and into is not None:
            into.setdefault(root, set()).add(steps)
        self._load(root, used, shadow, part=bool(steps))
        return root if steps else None

    def _comprehension(self, node: ast.AST, used: set[str], shadow: frozenset[str]) -> None:
        assert isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp))
        inner = shadow
        # A generator expression runs (past its first iterable) when it is consumed.
        lazy = isinstance(node, ast.GeneratorExp)
        self.defines_code |= lazy
        for i, gen in enumerate(node.generators):
            # The first iterable is evaluated in the enclosing scope.
            self._expr(gen.iter, used, shadow if i == 0 else inner)
            if i == 0:
                self.deferring += lazy
            if i == 0 and (r := _root(gen.iter)) is not None and r not in shadow:
                self.consumed.add(r)
            inner = inner | {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
            for cond in gen.ifs:
                self._expr(cond, used, inner)
        if isinstance(node, ast.DictComp):
            self._expr(node.key, used, inner)
            self._expr(node.value, used, inner)
        else:
            self._expr(node.elt, used, inner)
        self.deferring -= lazy

    def _call(self, node: ast.Call, used: set[str], shadow: frozenset[str]) -> None:
        if self.sure_at_call is None:
            self.sure_at_call = set(self.sure)
        call_used: set[str] = set()
        func = node.func
        keyed = dict_method_keys(node)
        if (
            keyed is not None
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id not in shadow
        ):
            # ``d.get('k')``, ``d.update(k=...)``: one key of a dict (checked at run time).
            owner = func.value.id
            self._load(owner, call_used, shadow, part=True)
            self.dict_calls.add(owner)
            for kind, key in keyed:
                into = self.part_loads if kind == "load" else self.part_stores
                into.setdefault(owner, set()).add((("key", key),))
                if kind == "update":
                    self.part_updates.setdefault(owner, set()).add((("key", key),))
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            self._load(func.value.id, call_used, shadow)  # a method of the whole object
        elif isinstance(func, ast.Attribute) and isinstance(
            func.value, (ast.Attribute, ast.Subscript)
        ):
            # A method called on a part: the part is read, and may be changed.
            found = path_of(func.value)
            root = self._path(func.value, call_used, shadow, self.part_loads)
            if root is not None and found is not None:
                self.part_calls.setdefault(root, set()).add((found[1], func.attr))
        else:
            self._expr(func, call_used, shadow)
        arg_roots: list[str | None] = []
        for a in node.args:
            self._expr(a, call_used, shadow)
            arg_roots.append(_root(a))
        kw_roots: dict[str | None, str | None] = {}
        for kw in node.keywords:
            self._expr(kw.value, call_used, shadow)
            kw_roots[kw.arg] = _root(kw.value)
        chain = _chain(node.func)
        if chain == ("eval",) and (code := _const_str(node.args[0] if node.args else None)):
            # The evaluated expression's names feed the call's result.
            try:
                call_used |= self.expr(ast.parse(code.strip(), mode="eval").body)
            except SyntaxError:
                self.dynamic = True
        used |= call_used
        deps = self.resolve(call_used)
        fname = chain[-1] if chain else None
        live = [r for r in arg_roots if r is not None and r not in shadow]
        live_kw = [r for r in kw_roots.values() if r is not None and r not in shadow]

        if fname == "seed" and chain is not None:
            self.seed_calls.append(chain)
        if isinstance(node.func, ast.Name) and node.func.id not in shadow:
            self.called.add(node.func.id)
        if chain == ("exec",) or chain == ("eval",):
            self.dynamic = True
            code = _const_str(node.args[0]) if node.args else None
            if code is not None and chain == ("exec",):
                self._inline(code, reads_only=False)
        elif chain in (("globals",), ("locals",)) or (chain == ("vars",) and not node.args):
            self.dynamic = True
        elif isinstance(node.func, ast.Attribute) and node.func.attr in _MAGIC_RUNNERS:
            self._magic(node)
        elif isinstance(node.func, ast.Name) and fname in NON_CONSUMING:
            pass
        elif isinstance(node.func, ast.Name) and fname in CONSUMING:
            self.consumed.update(live)
        elif fname in FIRST_ARG_MUTATORS and node.args:
            self.mutate(arg_roots[0] if arg_roots[0] not in shadow else None, deps, definite=True)
            self.passed.update(live)
            for r in live[1:]:
                self.mutate(r, deps, definite=False)
        else:
            self.passed.update(live + live_kw)
            for r in live + live_kw:
                self.mutate(r, deps, definite=False)
        # A method call may change its receiver.
        if isinstance(node.func, ast.Attribute):
            recv = _root(node.func.value)
            if recv is not None and recv not in shadow:
                self.methods.setdefault(recv, set()).add(node.func.attr)
                inplace = any(
                    kw.arg == "inplace" and isinstance(kw.value, ast.Constant) and kw.value.value
                    for kw in node.keywords
                )
                self.mutate(recv, deps, definite=inplace)
        out_root = kw_roots.get("out")
        if out_root is not None and out_root not in shadow:
            self.mutate(out_root, deps, definite=True)

    def _magic(self, node: ast.Call) -> None:
        name = _const_str(node.args[0]) if node.args else None
        if name is None:
            self.dynamic = True
            return
        code = _const_str(node.args[-1]) if len(node.args) >= 2 else None
        if name in _CODE_MAGICS and code is not None:
            self._inline(code, reads_only=False)
        elif name in _READ_ONLY_MAGICS and code is not None:
            self._inline(code, reads_only=True)
        else:
            self.dynamic = True

    def _inline(self, code: str, *, reads_only: bool) -> None:
        """Analyse code run by exec or a magic as if it were part of this cell."""
        try:
            tree = ast.parse(code)
        except SyntaxError:
            self.dynamic = True
            return
        if reads_only:
            sub = _Analyzer()
            sub.block(tree.body, top=False)
            for n in sub.reads:
                self._load(n, set(), frozenset())
            return
        self.block(tree.body, top=False)

    # -- statements --------------------------------------------------------------
    def assign_target(self, target: ast.expr, deps: set[str], *, definite: bool) -> None:
        if isinstance(target, ast.Name):
            self.write(target.id, deps, definite=definite)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for elt in target.elts:
                self.assign_target(elt, deps, definite=definite)
        elif isinstance(target, ast.Starred):
            self.assign_target(target.value, deps, definite=definite)
        elif isinstance(target, (ast.Subscript, ast.Attribute)):
            g = self._globals_key(target)
            if g is None and path_of(target) is not None:
                extra: set[str] = set()
                root = self._path(target, extra, frozenset(), self.part_stores)
                extra.discard(root or "")
                self.mutate(_root(target), deps | self.resolve(extra), definite=True)
                return
            extra = self.expr(target.slice) if isinstance(target, ast.Subscript) else set()
            extra |= self.expr(target.value)
            if g is not None:
                self.write(g, deps | self.resolve(extra), definite=definite)
                return
            self.mutate(_root(target), deps | self.resolve(extra), definite=True)

    @staticmethod
    def _globals_key(target: ast.expr) -> str | None:
        """``globals()["x"] = ...`` binds x."""
        if (
            isinstance(target, ast.Subscript)
            and isinstance(target.value, ast.Call)
            and _chain(target.value.func) == ("globals",)
        ):
            return _const_str(target.slice)
        return None

    def block(self, stmts: list[ast.stmt], *, top: bool) -> None:
        for s in stmts:
            self.stmt(s, top=top)

    def stmt(self, s: ast.stmt, *, top: bool) -> None:
        if isinstance(s, ast.Assign):
            deps = self.resolve(self.expr(s.value))
            for t in s.targets:
                self.assign_target(t, deps, definite=top)
        elif isinstance(s, ast.AnnAssign):
            if s.value is not None:
                self.assign_target(s.target, self.resolve(self.expr(s.value)), definite=top)
        elif isinstance(s, ast.AugAssign):
            deps = self.resolve(self.expr(s.value))
            if isinstance(s.target, ast.Name):
                n = s.target.id
                self._load(n, set(), frozenset())
                self.candidates.add(n)
                self.write(n, deps | self.resolve([n]), definite=top)
            else:
                found = path_of(s.target)
                if found is not None and found[1]:
                    self.part_updates.setdefault(found[0], set()).add(found[1])
                self.assign_target(s.target, deps, definite=top)
        elif isinstance(s, ast.Delete):
            for t in s.targets:
                if isinstance(t, ast.Name):
                    self.deletes.add(t.id)
                    self.local.pop(t.id, None)
                    self.sure.discard(t.id)
                    self.maybe_bound.discard(t.id)
                elif isinstance(t, (ast.Subscript, ast.Attribute)):
                    extra: set[str] = set()
                    root = self._path(t, extra, frozenset(), self.part_stores)
                    if root is not None and (found := path_of(t)) is not None:
                        self.part_deletes.setdefault(root, set()).add(found[1])
                    extra.discard(root or "")
                    self.mutate(_root(t), self.resolve(extra), definite=True)
                else:
                    self.mutate(_root(t), self.resolve(self.expr(t)), definite=True)
        elif isinstance(s, (ast.Import, ast.ImportFrom)):
            if isinstance(s, ast.ImportFrom) and s.module and not s.level:
                # The module may be one the notebook changed (or made): its state is read.
                names = self.from_imports.setdefault(s.module, set())
                names.update(alias.name for alias in s.names)
            for alias in s.names:
                if alias.name == "*":
                    self.dynamic = True
                    continue
                name = alias.asname or alias.name.split(".")[0]
                self.write(name, set(), definite=top)
        elif isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.defines_code = True
            used: set[str] = set()
            for d in s.decorator_list:
                used |= self.expr(d)
            for d in [*s.args.defaults, *(d for d in s.args.kw_defaults if d)]:
                used |= self.expr(d)
            self.write(s.name, self.resolve(used), definite=top)
        elif isinstance(s, ast.ClassDef):
            self.defines_code = True
            used = set()
            for e in [*s.decorator_list, *s.bases, *(k.value for k in s.keywords)]:
                used |= self.expr(e)
            used |= _class_body_loads(s)
            for n in used:
                self._load(n, set(), frozenset())
            self.write(s.name, self.resolve(used), definite=top)
        elif isinstance(s, (ast.For, ast.AsyncFor)):
            it = self.expr(s.iter)
            if (r := _root(s.iter)) is not None:
                self.consumed.add(r)
            self.control.append(self.resolve(it))
            targets = {n.id for n in ast.walk(s.target) if isinstance(n, ast.Name)}
            start = len(self.bind_log)
            # A loop over a non-empty literal sequence runs its body at least once.
            once = top and _runs_once(s)
            for _ in range(2):  # twice: later iterations see earlier ones' bindings
                self.binding_loop_target = True
                self.assign_target(s.target, self.resolve(it), definite=once)
                self.binding_loop_target = False
                self.block(s.body, top=once)
            for name in set(self.bind_log[start:]) - targets:
                self.implies.setdefault(name, set()).update(targets)
            self.control.pop()
            self.block(s.orelse, top=False)
        elif isinstance(s, ast.While):
            for _ in range(2):
                self.control.append(self.resolve(self.expr(s.test)))
                self.block(s.body, top=False)
                self.control.pop()
            self.block(s.orelse, top=False)
        elif isinstance(s, ast.If):
            self.control.append(self.resolve(self.expr(s.test)))
            before = set(self.sure)
            self.block(s.body, top=False)
            self.block(s.orelse, top=False)
            self.sure = before
            self.control.pop()
        elif isinstance(s, (ast.With, ast.AsyncWith)):
            for item in s.items:
                deps = self.resolve(self.expr(item.context_expr))
                if item.optional_vars is not None:
                    self.assign_target(item.optional_vars, deps, definite=top)
            self.block(s.body, top=top)
        elif isinstance(s, ast.Try) or type(s).__name__ == "TryStar":
            self.block(s.body, top=False)  # type: ignore[attr-defined]
            for h in s.handlers:  # type: ignore[attr-defined]
                self.expr(h.type)
                if h.name:
                    self.write(h.name, set(), definite=False)
                self.block(h.body, top=False)
            self.block(s.orelse, top=False)  # type: ignore[attr-defined]
            self.block(s.finalbody, top=False)  # type: ignore[attr-defined]
        elif isinstance(s, ast.Expr):
            used = self.expr(s.value)
            if top:  # what a displayed last expression depends on (see history.py)
                self.deps[LAST_EXPR] = self.resolve(used) | self._ctrl()
        elif isinstance(s, (ast.Global, ast.Nonlocal, ast.Pass, ast.Break, ast.Continue)):
            pass
        elif isinstance(s, ast.Match):
            self._match(s)
        else:
            self._generic(s)

    def _match(self, s: ast.Match) -> None:
        subject = self.resolve(self.expr(s.subject))
        self.control.append(subject)
        before = set(self.sure)
        for case in s.cases:
            used: set[str] = set()
            for sub in ast.walk(case.pattern):
                if isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
                    self.write(sub.name, subject, definite=False)
                elif isinstance(sub, ast.MatchValue):
                    used |= self.expr(sub.value)
            if case.guard is not None:
                used |= self.expr(case.guard)
            self.control.append(self.resolve(used))
            self.block(case.body, top=False)
            self.control.pop()
        self.sure = before
        self.control.pop()

    def _generic(self, s: ast.stmt) -> None:
        """assert, raise, return...: loads are reads, stores are possible binds."""
        used: set[str] = set()
        for child in ast.iter_child_nodes(s):
            if isinstance(child, ast.expr):
                used |= self.expr(child)
        deps = self.resolve(used)
        for sub in ast.walk(s):
            if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                self.write(sub.id, deps, definite=False)


def _runs_once(loop: ast.For | ast.AsyncFor) -> bool:
    """Whether a loop's body surely runs, to its end, at least once: it iterates over a
    non-empty literal or a constant non-empty ``range``, and nothing in it breaks out.
    The iterable is looked at first: walking the body costs more, and most loops iterate
    over something else."""
    return _iterates_at_least_once(loop.iter) and not any(
        isinstance(n, (ast.Break, ast.Continue)) for b in loop.body for n in ast.walk(b)
    )


def _iterates_at_least_once(it: ast.expr) -> bool:
    if isinstance(it, (ast.List, ast.Tuple, ast.Set)):
        return bool(it.elts) and not any(isinstance(e, ast.Starred) for e in it.elts)
    if not (isinstance(it, ast.Call) and _chain(it.func) == ("range",) and not it.keywords):
        return False
    args = [a.value for a in it.args if isinstance(a, ast.Constant) and type(a.value) is int]
    if len(args) != len(it.args) or not 1 <= len(args) <= 3:
        return False
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args[:2], 1)
    if len(args) == 3:
        step = args[2]
    return step != 0 and len(range(start, stop, step)) > 0


def _const_key(node: ast.expr) -> str | int | None:
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, str) or (type(value) is int and value >= 0):
        return value
    return None


def dict_method_keys(node: ast.Call) -> list[tuple[str, str | int]] | None:
    """The keys a dict method call reads ("load") or writes ("store", "update": read
    then written), when they are constants; None for any other call."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return None
    method, args, kws = func.attr, node.args, node.keywords
    key = _const_key(args[0]) if args and not kws else None
    if method == "get" and key is not None and len(args) <= 2:
        return [("load", key)]
    if method == "setdefault" and key is not None and len(args) <= 2:
        return [("update", key)]
    if method == "pop" and key is not None and len(args) <= 2:
        return [("store", key)]
    if method == "update" and not args and kws and all(kw.arg for kw in kws):
        return [("store", str(kw.arg)) for kw in kws]
    if method == "update" and len(args) == 1 and not kws and isinstance(args[0], ast.Dict):
        keys = [_const_key(k) if k is not None else None for k in args[0].keys]
        if keys and all(k is not None for k in keys):
            return [("store", k) for k in keys if k is not None]
    return None


def _all_args(args: ast.arguments) -> list[ast.arg]:
    out = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    if args.vararg:
        out.append(args.vararg)
    if args.kwarg:
        out.append(args.kwarg)
    return out


def _class_body_loads(cls: ast.ClassDef) -> set[str]:
    """Free names a class body reads when the class statement runs (not its methods)."""
    local: set[str] = set()
    used: set[str] = set()
    for s in cls.body:
        if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)):
            local.add(s.name)
            for d in [*s.decorator_list, *s.args.defaults]:
                used |= {n.id for n in ast.walk(d) if isinstance(n, ast.Name)} - local
            continue
        for n in ast.walk(s):
            if isinstance(n, ast.Name):
                if isinstance(n.ctx, ast.Load) and n.id not in local:
                    used.add(n.id)
                elif isinstance(n.ctx, ast.Store):
                    local.add(n.id)
    return used


def analyze(source: str) -> CellFacts:
    """Static facts of a cell's (IPython-transformed) source; never raises."""
    return _ANALYSES.facts(source)


class CellAnalyses:
    """Facts of cells by source text, the most recent ``size`` kept (a cell run again is
    not analysed again), parsed by ``parse``: in a kernel, the shell's own parser, whose
    tree IPython then compiles (see :mod:`nbprov.kernel.shared_parse`)."""

    def __init__(self, parse: Callable[[str], ast.AST] = ast.parse, size: int = 1024) -> None:
        self._parse = parse
        self.facts: Callable[[str], CellFacts] = lru_cache(maxsize=size)(self._analyze)

    def _analyze(self, source: str) -> CellFacts:
        try:
            tree = self._parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return CellFacts(parsed=False, dynamic=True)
        if not isinstance(tree, ast.Module):
            return CellFacts(parsed=False, dynamic=True)
        return _inert_facts(tree) or _full_facts(tree)


_ANALYSES = CellAnalyses()


# Every field of CellFacts at its default; an empty mapping is a read-only one, so that
# facts made from these defaults share them safely.
_DEFAULTS: dict[str, object] = {
    name: MappingProxyType({}) if isinstance(value, dict) else value
    for name, value in vars(CellFacts()).items()
}


def _quick_facts(**fields: object) -> CellFacts:
    """CellFacts from ``fields`` and the defaults, made without the frozen ``__init__``
    (one ``object.__setattr__`` per field, 33 of them): most new cells are small, and
    there that init was half the cost of their analysis."""
    facts = object.__new__(CellFacts)
    attributes = vars(facts)
    attributes.update(_DEFAULTS, **fields)
    if len(attributes) != len(_DEFAULTS):  # a name that is no field added an attribute
        raise TypeError(f"not fields of CellFacts: {sorted(attributes.keys() - _DEFAULTS.keys())}")
    return facts


def _inert_facts(tree: ast.Module) -> CellFacts | None:
    """The facts of an inert cell, found without the full analysis: most one-line cells
    are inert, and there the full analysis is most of the tracer's cost."""
    cell = inert_cell(tree.body)
    if cell is None:
        return None
    binds = _frozen(cell.binds)
    loads = _frozen(cell.loads)
    return _quick_facts(
        reads=loads if cell.reads == cell.loads else _frozen(cell.reads),
        loads=loads,
        binds=binds,
        definite_binds=binds,
        candidates=_frozen(cell.candidates),
        deps=cell.deps,
        whole=loads,
        inert=loads,
    )


def _frozen(names: set[str]) -> frozenset[str]:
    return frozenset(names) if names else NO_NAMES


def _full_facts(tree: ast.Module) -> CellFacts:
    a = _Analyzer()
    try:
        a.block(tree.body, top=True)
    except RecursionError:
        return CellFacts(parsed=False, dynamic=True)
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        a.deps.pop(LAST_EXPR, None)
    return CellFacts(
        parsed=True,
        reads=frozenset(a.reads),
        loads=frozenset(a.loads),
        binds=frozenset(a.binds),
        definite_binds=frozenset(a.definite - a.deletes),
        deletes=frozenset(a.deletes),
        candidates=frozenset(a.candidates),
        passed=frozenset(a.passed),
        definite_mutations=frozenset(a.definite_mut),
        consumed=frozenset(a.consumed),
        methods={k: frozenset(v) for k, v in a.methods.items()},
        seed_calls=tuple(a.seed_calls),
        dynamic=a.dynamic,
        deps={k: frozenset(v) for k, v in a.deps.items()},
        prebound=frozenset(a.read_after_bind - a.read_unbound - a.bound_after_read),
        implies={k: frozenset(v) for k, v in a.implies.items()},
        part_loads={k: frozenset(v) for k, v in a.part_loads.items()},
        part_stores={k: frozenset(v) for k, v in a.part_stores.items()},
        part_deletes={k: frozenset(v) for k, v in a.part_deletes.items()},
        dict_calls=frozenset(a.dict_calls),
        called=frozenset(a.called),
        part_updates={k: frozenset(v) for k, v in a.part_updates.items()},
        part_calls={k: frozenset(v) for k, v in a.part_calls.items()},
        whole=frozenset(a.whole),
        deferred=frozenset(a.deferred),
        from_imports={k: frozenset(v) for k, v in a.from_imports.items()},
        bound_before_calls=frozenset(a.sure_at_call or ()),
        defines_code=a.defines_code,
        out_refs=frozenset(
            int(steps[0][1])
            for root in ("Out", "_oh")
            for steps in a.part_loads.get(root, ())
            if steps[0][0] == "key" and type(steps[0][1]) is int
        ),
    )
