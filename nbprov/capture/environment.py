"""Deployment facts of a trial: interpreter, platform, host, imported packages, git state.

Only named facts are taken; the process environment (os.environ) is never dumped, since it
routinely holds credentials.
"""

from __future__ import annotations

import functools
import getpass
import platform
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any


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


@functools.lru_cache(maxsize=1)
def _module_to_distributions() -> dict[str, list[str]]:
    try:
        return dict(metadata.packages_distributions())
    except Exception:
        return {}


@functools.lru_cache(maxsize=4096)
def _distribution_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except Exception:
        return None


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
            version = _distribution_version(dist)
            if version:
                found[dist] = version
    return dict(sorted(found.items()))


def git_state(directory: str | Path) -> dict[str, Any] | None:
    """Commit and dirty flag of the repository holding ``directory``, or None."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=3,
            check=True,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=directory,
            capture_output=True,
            text=True,
            timeout=3,
            check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": bool(status.strip())}
