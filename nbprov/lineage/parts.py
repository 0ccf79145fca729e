"""Parts of objects: elements, keys, columns, fields and attribute paths as pseudo-names.

A cell that only stores into ``cfg['lr']`` changes one part of ``cfg``; a later cell that
reads ``cfg['epochs']`` does not depend on it. The tracer records such a cell as mutating
``cfg`` *and* binding the part ``cfg['lr']``; the rule the slicer relies on is that when an
activation writes parts of a name, its change to that name is confined to those parts.
A read of a part follows the writes of that part (and of the parts above and below it)
back to the last write of the whole object; a read of the whole object follows every
part written since then.

Part names are spelled as Python: ``lst[0]``, ``cfg['lr']``, ``ns.opt.lr``. They are only
formed where the runtime facts make them safe: exact ``dict``/``list``/NumPy array/pandas
frame keys, and attributes of plain records (``SimpleNamespace``, modules, notebook
classes and their instances without custom attribute hooks). Anything else falls back to
the whole object. Resolving a path never runs user code: it reads ``__dict__`` entries and
items of built-in containers only.
"""

from __future__ import annotations

import ast
import re
import sys
import types
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nbprov.lineage.static import CellFacts

# A step of a path: ("attr", name) | ("key", constant) | ("var", variable holding the key)
Step = tuple[str, Any]
Path = tuple[Step, ...]

MAX_NAME = 200  # the access table's name column is bounded; longer paths are cut
_MAX_VAR_KEY = 24  # a key read from a variable is spelled only when short and name-like
_PART = re.compile(r"[A-Za-z_]\w*")


def base_of(name: str) -> str:
    """``cfg['lr']`` -> ``cfg``; a plain or pseudo-name is its own base."""
    m = _PART.match(name)
    if m is not None and m.end() < len(name) and name[m.end()] in "[.":
        return m.group(0)
    return name


def is_part(name: str) -> bool:
    return base_of(name) != name


def covers(outer: str, inner: str) -> bool:
    """Whether a write of ``outer`` replaces ``inner`` (the same part or one above it)."""
    return inner == outer or (inner.startswith(outer) and inner[len(outer)] in "[.")


def related(a: str, b: str) -> bool:
    return covers(a, b) or covers(b, a)


def parent_of(name: str) -> str:
    """The part (or whole object) holding ``name``."""
    cut = max(name.rfind("["), name.rfind("."))
    base = base_of(name)
    return name[:cut] if cut > len(base) else base


# -- static side: paths in the syntax tree --------------------------------------------


def path_of(node: ast.expr) -> tuple[str, Path, list[ast.expr], list[str]] | None:
    """``a.b['k'][i]`` -> ("a", (("attr", "b"), ("key", "k"), ("var", "i")), [], ["i"]).

    Returns the root name, the steps (cut below any subscript that is not a constant or
    a name; its slice is returned to be analysed as an ordinary expression) and the names
    used as keys. None when the chain is not rooted at a name.
    """
    steps: list[Step] = []
    exprs: list[ast.expr] = []
    while True:
        if isinstance(node, ast.Attribute):
            steps.append(("attr", node.attr))
            node = node.value
        elif isinstance(node, ast.Subscript):
            key = node.slice
            if (
                isinstance(key, ast.Constant)
                and type(key.value) in (str, int)
                and not (isinstance(key.value, int) and key.value < 0)
            ):
                steps.append(("key", key.value))
            elif isinstance(key, ast.Name):
                steps.append(("var", key.id))
            elif (index := _int_tuple(key)) is not None:
                steps.append(("key", index))  # ``m[0, 1]``: an array element (or a dict key)
            else:
                steps.clear()  # what lies outside a computed subscript is not a part
                exprs.append(key)
            node = node.value
        else:
            break
    if not isinstance(node, ast.Name):
        return None
    steps.reverse()
    names = [str(v) for k, v in steps if k == "var"]
    return node.id, tuple(steps), exprs, names


def _int_tuple(node: ast.expr) -> tuple[int, ...] | None:
    if not isinstance(node, ast.Tuple) or not node.elts:
        return None
    out: list[int] = []
    for elt in node.elts:
        if not (isinstance(elt, ast.Constant) and type(elt.value) is int and elt.value >= 0):
            return None
        out.append(elt.value)
    return tuple(out)


# -- runtime side: spelling a path as a part name ---------------------------------------


def _keyed(obj: object) -> bool:
    cls = type(obj)
    if cls is dict or cls is list:
        return True
    module = cls.__module__
    if module == "numpy" and cls.__name__ == "ndarray":
        return True
    return module.split(".", 1)[0] == "pandas" and cls.__name__ == "DataFrame"


_GENERIC_HOOKS = ("__getattr__", "__getattribute__", "__setattr__", "__delattr__")


def _plain_attrs(obj: object, attr: str, main: str) -> bool:
    """Whether ``obj.attr`` is a plain ``__dict__`` entry (no hooks, no descriptor)."""
    cls = type(obj)
    if cls is types.SimpleNamespace or cls is types.ModuleType or cls is _argparse_namespace():
        return True
    if isinstance(obj, type):
        # A notebook class (plain metaclass): its attributes live in its own dict.
        return cls is type and obj.__module__ == main and not _descriptor(obj, attr)
    return instance_dict(obj, main) is not None and not _descriptor(cls, attr)


def instance_dict(obj: object, main: str) -> dict[str, Any] | None:
    """The ``__dict__`` of an instance of a notebook class with no attribute hooks (read
    without running any of the class's code); None for anything else."""
    cls = type(obj)
    # Checks on the type only: ``isinstance`` may read ``obj.__class__`` through a hook.
    if cls.__module__ != main or issubclass(cls, type):
        return None
    for klass in cls.__mro__[:-1]:
        members = vars(klass)
        if any(hook in members for hook in _GENERIC_HOOKS):
            return None
    attrs = getattr(obj, "__dict__", None)
    return attrs if isinstance(attrs, dict) else None


def _argparse_namespace() -> type | None:
    module = sys.modules.get("argparse")
    found = getattr(module, "Namespace", None) if module is not None else None
    return found if isinstance(found, type) else None


def _descriptor(cls: type, attr: str) -> bool:
    for klass in cls.__mro__:
        member = vars(klass).get(attr, _MISSING)
        if member is not _MISSING:
            kind = type(member)
            return hasattr(kind, "__get__") or hasattr(kind, "__set__")
    return False


_MISSING = object()


def _child(obj: object, step: Step, key: Any) -> object:
    """The object one step down, read without running user code (``_MISSING`` if not)."""
    if step[0] == "attr":
        if isinstance(obj, type):
            return vars(obj).get(key, _MISSING)
        attrs = getattr(obj, "__dict__", None)
        return attrs.get(key, _MISSING) if isinstance(attrs, dict) else _MISSING
    if isinstance(obj, dict) and type(obj) is dict:
        return obj.get(key, _MISSING)
    if isinstance(obj, list) and type(obj) is list and isinstance(key, int) and key < len(obj):
        return obj[key]
    return _MISSING  # arrays and frames: their parts are not followed further


def spell(
    root: str, steps: Path, ns: dict[str, Any], rebound: frozenset[str], main: str
) -> tuple[str, list[str]]:
    """The part name a path reaches, cut where it can no longer be followed safely, and the
    class attributes it reads through an instance (``Cls.attr`` names)."""
    name = root
    obj: object = ns.get(root, _MISSING)
    extra: list[str] = []
    for step in steps:
        kind, value = step
        if obj is _MISSING:
            break
        if kind == "attr":
            if not _plain_attrs(obj, value, main):
                break
            if not isinstance(obj, type) and not isinstance(obj, types.ModuleType):
                extra.extend(_class_attr(obj, value, ns))
            spelled = f"{name}.{value}"
            key: Any = value
        else:
            if kind == "var":
                if value in rebound:
                    break
                key = ns.get(value, _MISSING)
                if type(key) is str:
                    if len(key) > _MAX_VAR_KEY or not key.isidentifier():
                        break
                elif type(key) is not int or key < 0:
                    break
            else:
                key = value
            if not _keyed(obj) or (type(obj) is list and type(key) is not int):
                break
            if type(key) is tuple:
                if type(obj) is dict:
                    spelled = f"{name}[{key!r}]"
                elif type(obj).__name__ == "ndarray" and len(key) <= getattr(obj, "ndim", 0):
                    # ``m[0, 1]`` is ``m[0][1]``: the row ``m[0]`` holds it.
                    spelled = name + "".join(f"[{k}]" for k in key)
                else:
                    break
            else:
                spelled = f"{name}[{key!r}]"
        if len(spelled) > MAX_NAME:
            break
        name = spelled
        obj = _child(obj, step, key)
    return name, extra


def _class_attr(obj: object, attr: str, ns: dict[str, Any]) -> list[str]:
    """``Cls.attr`` when ``obj.attr`` would be found on its notebook class, not on itself."""
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict) and attr in attrs:
        return []
    for klass in type(obj).__mro__[:-1]:
        if attr in vars(klass):
            name = klass.__name__
            return [f"{name}.{attr}"] if ns.get(name) is klass else []
    return []


def main_name(ns: dict[str, Any]) -> str:
    return str(ns.get("__name__", "__main__"))


# -- one cell's parts ----------------------------------------------------------------


@dataclass
class RootParts:
    """The parts of one root name a cell reaches, spelled before it runs."""

    loads: set[str] = field(default_factory=set)
    stores: set[str] = field(default_factory=set)  # assigned or deleted: not read
    updates: set[str] = field(default_factory=set)  # augmented: read, then written
    calls: set[str] = field(default_factory=set)  # receivers of methods that may change them
    class_reads: set[str] = field(default_factory=set)  # ``Cls.attr`` read via an instance
    readable: bool = True  # every use of the root in the cell is through a part
    writable: bool = True  # ... and every change to it too

    @property
    def assigned(self) -> set[str]:
        """Parts written by assignment statements (certain when the cell succeeds)."""
        return self.stores | self.updates

    @property
    def writes(self) -> set[str]:
        return self.stores | self.updates | self.calls


def plan(
    facts: CellFacts,
    ns: dict[str, Any],
    *,
    shared: set[str],
    mutators: frozenset[str],
    hidden: Any,
) -> dict[str, RootParts]:
    """Spell the parts of each root the cell reaches through attribute/subscript paths.

    ``shared``: names user functions the cell calls may read or bind (their changes cannot
    be confined to parts); ``mutators``: method names that may change their receiver.
    Work is proportional to the paths written in the cell.
    """
    roots = facts.part_loads.keys() | facts.part_stores.keys() | facts.part_calls.keys()
    if not roots:
        return {}
    main = main_name(ns)
    rebound = facts.binds | facts.deletes
    out: dict[str, RootParts] = {}
    for root in roots:
        if root not in ns or root in rebound or hidden(root):
            continue
        rp = RootParts()
        rp.readable = root not in facts.whole
        rp.writable = rp.readable and not (
            root in facts.passed or root in facts.consumed or root in shared
        )
        updates = facts.part_updates.get(root, frozenset())
        for steps in facts.part_loads.get(root, ()):
            name, via_class = spell(root, steps, ns, rebound, main)
            rp.loads.add(name)
            rp.class_reads.update(via_class)
        for steps in facts.part_stores.get(root, ()):
            name, _ = spell(root, steps, ns, rebound, main)
            (rp.updates if steps in updates else rp.stores).add(name)
        for steps, method in facts.part_calls.get(root, ()):
            if method in mutators:
                rp.calls.add(spell(root, steps, ns, rebound, main)[0])
        for steps in facts.part_deletes.get(root, ()):
            if steps[-1][0] == "var" or type(steps[-1][1]) is int:
                rp.writable = False  # deleting an element shifts the ones after it
        if root in facts.dict_calls and type(ns[root]) is not dict:
            rp.readable = rp.writable = False  # ``get``/``update`` of something else
        if root in rp.loads:
            rp.readable = rp.writable = False
        if root in rp.writes:
            rp.writable = False
        out[root] = rp
    return out
