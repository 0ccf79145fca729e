"""The filter language of ``nbprov trials --filter`` and ``--sort`` keys: Python
comparisons over tagged values and trial fields, parsed with :mod:`ast` and never run."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from nbprov.core.compare.facts import CompareError, is_number

TRIAL_FIELDS = ("id", "name", "notebook", "status", "started_at", "ended_at")
ROLE_ALIASES = {"metrics": "metric", "hyperparams": "hyperparam", "hyperparameter": "hyperparam"}
MAX_FILTER_LENGTH = 2000


class FilterError(CompareError):
    """A filter expression that is malformed or uses something other than comparisons."""


MISSING: Any = None

Getter = Callable[[dict[Any, Any]], Any]
Predicate = Callable[[dict[Any, Any]], Any]


class Ref(NamedTuple):
    """What a name in an expression refers to: a trial field, or a tagged variable
    (``role`` None means any role)."""

    kind: str  # "trial" | "var"
    role: str | None
    name: str

    def text(self) -> str:
        if self.kind == "trial":
            return f"trial.{self.name}"
        return f"{self.role}.{self.name}" if self.role else self.name


def parse_ref(node: ast.expr) -> Ref | None:
    if isinstance(node, ast.Name):
        return Ref("var", None, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        prefix = node.value.id
        if prefix == "trial":
            if node.attr not in TRIAL_FIELDS:
                raise FilterError(
                    f"unknown trial field {node.attr!r} (choose from {', '.join(TRIAL_FIELDS)})"
                )
            return Ref("trial", None, node.attr)
        return Ref("var", ROLE_ALIASES.get(prefix, prefix), node.attr)
    return None


def _ordered(left: Any, right: Any) -> bool:
    return (is_number(left) and is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )


def _equal(left: Any, right: Any) -> bool:
    if is_number(left) and is_number(right):
        return bool(left == right)
    return type(left) is type(right) and bool(left == right)


_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: _equal,
    ast.NotEq: lambda a, b: not _equal(a, b),
    ast.Lt: lambda a, b: _ordered(a, b) and bool(a < b),
    ast.LtE: lambda a, b: _ordered(a, b) and bool(a <= b),
    ast.Gt: lambda a, b: _ordered(a, b) and bool(a > b),
    ast.GtE: lambda a, b: _ordered(a, b) and bool(a >= b),
    ast.In: lambda a, b: isinstance(b, tuple) and any(_equal(a, x) for x in b),
    ast.NotIn: lambda a, b: isinstance(b, tuple) and not any(_equal(a, x) for x in b),
}


@dataclass
class Filter:
    """A parsed filter: call it with a lookup ``{Ref: value}`` to test one trial."""

    text: str
    refs: set[Ref]
    test: Predicate

    def __call__(self, values: dict[Any, Any]) -> bool:
        return bool(self.test(values))


def _constant(node: ast.expr) -> Any:
    if isinstance(node, ast.Constant) and (
        node.value is None or isinstance(node.value, (bool, int, float, str))
    ):
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, (ast.USub, ast.UAdd))
        and isinstance(node.operand, ast.Constant)
        and is_number(node.operand.value)
    ):
        number: int | float = node.operand.value  # type: ignore[assignment]
        return -number if isinstance(node.op, ast.USub) else number
    raise FilterError(f"expected a number, string, True, False or None, got {ast.unparse(node)!r}")


def parse_filter(text: str) -> Filter:
    """Parse a filter such as ``metric.r2 > 0.4 and hyperparam.alpha < 1``.

    Grammar: comparisons (``== != < <= > >=``, chained, and ``in`` / ``not in`` a list of
    constants) between references and constants, combined with ``and``, ``or``, ``not``
    and parentheses. A reference is ``ROLE.NAME`` (``metric.r2``, ``hyperparam.alpha``,
    any tag role), a bare ``NAME`` (a tagged variable of any role) or ``trial.FIELD``
    (id, name, notebook, status, started_at, ended_at). A bare reference tests its truth.
    Strings compare only with strings and numbers with numbers; a comparison involving a
    missing value is false (except ``== None``). The text is parsed with :mod:`ast` and
    interpreted node by node; nothing is ever evaluated as Python.
    """
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterError(f"filter longer than {MAX_FILTER_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError) as exc:
        raise FilterError(f"cannot parse filter {text!r}: {exc}") from exc
    refs: set[Ref] = set()

    def operand(node: ast.expr) -> Getter:
        ref = parse_ref(node)
        if ref is not None:
            refs.add(ref)
            return lambda values: values.get(ref, MISSING)
        if isinstance(node, (ast.List, ast.Tuple)):
            items = tuple(_constant(e) for e in node.elts)
            return lambda values: items
        value = _constant(node)
        return lambda values: value

    def build(node: ast.expr) -> Predicate:
        if isinstance(node, ast.BoolOp):
            parts = [build(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda values: all(p(values) for p in parts)
            return lambda values: any(p(values) for p in parts)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = build(node.operand)
            return lambda values: not inner(values)
        if isinstance(node, ast.Compare):
            getters = [operand(node.left), *(operand(c) for c in node.comparators)]
            checks = []
            for op in node.ops:
                check = _COMPARE.get(type(op))
                if check is None:
                    raise FilterError(f"operator {type(op).__name__} is not allowed in a filter")
                checks.append(check)

            def compare(values: dict[Any, Any]) -> bool:
                got = [g(values) for g in getters]
                return all(check(got[i], got[i + 1]) for i, check in enumerate(checks))

            return compare
        ref = parse_ref(node)
        if ref is not None:
            refs.add(ref)
            return lambda values: bool(values.get(ref, MISSING))
        raise FilterError(
            f"not allowed in a filter: {ast.unparse(node)!r} "
            "(use comparisons joined by and / or / not)"
        )

    try:
        test = build(tree.body)
    except RecursionError as exc:
        raise FilterError("filter nested too deeply") from exc
    return Filter(text, refs, test)


# -- trial selection ----------------------------------------------------------------------


@dataclass(frozen=True)
class SortKey:
    ref: Ref
    # None when the key did not say: ascending, except that a metric's selection puts
    # its best first (see selection.select_trials).
    descending: bool | None


def parse_sort(text: str) -> SortKey:
    """``NAME``, ``ROLE.NAME`` or ``trial.FIELD``; ``-`` in front or ``:desc`` after for
    descending order, ``+`` or ``:asc`` for ascending; neither leaves ``descending`` None."""
    spec = text.strip()
    descending: bool | None = None
    if spec.startswith("-"):
        descending, spec = True, spec[1:]
    elif spec.startswith("+"):
        descending, spec = False, spec[1:]
    lowered = spec.lower()
    for suffix, flag in ((":desc", True), (":asc", False)):
        if lowered.endswith(suffix):
            descending, spec = flag, spec[: -len(suffix)]
    try:
        node = ast.parse(spec, mode="eval").body
    except SyntaxError as exc:
        raise CompareError(f"--sort-by: cannot parse {text!r}") from exc
    ref = parse_ref(node)
    if ref is None:
        raise CompareError(f"--sort-by: expected NAME, ROLE.NAME or trial.FIELD, got {text!r}")
    return SortKey(ref, descending)


def _sort_value(value: Any) -> tuple[int, Any]:
    if is_number(value):
        return (0, float(value))
    if isinstance(value, str):
        return (1, value)
    return (2, json.dumps(value, sort_keys=True, default=str))


def sort_ids(ids: Sequence[int], values: dict[int, dict[Any, Any]], key: SortKey) -> list[int]:
    """Trial ids ordered by ``key``; trials without the value come last, by id."""
    have = [i for i in ids if values.get(i, {}).get(key.ref) is not None]
    lacking = [i for i in ids if values.get(i, {}).get(key.ref) is None]
    have.sort(key=lambda i: (_sort_value(values[i][key.ref]), i), reverse=bool(key.descending))
    return have + sorted(lacking)
