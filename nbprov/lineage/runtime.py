"""Cheap runtime facts the tracer combines with static analysis.

Everything here works from ids, fingerprints and code objects: nothing keeps a strong
reference to a user object past the call that inspects it.
"""

from __future__ import annotations

import ctypes
import dis
import sys
import types
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from ..capture.values import fingerprint

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
_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), frozenset, range)


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
            *_IMMUTABLE,
            types.ModuleType,
            type,
            types.FunctionType,
            types.BuiltinFunctionType,
            types.MethodType,
        ),
    )


def mutator_methods(obj: object) -> frozenset[str]:
    return MUTATOR_METHODS.get(type(obj).__name__, frozenset())


# -- functions: the globals they read and bind at call time ------------------------

_CODE_CACHE: weakref.WeakKeyDictionary[types.CodeType, tuple[frozenset[str], frozenset[str]]]
_CODE_CACHE = weakref.WeakKeyDictionary()
_LOAD_OPS = frozenset({"LOAD_GLOBAL", "LOAD_NAME"})
_STORE_OPS = frozenset({"STORE_GLOBAL", "DELETE_GLOBAL"})


def code_globals(code: types.CodeType) -> tuple[frozenset[str], frozenset[str]]:
    """(globals loaded, globals stored) by a code object and the code nested in it."""
    cached = _CODE_CACHE.get(code)
    if cached is not None:
        return cached
    loads: set[str] = set()
    stores: set[str] = set()
    for ins in dis.get_instructions(code):
        if ins.opname in _LOAD_OPS:
            loads.add(str(ins.argval))
        elif ins.opname in _STORE_OPS:
            stores.add(str(ins.argval))
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            sub_loads, sub_stores = code_globals(const)
            loads |= sub_loads
            stores |= sub_stores
    result = (frozenset(loads), frozenset(stores))
    _CODE_CACHE[code] = result
    return result


_INIT_METHODS = frozenset({"__new__", "__init__", "__post_init__", "__init_subclass__"})


def _function_codes(func: types.FunctionType, ns: dict[str, Any]) -> Iterator[types.CodeType]:
    """A user function's code and the code of user functions in its closure (decorators)."""
    if func.__globals__ is not ns:
        return
    yield func.__code__
    for cell in func.__closure__ or ():
        try:
            inner = cell.cell_contents
        except ValueError:
            continue
        if isinstance(inner, types.FunctionType) and inner is not func:
            yield from _function_codes(inner, ns)


def _class_codes(
    cls: type, ns: dict[str, Any], wanted: set[str], *, instance: bool
) -> Iterator[types.CodeType]:
    """Code a use of a user class (or of one of its instances) can run.

    A class runs its construction methods and the methods called on it; an instance runs
    the methods called on it and, implicitly, its other special methods. Properties may run
    on any attribute access. Methods a method refers to by attribute name are followed.
    """
    members: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass is not object:
            members.update(vars(klass))
    names = set(wanted)
    for name, member in members.items():
        special = name.startswith("__") and name.endswith("__")
        # Instances run their special methods implicitly; classes their constructors.
        if isinstance(member, property) or (special and (name not in _INIT_METHODS) == instance):
            names.add(name)
    done: set[str] = set()
    while names - done:
        name = (names - done).pop()
        done.add(name)
        member = members.get(name)
        funcs: list[Any]
        if isinstance(member, property):
            funcs = [member.fget, member.fset, member.fdel]
        elif isinstance(member, (staticmethod, classmethod)):
            funcs = [member.__func__]
        else:
            funcs = [member]
        for func in funcs:
            if isinstance(func, types.FunctionType):
                for code in _function_codes(func, ns):
                    yield code
                    names.update(n for n in code.co_names if n in members)


def _user_codes(obj: object, ns: dict[str, Any], wanted: set[str]) -> Iterator[types.CodeType]:
    """Code of user-defined functions a use of ``obj`` can run (``wanted``: the methods
    called on it)."""
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    if isinstance(obj, types.FunctionType):
        yield from _function_codes(obj, ns)
        return
    if isinstance(obj, types.GeneratorType):
        # A generator runs its code, reading globals, each time it is advanced.
        frame = obj.gi_frame
        if frame is not None and frame.f_globals is ns:
            yield obj.gi_code
        return
    instance = not isinstance(obj, type)
    cls = type(obj) if instance else obj
    if not isinstance(cls, type) or cls.__module__ != ns.get("__name__", "__main__"):
        return
    yield from _class_codes(cls, ns, wanted, instance=instance)


def user_codes(obj: object, ns: dict[str, Any], wanted: set[str]) -> list[types.CodeType]:
    """The code of notebook functions and methods a use of ``obj`` can run."""
    return list(_user_codes(obj, ns, wanted))


def called_globals(
    names: Iterable[str], ns: dict[str, Any], methods: dict[str, frozenset[str]]
) -> tuple[set[str], set[str]]:
    """Globals read and bound, transitively, by the user code that using ``names`` can run;
    ``methods`` maps a name to the methods called on it."""
    reads: set[str] = set()
    stores: set[str] = set()
    seen: set[str] = set()
    wanted: dict[str, set[str]] = {n: set(methods.get(n, ())) for n in names}
    todo = [n for n in names if n in ns]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            obj = ns[name]
        except KeyError:
            continue
        if isinstance(obj, (*_IMMUTABLE, types.ModuleType)):
            continue
        for code in _user_codes(obj, ns, wanted.get(name, set())):
            loads, binds = code_globals(code)
            stores |= binds
            for g in loads:
                if g in ns:
                    reads.add(g)
                    # Attribute names in the code stand for the methods it may call on g.
                    wanted.setdefault(g, set()).update(code.co_names)
                    if g not in seen:
                        todo.append(g)
    return reads, stores


def closure_token(obj: object, ns: dict[str, Any]) -> str | None:
    """Fingerprint of the state a user function closed over; None if it has none."""
    if not isinstance(obj, types.FunctionType) or obj.__globals__ is not ns:
        return None
    if not obj.__closure__:
        return None
    contents = []
    for cell in obj.__closure__:
        try:
            value = cell.cell_contents
        except ValueError:
            value = None
        contents.append(None if callable(value) else value)
    return fingerprint(contents)


# -- module-level random state -------------------------------------------------------


_NP_STATE: list[Any] = []  # [bit generator, address of its MT19937 state] once found


def numpy_rng_token() -> int | None:
    """A cheap token of NumPy's global RandomState (None when NumPy is not imported).

    Reads the MT19937 state in place: the position and a few key words change with every
    draw (the whole key is regenerated each 624 words), without copying the state.
    """
    np = sys.modules.get("numpy")
    if np is None:
        return None
    try:
        bitgen = np.random.mtrand._rand._bit_generator
        if not _NP_STATE or _NP_STATE[0] is not bitgen:
            _NP_STATE[:] = [bitgen, int(bitgen.ctypes.state_address)]
        address = _NP_STATE[1]
        return hash(ctypes.string_at(address, 16) + ctypes.string_at(address + 624 * 4, 4))
    except Exception:
        try:
            state = np.random.get_state()
            return hash((state[1].tobytes(), state[2]))
        except Exception:
            return None


def stdlib_rng_token() -> int | None:
    mod = sys.modules.get("random")
    if mod is None:
        return None
    try:
        return hash(mod.getstate())
    except Exception:
        return None


def refers_to_stdlib_random(obj: object) -> bool:
    mod = sys.modules.get("random")
    if mod is None:
        return False
    return obj is mod or getattr(obj, "__self__", None) is getattr(mod, "_inst", None)


def seed_module(chain: tuple[str, ...], ns: dict[str, Any]) -> str | None:
    """Which module-level RNG a ``...seed(...)`` call chain seeds: "numpy", "random" or None."""
    if chain[0] not in ns:
        return None
    obj: Any = ns[chain[0]]
    for attr in chain[1:]:
        if not isinstance(obj, types.ModuleType) and attr != chain[-1]:
            return None
        try:
            obj = getattr(obj, attr)
        except Exception:
            return None
    owner = getattr(obj, "__self__", None)
    rnd = sys.modules.get("random")
    if rnd is not None and owner is getattr(rnd, "_inst", None):
        return "random"
    np = sys.modules.get("numpy")
    if np is not None and owner is getattr(np.random.mtrand, "_rand", None):
        return "numpy"
    if getattr(obj, "__module__", None) in ("numpy.random", "numpy.random.mtrand"):
        return "numpy"
    return None
