"""Inert cells: cells that can run no code but the interpreter's own.

A cell such as ``a = 3``, ``x = a * 2 + 1`` or ``x`` calls nothing, reads no attribute and
no item, imports nothing and defines nothing. When every name it loads holds a value of an
exact builtin scalar type, its operators are the builtins' own: no user code runs, no
file is opened, no random state moves and no object changes in place. The tracer then
skips the checks that look for those effects, which are most of its per-cell cost on
small cells and find nothing on them.

The statement and expression kinds below are a whitelist: anything else (a call, an
attribute, a subscript, a comprehension, a lambda, a loop, ``del``, an annotation...)
makes the cell an ordinary one.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

# Exact types whose operators, hashing, formatting and iteration are the builtins' own.
PLAIN_TYPES = frozenset({int, float, complex, str, bytes, bool, type(None)})


# The key of ``InertCell.deps`` for the value of a cell's last expression (its output).
OUTPUT = "out:"
# Shared by the facts of every cell that has no name of a kind: facts are kept for the
# most recent cells, and each frozenset is one more object for the garbage collector.
NO_NAMES: frozenset[str] = frozenset()


@dataclass(slots=True)
class InertCell:
    """The def-use facts of an inert cell, in :class:`nbprov.lineage.static.CellFacts`
    terms. Its code runs straight through, so every bind is certain and a name bound by
    the cell is not a read when it is loaded later in the cell."""

    loads: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    binds: set[str] = field(default_factory=set)
    # Targets of augmented assignments: their own operator may change them in place.
    candidates: set[str] = field(default_factory=set)
    deps: dict[str, frozenset[str]] = field(default_factory=dict)


def inert_cell(body: list[ast.stmt]) -> InertCell | None:
    """The facts of an inert cell, or None when the cell's code alone can run other code.

    Run for every new cell before it runs: written with plain loops and no closures, the
    cheapest shape for the one-statement cells most of its callers have."""
    cell = InertCell(set(), set(), set(), set(), {})
    # Each name the cell bound so far -> the outside names its value came from.
    local: dict[str, frozenset[str]] = {}
    for stmt in body:
        names: set[str] = set()
        if isinstance(stmt, ast.Assign):
            targets: list[str] = []
            for target in stmt.targets:
                if not _plain_target(target, targets):
                    return None
            if not _plain_expression(stmt.value, names):
                return None
            value = _used(cell, local, names)
            for name in targets:
                _bind(cell, local, name, value)
        elif isinstance(stmt, ast.AugAssign):
            if not isinstance(stmt.target, ast.Name):
                return None
            if not _plain_expression(stmt.value, names):
                return None
            name = stmt.target.id
            names.add(name)  # ``x += 1`` loads x and runs x's own operator
            _bind(cell, local, name, _used(cell, local, names))
            cell.candidates.add(name)
        elif isinstance(stmt, ast.Expr):
            if not _plain_expression(stmt.value, names):
                return None
            cell.deps[OUTPUT] = _used(cell, local, names)
        elif not isinstance(stmt, ast.Pass):
            return None
    if not body or not isinstance(body[-1], ast.Expr):
        cell.deps.pop(OUTPUT, None)  # only a last expression is shown
    return cell


def _used(cell: InertCell, local: dict[str, frozenset[str]], names: set[str]) -> frozenset[str]:
    """The outside names a value made from ``names`` came from; notes the loads and reads."""
    if not names:
        return NO_NAMES
    cell.loads |= names
    if not local:  # nothing bound yet: every name is an outside one, read
        cell.reads |= names
        return frozenset(names)
    out: set[str] = set()
    for name in names:
        if name in local:
            out |= local[name]
        else:
            out.add(name)
            cell.reads.add(name)
    return frozenset(out)


def _bind(
    cell: InertCell, local: dict[str, frozenset[str]], name: str, value: frozenset[str]
) -> None:
    # Later loads see this value; the cell's deps of a name cover all its values.
    local[name] = value
    old = cell.deps.get(name)
    cell.deps[name] = value if old is None else old | value
    cell.binds.add(name)


def _plain_expression(node: ast.expr, loads: set[str]) -> bool:
    """Whether ``node`` is made only of names, constants, operators and displays; adds
    the names it loads. Written out per node type: ``ast.walk`` costs more than the
    parse on a one-line cell."""
    if isinstance(node, ast.Name):
        loads.add(node.id)
        return True
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.BinOp):
        return _plain_expression(node.left, loads) and _plain_expression(node.right, loads)
    if isinstance(node, ast.UnaryOp):
        return _plain_expression(node.operand, loads)
    if isinstance(node, ast.Compare):
        return _all_plain([node.left, *node.comparators], loads)
    if isinstance(node, ast.IfExp):
        return _all_plain([node.test, node.body, node.orelse], loads)
    if isinstance(node, (ast.BoolOp, ast.JoinedStr)):
        return _all_plain(node.values, loads)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return _all_plain(node.elts, loads)
    if isinstance(node, ast.Dict):
        # A None key is ``**mapping``, which calls the mapping's methods.
        keys = [k for k in node.keys if k is not None]
        return len(keys) == len(node.keys) and _all_plain([*keys, *node.values], loads)
    if isinstance(node, ast.FormattedValue):
        spec = node.format_spec
        return _plain_expression(node.value, loads) and (
            spec is None or _plain_expression(spec, loads)
        )
    return False


def _all_plain(nodes: list[ast.expr], loads: set[str]) -> bool:
    return all(_plain_expression(n, loads) for n in nodes)


def _plain_target(target: ast.expr, names: list[str]) -> bool:
    """A name, or a tuple or list of plain targets (unpacking without a star); adds the
    names it binds."""
    if isinstance(target, ast.Name):
        names.append(target.id)
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(t, names) for t in target.elts)
    return False


def holds_plain_values(names: frozenset[str], ns: dict[str, Any]) -> bool:
    """Whether every name bound in ``ns`` holds a plain value. A name not bound there is
    a builtin or a NameError: loaded, never called. Names starting with ``_`` (output
    history, the shell's own) are left to the full checks."""
    for name in names:
        if name[0] == "_":
            return False
        obj = ns.get(name, PLAIN_TYPES)
        if obj is not PLAIN_TYPES and type(obj) not in PLAIN_TYPES:
            return False
    return True
