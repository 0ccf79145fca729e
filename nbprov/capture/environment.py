"""Deployment facts of a trial: interpreter, platform, host, imported packages, git state.

Only named facts are taken; the process environment (os.environ) is never dumped, since it
routinely holds credentials.
"""

from __future__ import annotations

import functools
import getpass
import os
import platform
import socket
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from nbprov.capture.git import git_facts


def base_facts() -> dict[str, Any]:
    """Facts that hold for the life of the process."""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "hostname": socket.gethostname(),
        "user": _user(),
    }


def _user() -> str | None:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return None


def _module_to_distributions() -> dict[str, list[str]]:
    """Top-level module name -> names of the distributions that install it.

    Built again when the import path changes or one of its folders does (``%pip install``
    in a running kernel adds a ``.dist-info`` folder); otherwise the last map is reused.
    """
    key = _import_path_state()
    if _mapping_cache.get("key") != key:
        _mapping_cache["key"] = key
        _mapping_cache["mapping"] = _read_module_to_distributions()
    mapping: dict[str, list[str]] = _mapping_cache["mapping"]
    return mapping


_mapping_cache: dict[str, Any] = {}


def _import_path_state() -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The import path, and the modification times of its package folders (-1 when one
    cannot be read). Only ``site-packages``/``dist-packages`` folders are timed: pip
    installs there, while the notebook's own folder (on the path too) changes with every
    file a cell writes."""
    times = []
    for entry in sys.path:
        if entry.endswith(("site-packages", "dist-packages")):
            try:
                times.append(os.stat(entry).st_mtime_ns)
            except (OSError, ValueError):
                times.append(-1)
    return tuple(sys.path), tuple(times)


def _read_module_to_distributions() -> dict[str, list[str]]:
    """The map itself, like ``importlib.metadata.packages_distributions()`` but about ten
    times faster: the distribution's name comes from its folder, and a ``RECORD`` is
    scanned as text rather than parsed into path objects. It runs on the writer thread,
    yet the GIL it holds is time the user's cells wait for.
    """
    mapping: dict[str, list[str]] = {}
    try:
        for dist in metadata.distributions():
            name = getattr(dist, "_normalized_name", None) or dist.metadata["Name"]
            if not name:
                continue
            for top in _top_level_names(dist):
                mapping.setdefault(top, []).append(name)
    except Exception:
        return {}
    return mapping


def _top_level_names(dist: metadata.Distribution) -> set[str]:
    listed = dist.read_text("top_level.txt")
    if listed:
        return set(listed.split())
    tops: set[str] = set()
    for line in (dist.read_text("RECORD") or "").splitlines():
        path = line.split(",", 1)[0]
        head, sep, _ = path.partition("/")
        if sep:
            if head not in ("..", "__pycache__") and not head.endswith((".dist-info", ".data")):
                tops.add(head)
        elif path.endswith(".py"):
            tops.add(path[:-3])
    return tops


@functools.lru_cache(maxsize=4096)
def _distribution(name: str) -> tuple[str, str] | None:
    """(Project name as published, version) of an installed distribution."""
    try:
        meta = metadata.metadata(name)
    except Exception:
        return None
    published, version = meta["Name"], meta["Version"]
    return (str(published or name), str(version)) if version else None


def imported_packages() -> dict[str, str]:
    """Versions of the installed distributions whose top-level modules are imported now.

    The standard library has no distribution and is left out.
    """
    tops = {name.split(".", 1)[0] for name in list(sys.modules)}
    mapping = _module_to_distributions()
    found: dict[str, str] = {}
    for top in tops:
        if top.startswith("_"):
            continue
        for dist in mapping.get(top, ()):
            known = _distribution(dist)
            if known:
                found[known[0]] = known[1]
    return dict(sorted(found.items()))


def git_state(directory: str | Path) -> dict[str, Any] | None:
    """Commit and dirty flag of the repository holding ``directory``, or None.

    Read from the repository's files (see ``capture.git``): no git process runs, so nothing
    the repository configures (fsmonitor, hooks, filters) runs in the user's kernel. Either
    fact is None when it cannot be read for certain.
    """
    return git_facts(directory)
