"""Turning user values into something storable: exact JSON, or a bounded summary.

Nothing here keeps a reference to the object, pickles it, or forces a lazy object: only
built-in containers, NumPy and pandas objects are measured or hashed; anything else is
described by its type and a cut ``repr``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import reprlib
import sys
import types
from collections.abc import Iterable
from typing import Any

JSONValue = Any  # a value json.dumps accepts

MAX_STR = 1000  # longer strings are summarised, not stored
MAX_ITEMS = 50  # lists and dicts with more items are summarised
MAX_DEPTH = 3
REPR_LIMIT = 200
# Above these sizes a fingerprint hashes an even sample rather than every element.
FULL_HASH_BYTES = 1 << 20
SAMPLE_ELEMENTS = 1 << 16
SAMPLE_ROWS = 2_000
SAMPLE_ITEMS = 500  # items of one container
ITEM_BUDGET = 2_000  # container items read by one fingerprint in all


class _BoundedRepr(reprlib.Repr):
    """``reprlib`` cuts built-in containers short, but hands a subclass of one (sklearn's
    ``Bunch`` is a dict) to its full ``repr``, which can format megabytes of arrays."""

    def repr1(self, x: Any, level: int) -> str:
        cls = type(x)
        for base in (dict, list, set, frozenset):
            if isinstance(x, base) and cls is not base:
                inner: str = getattr(self, f"repr_{base.__name__}")(x, level)
                return f"{cls.__name__}({inner})"
        return super().repr1(x, level)

    def repr_instance(self, x: Any, level: int) -> str:
        if _is_array_like(x):  # pandas would format the whole table only to be cut
            try:
                return f"<{type(x).__name__} {'x'.join(str(int(n)) for n in x.shape)}>"
            except Exception:
                return f"<{type(x).__name__}>"
        return super().repr_instance(x, level)


_repr = _BoundedRepr()
_repr.maxstring = REPR_LIMIT
_repr.maxother = REPR_LIMIT
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 10


class _NotExact(Exception):
    pass


def _exact(obj: object, depth: int) -> JSONValue:
    """``obj`` as JSON if it is a scalar or a small container of scalars, else raise."""
    if obj is None or isinstance(obj, bool):
        return obj
    if isinstance(obj, int):
        return int(obj)
    if isinstance(obj, float):
        if not math.isfinite(obj):
            raise _NotExact
        return float(obj)
    if isinstance(obj, str):
        if len(obj) > MAX_STR:
            raise _NotExact
        return str(obj)
    if depth >= MAX_DEPTH:
        raise _NotExact
    if type(obj) in (list, tuple):
        seq: list[Any] | tuple[Any, ...] = obj  # type: ignore[assignment]
        if len(seq) > MAX_ITEMS:
            raise _NotExact
        return [_exact(item, depth + 1) for item in seq]
    if type(obj) is dict:
        if len(obj) > MAX_ITEMS or not all(isinstance(k, str) for k in obj):
            raise _NotExact
        return {k: _exact(v, depth + 1) for k, v in obj.items()}
    scalar = _numpy_scalar(obj)
    if scalar is not None:
        return _exact(scalar, depth)
    raise _NotExact


def _numpy_scalar(obj: object) -> object | None:
    """The Python scalar behind a NumPy scalar (np.int64(3) -> 3), else None."""
    module = type(obj).__module__
    if module == "numpy" and getattr(obj, "ndim", None) == 0 and hasattr(obj, "item"):
        try:
            item = obj.item()
        except Exception:
            return None
        if isinstance(item, (bool, int, float, str)):
            return item
    return None


def type_name(obj: object) -> str:
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module == "builtins" else f"{module}.{cls.__qualname__}"


def _is_array_like(obj: object) -> bool:
    root = type(obj).__module__.split(".", 1)[0]
    return root in ("numpy", "pandas") and hasattr(obj, "shape")


def summarize(
    obj: object, fingerprint_exact: bool = True, *, private: bool = False
) -> tuple[JSONValue, bool, str | None]:
    """Return ``(value, exact, fingerprint)`` for storage; never raises.

    ``exact`` values are the JSON value itself (a copy: later changes to ``obj`` do not
    reach it). Other values become ``{"type", "repr", "len"?, "shape"?, "dtype"?}``, or
    ``{"type", "error"}`` when the object cannot be described (its dunders raise).
    With ``fingerprint_exact=False`` an exact value's fingerprint is left ``None``, for
    :func:`exact_fingerprint` to compute later, off the kernel's thread.

    ``private`` (values the user did not tag): text is never stored, only its type,
    length and fingerprint, so a secret read from a file or the environment into an
    untagged variable does not reach the store.
    """
    # The commonest value, a plain number, is its own exact copy: returned without the
    # general walk, whose calls cost several µs each in a kernel's cold caches.
    kind = type(obj)
    plain = kind is int or kind is bool or obj is None
    if plain or (kind is float and math.isfinite(obj)):  # type: ignore[arg-type]
        return obj, True, exact_fingerprint(obj) if fingerprint_exact else None
    try:
        return _summarize(obj, fingerprint_exact, private)
    except Exception as exc:  # an object whose every dunder raises is still a value
        return {"type": type_name(obj), "error": _error_text(exc)}, False, None


def _error_text(exc: BaseException) -> str:
    try:
        text = f"{type(exc).__name__}: {exc}"
    except Exception:
        text = type(exc).__name__
    return text[:REPR_LIMIT]


def _summarize(
    obj: object, fingerprint_exact: bool, private: bool
) -> tuple[JSONValue, bool, str | None]:
    try:
        value = _exact(obj, 0)
    except _NotExact:
        pass
    else:
        if not (private and _holds_text(value)):
            return value, True, exact_fingerprint(value) if fingerprint_exact else None
        summary: dict[str, JSONValue] = {"type": type_name(obj)}
        if not isinstance(obj, (bool, int, float)) and obj is not None:
            summary["len"] = len(obj)  # type: ignore[arg-type]
        return summary, False, exact_fingerprint(value)
    summary = {"type": type_name(obj)}
    if _is_array_like(obj):
        # Shape, dtypes and column names say more than pandas' repr, which formats the
        # whole table (tens of milliseconds for a large frame).
        _describe_array(obj, summary)
    else:
        text_like = isinstance(obj, (str, bytes, bytearray, memoryview))
        if not (private and (text_like or _is_builtin_container(obj))):
            try:
                summary["repr"] = _repr.repr(obj)[:REPR_LIMIT]
            except Exception as exc:  # a broken __repr__ must not break recording
                summary["repr"] = f"<repr failed: {type(exc).__name__}>"
        if isinstance(obj, (list, tuple, dict, set, frozenset, str, bytes, bytearray)):
            try:
                summary["len"] = len(obj)
            except Exception as exc:  # a subclass's __len__ may raise
                summary["error"] = _error_text(exc)
    return summary, False, fingerprint(obj)


def _is_builtin_container(obj: object) -> bool:
    return isinstance(obj, (list, tuple, dict, set, frozenset))


def _holds_text(value: JSONValue) -> bool:
    """Whether an exact JSON value holds a string (dict keys aside: they are names)."""
    if isinstance(value, str):
        return True
    if isinstance(value, list):
        return any(_holds_text(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_text(item) for item in value.values())
    return False


def _describe_array(obj: Any, summary: dict[str, JSONValue]) -> None:
    short = type(obj).__name__
    try:
        shape = [int(n) for n in obj.shape]
        summary["shape"] = shape
        dtype = getattr(obj, "dtype", None)
        if dtype is not None:
            summary["dtype"] = str(dtype)
        elif hasattr(obj, "dtypes"):
            summary["dtype"] = sorted({str(d) for d in obj.dtypes})
        text = f"{short} {'x'.join(map(str, shape))}"
        columns = getattr(obj, "columns", None)
        if columns is not None:
            text += " [" + ", ".join(map(str, list(columns[:20]))) + "]"
        elif getattr(obj, "size", 0) <= 10 and hasattr(obj, "tolist"):
            text += f" {obj.tolist()!r}"
        summary["repr"] = text[:REPR_LIMIT]
    except Exception:
        summary["repr"] = f"<{short}>"


def exact_fingerprint(value: JSONValue) -> str:
    """The fingerprint :func:`summarize` gives an exact value."""
    return _hash_text(json.dumps(value, sort_keys=True))


def _hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def fingerprint(obj: object, depth: int = 3) -> str | None:
    """A bounded content hash: equal content gives an equal fingerprint within a process
    and across processes for data types; ``None`` when the content can't be read cheaply
    and safely (lazy objects, unknown types with no ``__dict__``, large sets).

    Large arrays, frames and containers are hashed on an even sample, and at most
    ``ITEM_BUDGET`` container items are read in all, so the cost stays bounded whatever
    the size; a change confined to unsampled elements can go unseen, which the tracer
    pairs with static evidence.
    """
    try:
        h = hashlib.sha256()
        if not _feed(h, obj, depth, [ITEM_BUDGET]):
            return None
        return h.hexdigest()[:32]
    except Exception:
        return None


def _container_items(obj: list[Any] | tuple[Any, ...] | dict[Any, Any]) -> Iterable[Any]:
    """Up to SAMPLE_ITEMS evenly spaced items (keys and values alike for a dict), in order."""
    step = max(1, len(obj) // SAMPLE_ITEMS)
    if isinstance(obj, dict):
        pairs = obj.items() if step == 1 else itertools.islice(obj.items(), 0, None, step)
        return itertools.chain.from_iterable(pairs)
    return obj if step == 1 else obj[::step]


def _feed(h: Any, obj: object, depth: int, budget: list[int]) -> bool:
    h.update(type_name(obj).encode())
    if obj is None or isinstance(obj, (bool, int, float, complex)):
        h.update(repr(obj).encode())
        return True
    if isinstance(obj, str):
        data = obj.encode("utf-8", "surrogatepass")
        h.update(data if len(data) <= FULL_HASH_BYTES else _sample_bytes(data))
        return True
    if isinstance(obj, (bytes, bytearray, memoryview)):
        data = bytes(obj)
        h.update(data if len(data) <= FULL_HASH_BYTES else _sample_bytes(data))
        return True
    root = type(obj).__module__.split(".", 1)[0]
    if root == "numpy" and "numpy" in sys.modules:
        return _feed_numpy(h, obj)
    if root == "pandas" and "pandas" in sys.modules:
        return _feed_pandas(h, obj)
    if isinstance(obj, (list, tuple, dict, set, frozenset)):
        h.update(str(len(obj)).encode())
        if not obj or depth <= 0:
            return True  # past the depth limit only the length counts
        if isinstance(obj, (set, frozenset)):
            # Set order follows string hashing, which differs between processes.
            if len(obj) > SAMPLE_ITEMS:
                return False
            items: Iterable[Any] = sorted(obj, key=repr)
        else:
            items = _container_items(obj)
        for item in items:
            if budget[0] <= 0:
                break
            budget[0] -= 1
            if not _feed(h, item, depth - 1, budget):
                return False
        return True
    if isinstance(obj, types.ModuleType):
        # A module is its name: hashing its namespace would cost milliseconds per import.
        h.update(obj.__name__.encode())
        return True
    attrs = getattr(obj, "__dict__", None)
    if isinstance(attrs, dict) and depth > 0 and not callable(obj):
        # Fitted models and plain records: their state lives in attributes.
        if len(attrs) > SAMPLE_ITEMS:
            return False
        for key in sorted(attrs):
            if budget[0] <= 0:
                break
            budget[0] -= 1
            h.update(key.encode())
            if not _feed(h, attrs[key], depth - 1, budget):
                h.update(b"?")
        return True
    return False


def _sample_bytes(data: bytes) -> bytes:
    step = max(1, len(data) // FULL_HASH_BYTES)
    return str(len(data)).encode() + data[::step]


def _feed_numpy(h: Any, obj: object) -> bool:
    import numpy as np

    if isinstance(obj, np.generic):
        h.update(repr(obj.item()).encode())
        return True
    if not isinstance(obj, np.ndarray):
        return False
    if obj.dtype.hasobject:
        return False
    h.update(f"{obj.dtype.str}{obj.shape}".encode())
    backing = _file_backing(obj)
    if backing is not None:
        # A file-backed array is named by its file and that file's state: sampling it
        # would page in every stride of a file that may be larger than memory.
        h.update(backing.encode("utf-8", "surrogatepass"))
        h.update(repr((obj.strides, _address(obj) - _address(_root(obj)))).encode())
        return True
    if obj.nbytes <= FULL_HASH_BYTES:
        h.update(np.ascontiguousarray(obj).tobytes())
    else:
        flat = obj.reshape(-1)  # a view when contiguous, a copy otherwise
        step = max(1, flat.size // SAMPLE_ELEMENTS)
        h.update(np.ascontiguousarray(flat[::step]).tobytes())
    return True


def _file_backing(obj: Any) -> str | None:
    """``path:offset:size:mtime`` of the file under a memory-mapped array, else None."""
    import mmap

    import numpy as np

    base: Any = obj
    for _ in range(32):  # views of views: follow a bounded chain of bases
        filename = getattr(base, "filename", None) if isinstance(base, np.memmap) else None
        if filename:
            try:
                stat = os.stat(filename)
            except OSError:
                return f"{filename}:{base.offset}:?"
            return f"{filename}:{base.offset}:{stat.st_size}:{stat.st_mtime_ns}"
        if isinstance(base, mmap.mmap):
            return f"mmap:{id(base)}"
        nxt = getattr(base, "base", None)
        if nxt is None:
            return None
        base = nxt
    return None


def _address(array: Any) -> int:
    return int(array.__array_interface__["data"][0])


def _root(array: Any) -> Any:
    """The outermost array of a chain of views."""
    for _ in range(32):
        nxt = getattr(array, "base", None)
        if nxt is None or not hasattr(nxt, "__array_interface__"):
            return array
        array = nxt
    return array


def _feed_pandas(h: Any, obj: object) -> bool:
    import pandas as pd

    if not isinstance(obj, (pd.DataFrame, pd.Series, pd.Index)):
        return False
    h.update(repr(obj.shape).encode())
    if isinstance(obj, pd.DataFrame):
        h.update(repr(list(obj.columns)).encode())
        h.update(repr([str(d) for d in obj.dtypes]).encode())
    else:
        h.update(str(obj.dtype).encode())
    sample = obj
    if len(obj) > SAMPLE_ROWS:
        step = max(1, len(obj) // SAMPLE_ROWS)
        sample = obj[::step]
    hashed = pd.util.hash_pandas_object(sample, index=not isinstance(obj, pd.Index))
    h.update(hashed.to_numpy().tobytes())
    return True
