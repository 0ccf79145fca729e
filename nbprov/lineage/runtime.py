"""Cheap runtime facts the tracer combines with static analysis.

Everything here works from ids, fingerprints and code objects: nothing keeps a strong
reference to a user object past the call that inspects it.
"""

from __future__ import annotations

import dis
import sys
import types
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

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


def _user_codes(obj: object, ns: dict[str, Any]) -> Iterator[types.CodeType]:
    """Code objects of user-defined functions reachable from ``obj`` (function, method,
    class, instance of a user class, closure contents)."""
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    if isinstance(obj, types.FunctionType):
        if obj.__globals__ is ns:
            yield obj.__code__
            for cell in obj.__closure__ or ():
                try:
                    inner = cell.cell_contents
                except ValueError:
                    continue
                if isinstance(inner, types.FunctionType) and inner is not obj:
                    yield from _user_codes(inner, ns)
        return
    cls = obj if isinstance(obj, type) else type(obj)
    if cls.__module__ != ns.get("__name__", "__main__"):
        return
    for klass in cls.__mro__:
        if klass is object:
            continue
        for member in vars(klass).values():
            func = member
            if isinstance(member, (staticmethod, classmethod)):
                func = member.__func__
            elif isinstance(member, property):
                for accessor in (member.fget, member.fset, member.fdel):
                    if isinstance(accessor, types.FunctionType) and accessor.__globals__ is ns:
                        yield accessor.__code__
                continue
            if isinstance(func, types.FunctionType) and func.__globals__ is ns:
                yield func.__code__


def called_globals(names: Iterable[str], ns: dict[str, Any]) -> tuple[set[str], set[str]]:
    """Globals read and bound, transitively, by the user functions ``names`` refer to."""
    reads: set[str] = set()
    stores: set[str] = set()
    seen: set[str] = set()
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
        for code in _user_codes(obj, ns):
            loads, binds = code_globals(code)
            stores |= binds
            for g in loads:
                if g in ns:
                    reads.add(g)
                    if g not in seen:
                        todo.append(g)
    return reads, stores


# -- module-level random state -------------------------------------------------------


def numpy_rng_token() -> int | None:
    """A cheap token of NumPy's global RandomState (None when NumPy is not imported)."""
    np = sys.modules.get("numpy")
    if np is None:
        return None
    try:
        bitgen = np.random.mtrand._rand._bit_generator
        # MT19937 state: 624 uint32 words then the position; read it in place.
        import ctypes

        return hash(ctypes.string_at(bitgen.ctypes.state_address, 624 * 4 + 4))
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
