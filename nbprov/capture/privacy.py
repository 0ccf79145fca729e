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
    return _test(os.environ.get(ENV_PATTERN) or DEFAULT_PATTERN)


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
