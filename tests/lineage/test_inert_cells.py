"""Inert cells: the tracer's short path must say exactly what its full checks say."""

from __future__ import annotations

import ast
import atexit
import dataclasses
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from IPython.core.interactiveshell import InteractiveShell
from support import new_shell

import nbprov.lineage.tracer as tracer_module
from nbprov.lineage import inert, static
from nbprov.lineage.protocol import CellAccess
from nbprov.lineage.tracer import Tracer

INERT = [
    "a = 3",
    "x = a * 2 + 1",
    "x",
    "x += 1",
    "a, (b, c) = 1, (2, 3)",
    "s = f'{a!r:>5} and {b}'",
    "t = (a, [b, {c: 1}], {a, b})",
    "y = a if b > c else -c\npass",
    "z = a < b <= c and not s or None",
]
NOT_INERT = [
    "print(a)",
    "x = a.real",
    "x = a[0]",
    "f = lambda: a",
    "x = [i for i in range(3)]",
    "for i in range(3): pass",
    "del a",
    "x: int = 1",
    "a.b = 1",
    "x[0] = 1",
    "x = [*a]",
    "(y := 1)",
    "import os",
    "def f(): pass",
    "x = yield",
    "get_ipython().run_line_magic('tag', 'read')",
]


@pytest.mark.parametrize("source", INERT)
def test_cells_that_run_no_code_are_inert(source: str) -> None:
    tree = ast.parse(source)
    cell = inert.inert_cell(tree.body)
    assert cell is not None
    assert (
        cell.loads
        == {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        | cell.candidates
    )
    assert static.analyze(source) == static._full_facts(tree).__class__(
        **{**vars(static._full_facts(tree)), "inert": frozenset(cell.loads)}
    )


@pytest.mark.parametrize("source", NOT_INERT)
def test_cells_that_may_run_code_are_not(source: str) -> None:
    assert inert.inert_cell(ast.parse(source).body) is None
    assert static.analyze(source).inert is None


def test_only_exact_plain_values_count() -> None:
    class Number(int):
        def __mul__(self, other: object) -> int:  # user code an operator would run
            return 0

    names = frozenset({"a"})
    assert inert.holds_plain_values(names, {"a": 3})
    assert inert.holds_plain_values(names, {})  # a builtin or a NameError
    assert not inert.holds_plain_values(names, {"a": Number(3)})
    assert not inert.holds_plain_values(names, {"a": [3]})
    assert not inert.holds_plain_values(frozenset({"_"}), {"_": 3})


def _run(cells: list[str], short: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, int]:
    shell = new_shell()
    atexit.unregister(shell.atexit_operations)
    tracer = Tracer(shell)
    accesses: list[CellAccess] = []
    short_cells = [0]
    real = Tracer._inert_after

    def counted(self: Tracer, before: Any, ns: dict[str, Any], ok: bool) -> Any:
        short_cells[0] += 1
        return real(self, before, ns, ok)

    def pre(info: Any) -> None:
        tracer.before_cell(info.raw_cell, shell.transform_cell(info.raw_cell), shell.user_ns)

    def post(result: Any) -> None:
        accesses.append(tracer.after_cell(shell.user_ns, result.error_in_exec))

    with monkeypatch.context() as patch:
        patch.setattr(Tracer, "_inert_after", counted)
        if not short:
            patch.setattr(tracer_module.inert, "holds_plain_values", lambda *_: False)
        shell.events.register("pre_run_cell", pre)
        shell.events.register("post_run_cell", post)
        try:
            for cell in cells:
                shell.run_cell(cell, store_history=True, silent=False)
        finally:
            shell.events.unregister("pre_run_cell", pre)
            shell.events.unregister("post_run_cell", post)
            tracer.close()
            InteractiveShell.clear_instance()
    seen = [
        (sorted(a.reads), sorted(a.binds), sorted(a.mutates), sorted(a.deletes)) for a in accesses
    ]
    return seen, short_cells[0]


NAMES = ["a", "b", "c", "s", "lst"]
_leaf = st.one_of(
    st.sampled_from([*NAMES, "zz"]),  # zz: never bound, a NameError
    st.integers(-3, 3).map(str),
    st.sampled_from(['"ab"', "2.5", "None", "True", 'b"x"']),
)


def _grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    pair = st.tuples(inner, inner)
    return st.one_of(
        pair.map(lambda p: f"({p[0]} + {p[1]})"),
        pair.map(lambda p: f"({p[0]} * {p[1]})"),
        pair.map(lambda p: f"({p[0]} // {p[1]})"),  # ZeroDivisionError sometimes
        pair.map(lambda p: f"({p[0]} < {p[1]})"),
        pair.map(lambda p: f"({p[0]} and {p[1]})"),
        pair.map(lambda p: f"({p[0]}, {p[1]})"),
        pair.map(lambda p: f"[{p[0]}, {p[1]}]"),
        _leaf.map(lambda e: f"f'{{{e}!r:>4}}'"),
        inner.map(lambda e: f"(-{e})"),
    )


_expr = st.recursive(_leaf, _grow, max_leaves=4)
_target = st.sampled_from(NAMES)
_statement = st.one_of(
    st.tuples(_target, _expr).map(lambda p: f"{p[0]} = {p[1]}"),
    st.tuples(_target, _expr).map(lambda p: f"{p[0]} += {p[1]}"),
    _expr,
    st.tuples(_target, _target, _expr, _expr).map(lambda p: f"{p[0]}, {p[1]} = {p[2]}, {p[3]}"),
    # Cells that are not inert, so that the namespace also holds objects and history.
    st.sampled_from(["lst = [a, b]", "lst.append(c)", "c = len(lst)", "_", "del c"]),
)
_cell = st.lists(_statement, min_size=1, max_size=3).map("\n".join)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=st.lists(_cell, min_size=1, max_size=8))
def test_the_short_path_agrees_with_the_full_checks(
    cells: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cells = ["a = 1\nb = 2\nc = 3\ns = 'x'\nlst = []", *cells]
    full, full_short = _run(cells, short=False, monkeypatch=monkeypatch)
    short, short_cells = _run(cells, short=True, monkeypatch=monkeypatch)
    assert full_short == 0
    assert short_cells >= 1  # the first cell at least
    assert short == full


_inert_statement = st.one_of(
    st.tuples(_target, _expr).map(lambda p: f"{p[0]} = {p[1]}"),
    st.tuples(_target, _target, _expr).map(lambda p: f"{p[0]} = {p[1]} = {p[2]}"),
    st.tuples(_target, _expr).map(lambda p: f"{p[0]} += {p[1]}"),
    st.tuples(_target, _target, _target, _expr).map(lambda p: f"({p[0]}, {p[1]}), {p[2]} = {p[3]}"),
    _expr,
    st.just("pass"),
)


@settings(max_examples=400, deadline=None)
@given(statements=st.lists(_inert_statement, max_size=5))
def test_the_short_analysis_says_what_the_full_one_says(statements: list[str]) -> None:
    """Facts of inert cells found the short way equal the full analysis's, field by field."""
    tree = ast.parse("\n".join(statements))
    short = static._inert_facts(tree)
    assert short is not None
    full = static._full_facts(tree)
    assert dataclasses.replace(short, inert=None) == full


@pytest.mark.parametrize("source", INERT)
def test_an_inert_cells_facts_are_plain_frozen_facts(source: str) -> None:
    """Made without the dataclass's init, they still compare, read and refuse changes
    as facts made with it do."""
    facts = static._inert_facts(ast.parse(source))
    assert facts is not None
    fields = {f.name: getattr(facts, f.name) for f in dataclasses.fields(static.CellFacts)}
    assert static.CellFacts(**fields) == facts
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.binds = frozenset()  # type: ignore[misc]
    with pytest.raises(TypeError):
        facts.methods["a"] = frozenset()  # type: ignore[index]


def test_quick_facts_refuse_a_field_that_does_not_exist() -> None:
    with pytest.raises(TypeError, match="bindz"):
        static._quick_facts(bindz=frozenset())
