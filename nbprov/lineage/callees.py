"""Functions at call time: the globals a function (or a class's methods) reads and binds,
found from its code objects, and a token for its closure's state."""

from __future__ import annotations

import dis
import types
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from nbprov.capture.values import fingerprint
from nbprov.lineage.mutations import IMMUTABLE

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
        if isinstance(obj, (*IMMUTABLE, types.ModuleType)):
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
