"""The shapes of trial records, from stored rows, with no database library.

Shared by the queries (through SQLAlchemy) and the quick listing (straight from a SQLite
file), so both say the same of a trial. A trial here is anything with the stored
columns as attributes.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from typing import Any, Protocol


class TrialRow(Protocol):
    id: int
    name: str | None
    notebook: str | None
    started_at: datetime
    ended_at: datetime | None
    status: str
    host: str | None
    pid: int | None


HYPERPARAM = "hyperparam"
METRIC = "metric"


def iso(moment: datetime | None) -> str | None:
    """Stored times are naive UTC; render them as ISO 8601 with the offset."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).isoformat()


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _pid_alive(pid: int) -> bool:
    # A stored pid is only a number: 0 and negatives would name process groups, and one
    # beyond the platform's pid_t names no process at all.
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def kernel_gone(status: str, host: str | None, pid: int | None) -> bool:
    """True when a trial still marked running belongs to a dead process on this host."""
    return (
        status == "running"
        and pid is not None
        and host == socket.gethostname()
        and not _pid_alive(pid)
    )


def trial_status(trial: TrialRow) -> str:
    """The status a reader sees. A kernel keeps its trial open (``pid`` set) until it ends
    it, and writes the status of its last finished cell as it goes, so a trial whose
    kernel dies after its last cell ended reads ``ok`` (or ``error``); only one that died
    mid-cell (stored ``running``) reads ``interrupted``."""
    if trial.pid is None or trial.host != socket.gethostname():
        return trial.status  # ended by its kernel, or the kernel runs elsewhere
    if _pid_alive(trial.pid):
        return "running"
    return "interrupted" if trial.status == "running" else trial.status


def trial_ended_at(trial: TrialRow) -> datetime | None:
    """When the trial ended: none while its kernel still has it open."""
    return None if trial_status(trial) == "running" else trial.ended_at


def trial_record(trial: TrialRow, tags: list[dict[str, Any]]) -> dict[str, Any]:
    """The documented ``nbprov trials`` object for one trial."""
    return {
        "id": trial.id,
        "name": trial.name,
        "notebook": trial.notebook,
        "status": trial_status(trial),
        "started_at": iso(trial.started_at),
        "ended_at": iso(trial_ended_at(trial)),
        "hyperparams": {t["name"]: t["value"] for t in tags if t["role"] == HYPERPARAM},
        "metrics": {t["name"]: t["value"] for t in tags if t["role"] == METRIC},
    }
