"""Which objects a call may change: in-place methods by receiver type, methods known to
change nothing, and objects that are never mutated or hold state of their own.

Everything here works from types and names: nothing keeps a reference to a user object
past the call that inspects it."""

from __future__ import annotations

import types
from collections.abc import Iterator

# In-place methods by receiver type name; a call of one of these is a change even when a
# sampled fingerprint cannot see it.
_LIST = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"})
_DICT = frozenset({"pop", "popitem", "clear", "update", "setdefault"})
_SET = frozenset(
    {
        "add",
        "discard",
        "remove",
        "pop",
        "clear",
        "update",
        "intersection_update",
        "difference_update",
        "symmetric_difference_update",
    }
)
MUTATOR_METHODS: dict[str, frozenset[str]] = {
    "list": _LIST,
    "deque": _LIST | {"appendleft", "extendleft", "popleft", "rotate"},
    "bytearray": _LIST,
    "dict": _DICT,
    "defaultdict": _DICT,
    "OrderedDict": _DICT | {"move_to_end"},
    "Counter": _DICT | {"subtract"},
    "set": _SET,
    "ndarray": frozenset({"sort", "fill", "resize", "put", "itemset", "partition", "setflags"}),
    "DataFrame": frozenset({"pop", "update", "insert"}),
    "Series": frozenset({"pop", "update"}),
}
_FRAME_PURE = frozenset(
    [
        "head",
        "tail",
        "describe",
        "copy",
        "sum",
        "mean",
        "median",
        "std",
        "var",
        "min",
        "max",
        "count",
        "nunique",
        "unique",
        "value_counts",
        "groupby",
        "agg",
        "aggregate",
        "apply",
        "map",
        "merge",
        "join",
        "sort_values",
        "sort_index",
        "drop",
        "dropna",
        "fillna",
        "rename",
        "reset_index",
        "set_index",
        "astype",
        "to_numpy",
        "to_dict",
        "to_list",
        "tolist",
        "query",
        "filter",
        "select_dtypes",
        "corr",
        "cov",
        "isna",
        "isnull",
        "notna",
        "notnull",
        "pivot_table",
        "melt",
        "assign",
        "round",
        "abs",
        "cumsum",
        "cumprod",
        "diff",
        "shift",
        "rolling",
        "expanding",
        "resample",
        "equals",
        "any",
        "all",
        "idxmax",
        "idxmin",
        "nlargest",
        "nsmallest",
        "clip",
        "where",
        "mask",
        "replace",
        "duplicated",
        "drop_duplicates",
        "isin",
        "between",
        "get",
        "keys",
        "items",
        "iterrows",
        "itertuples",
        "memory_usage",
        "transpose",
        "dot",
        "sample",
        "pct_change",
        "quantile",
        "rank",
        "explode",
        "stack",
        "unstack",
        "pivot",
    ]
)
_ARRAY_PURE = frozenset(
    [
        "copy",
        "sum",
        "mean",
        "std",
        "var",
        "min",
        "max",
        "argmax",
        "argmin",
        "reshape",
        "ravel",
        "flatten",
        "astype",
        "tolist",
        "transpose",
        "dot",
        "round",
        "cumsum",
        "cumprod",
        "any",
        "all",
        "nonzero",
        "item",
        "tobytes",
        "view",
        "squeeze",
        "take",
        "repeat",
        "argsort",
        "prod",
        "ptp",
        "trace",
        "diagonal",
        "conj",
        "conjugate",
        "searchsorted",
    ]
)
# Methods that never change their receiver, by receiver type name: a cell that only calls
# these on an object need not fingerprint it (a large frame costs milliseconds to hash).
PURE_METHODS: dict[str, frozenset[str]] = {
    "DataFrame": _FRAME_PURE,
    "Series": _FRAME_PURE,
    "ndarray": _ARRAY_PURE,
    "list": frozenset({"copy", "count", "index"}),
    "tuple": frozenset({"count", "index"}),
    "dict": frozenset({"get", "keys", "values", "items", "copy"}),
    "set": frozenset(
        {
            "union",
            "intersection",
            "difference",
            "symmetric_difference",
            "issubset",
            "issuperset",
            "isdisjoint",
            "copy",
        }
    ),
}


def only_pure_calls(obj: object, methods: frozenset[str]) -> bool:
    """Whether every method called on ``obj`` is known not to change it."""
    pure = PURE_METHODS.get(type(obj).__name__)
    return bool(methods) and pure is not None and methods <= pure


# For objects whose content cannot be fingerprinted: names that conventionally change state.
GENERIC_MUTATORS = frozenset(
    {
        "fit",
        "partial_fit",
        "fit_transform",
        "fit_predict",
        "set_params",
        "append",
        "extend",
        "update",
        "add",
        "pop",
        "clear",
        "insert",
        "remove",
        "sort",
        "reverse",
        "seed",
        "shuffle",
        "send",
        "throw",
        "close",
        "write",
        "writelines",
        "reset",
        "register",
        "push",
        "put",
        "setdefault",
    }
)
# Methods that may change their receiver, whatever its type (a method called on a part).
MAY_MUTATE = GENERIC_MUTATORS.union(*MUTATOR_METHODS.values())
# Types whose every use advances hidden state (draws, iteration).
_RNG_TYPES = frozenset({"Generator", "RandomState", "Random", "SystemRandom"})
IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), frozenset, range)


def is_stateful(obj: object) -> bool:
    """Iterators and RNG objects: reading them changes them."""
    if isinstance(obj, Iterator):
        return True
    cls = type(obj)
    return cls.__name__ in _RNG_TYPES and cls.__module__.split(".")[0] in ("numpy", "random")


def never_mutated(obj: object) -> bool:
    """Objects a cell cannot meaningfully change in place (or that we never track)."""
    return isinstance(
        obj,
        (
            *IMMUTABLE,
            types.ModuleType,
            type,
            types.FunctionType,
            types.BuiltinFunctionType,
            types.MethodType,
        ),
    )


def mutator_methods(obj: object) -> frozenset[str]:
    return MUTATOR_METHODS.get(type(obj).__name__, frozenset())
