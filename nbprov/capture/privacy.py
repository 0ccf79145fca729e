"""Which variables are secrets: their values never reach the store, tagged or not.

A name matching the pattern (``NBPROV_SECRET_NAMES``, a regular expression searched
case-insensitively; default: password, secret, token, api key, credential) is recorded
as ``<redacted>`` with its type only.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from typing import Any

ENV_PATTERN = "NBPROV_SECRET_NAMES"
DEFAULT_PATTERN = r"passw(or)?d|secret|token|api_?key|credential"
REDACTED = "<redacted>"


@functools.lru_cache(maxsize=8)
def _compiled(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error:  # a broken setting must not expose secrets: fall back to the default
        return re.compile(DEFAULT_PATTERN, re.IGNORECASE)


def secret_test() -> Callable[[str], bool]:
    """The test of the current setting: read the setting once, then ask of many names."""
    return _test(_setting() or DEFAULT_PATTERN)


def _standard_environ() -> tuple[Any, Any, Callable[[Any], str]] | None:
    """``os.environ``, the dict behind it and its key for the setting, and how a value
    is decoded; None when ``os.environ`` is not the standard mapping."""
    environ: Any = os.environ
    try:
        raw, key, decode = environ._data, environ.encodekey(ENV_PATTERN), environ.decodevalue
    except AttributeError:
        return None
    return (environ, key, decode) if isinstance(raw, dict) else None


_STANDARD = _standard_environ()


def _setting() -> str | None:
    """The setting, read after every cell that binds a name. ``os.environ.get`` of a
    variable that is not set raises and catches a ``KeyError`` inside ``os``, which in a
    kernel, whose caches the messaging between cells leaves cold, costs several µs: the
    dict behind ``os.environ`` (what ``get`` reads, kept in step by ``os.environ``'s own
    writes) is read directly while ``os.environ`` is still the standard mapping."""
    standard = _STANDARD
    if standard is None or os.environ is not standard[0]:
        return os.environ.get(ENV_PATTERN)
    environ, key, decode = standard
    raw = environ._data.get(key)
    return None if raw is None else decode(raw)


@functools.lru_cache(maxsize=8)
def _test(pattern: str) -> Callable[[str], bool]:
    search = _compiled(pattern).search

    # Asked for each changed variable after each cell: the same few names, over and over.
    @functools.lru_cache(maxsize=4096)
    def matches(name: str) -> bool:
        return search(name) is not None

    return matches


def redacted(type_name: str) -> dict[str, Any]:
    """The summary stored in place of a secret's value."""
    return {"type": type_name, "repr": REDACTED}
