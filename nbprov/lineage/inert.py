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
from typing import Any

# Exact types whose operators, hashing, formatting and iteration are the builtins' own.
PLAIN_TYPES = frozenset({int, float, complex, str, bytes, bool, type(None)})


def inert_loads(body: list[ast.stmt]) -> frozenset[str] | None:
    """The names an inert cell loads (whose values decide at run time), or None when the
    cell's code alone can run other code."""
    loads: set[str] = set()
    for stmt in body:
        if isinstance(stmt, ast.Assign):
            if not all(_plain_target(t) for t in stmt.targets):
                return None
            value: ast.expr = stmt.value
        elif isinstance(stmt, ast.AugAssign):
            if not isinstance(stmt.target, ast.Name):
                return None
            loads.add(stmt.target.id)  # ``x += 1`` runs x's own operator
            value = stmt.value
        elif isinstance(stmt, ast.Expr):
            value = stmt.value
        elif isinstance(stmt, ast.Pass):
            continue
        else:
            return None
        if not _plain_expression(value, loads):
            return None
    return frozenset(loads)


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


def _plain_target(target: ast.expr) -> bool:
    """A name, or a tuple or list of plain targets (unpacking without a star)."""
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_plain_target(t) for t in target.elts)
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
