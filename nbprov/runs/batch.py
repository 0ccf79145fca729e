"""Running a notebook as a recorded trial (many runs go through :mod:`nbprov.runs.sweep`).

A run executes the notebook headless with nbprov loaded (see :mod:`nbprov.runs.execute`)
and then finds the trial its kernel recorded, by a unique token given as the trial's name.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from nbprov.runs.params import (
    ParamValue,
    grid_label,
)
from nbprov.store import open_store
from nbprov.store.engine import DEFAULT_RELATIVE_PATH
from nbprov.store.queries import tagged_values
from nbprov.store.records import HYPERPARAM, METRIC, trial_status
from nbprov.store.trial_writes import claim_trial

__all__ = [
    "Progress",
    "RunRecord",
    "RunRequest",
    "default_store",
    "describe_record",
    "grid_requests",
    "run_one",
]

_TOKEN_PREFIX = "nbprov-run-"


@dataclass(frozen=True)
class RunRequest:
    """One notebook run: what to run, with which parameters, into which store."""

    notebook: str
    db: str
    parameters: dict[str, ParamValue] = field(default_factory=dict)
    name: str | None = None
    output: str | None = None
    timeout: int | None = 600


@dataclass
class RunRecord:
    """What a run produced: the trial it recorded and how it ended."""

    notebook: str
    parameters: dict[str, ParamValue]
    trial: int | None
    name: str | None
    status: str
    ok: bool
    error: str | None = None
    hyperparams: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    output: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def default_store(db: str | None) -> str:
    """``--db``, else ``$NBPROV_DB``, else ``.nbprov/nbprov.db`` in the current directory
    (where a following ``nbprov trials`` looks), made independent of the working
    directory because the kernel runs in the notebook's folder."""
    from nbprov.runs.execute import ENV_DB, normalize_db

    chosen = db or os.environ.get(ENV_DB) or str(DEFAULT_RELATIVE_PATH)
    store = normalize_db(chosen)
    assert store is not None
    if "://" not in store:
        Path(store).parent.mkdir(parents=True, exist_ok=True)
    return store


def run_one(request: RunRequest) -> RunRecord:
    """Run one notebook as a recorded trial and report the trial it made.

    Exceptions in the notebook are reported in the record (``ok`` false), not raised.
    """
    from nbprov.runs.execute import run_notebook

    token = f"{_TOKEN_PREFIX}{uuid.uuid4().hex}"
    result = run_notebook(
        request.notebook,
        db=request.db,
        trial_name=token,
        output=request.output,
        timeout=request.timeout,
        parameters=request.parameters or None,
    )
    # A notebook that ran but whose records did not all reach the store is not a good
    # run: its trial is incomplete, and the user is told why.
    error = "\n".join(filter(None, [result.describe_failure(), result.recording_problem])) or None
    ok = result.ok and result.recording_problem is None
    with open_store(request.db, writer=True) as store:
        trial = claim_trial(store, token, request.name)
        if trial is None:
            return RunRecord(
                notebook=str(result.path),
                parameters=dict(request.parameters),
                trial=None,
                name=request.name,
                status="error",
                ok=False,
                error=error or "the kernel recorded no trial",
                output=str(result.output) if result.output else None,
            )
        with store.session() as session:
            tags = tagged_values(session, [trial.id]).get(trial.id, [])
        status = trial_status(trial)
        if not ok and status == "ok":
            status = "error"  # the kernel died after its last cell, or lost its records
        return RunRecord(
            notebook=str(result.path),
            parameters=dict(request.parameters),
            trial=trial.id,
            name=request.name,
            status=status,
            ok=ok,
            error=error,
            hyperparams={t["name"]: t["value"] for t in tags if t["role"] == HYPERPARAM},
            metrics={t["name"]: t["value"] for t in tags if t["role"] == METRIC},
            output=str(result.output) if result.output else None,
        )


def _safe_filename(text: str) -> str:
    return re.sub(r"[^\w.=,+-]", "_", text)


def grid_requests(
    notebook: str,
    db: str,
    points: Sequence[dict[str, ParamValue]],
    names: Sequence[str],
    *,
    name: str | None,
    output_dir: str | None,
    timeout: int | None,
) -> list[RunRequest]:
    """One request per grid point; trials are named ``BASE[alpha=0.1,seed=1]``."""
    base = name or Path(notebook).stem
    requests = []
    for point in points:
        label = grid_label(point, names)
        output = None
        if output_dir is not None:
            filename = f"{Path(notebook).stem}[{_safe_filename(label)}].ipynb"
            output = str(Path(output_dir) / filename)
        requests.append(
            RunRequest(
                notebook=notebook,
                db=db,
                parameters=dict(point),
                name=f"{base}[{label}]",
                output=output,
                timeout=timeout,
            )
        )
    return requests


class Progress:
    """A plain-text progress bar on a stream: redrawn in place on a terminal, one line
    per finished run otherwise."""

    def __init__(self, total: int, stream: TextIO, width: int = 24) -> None:
        self.total = total
        self.done = 0
        self.stream = stream
        self.width = width
        self.live = stream.isatty()

    def bar(self) -> str:
        filled = self.width * self.done // max(self.total, 1)
        return f"[{'#' * filled}{'.' * (self.width - filled)}] {self.done}/{self.total}"

    def start(self) -> None:
        if self.live:
            self.stream.write(self.bar())
            self.stream.flush()

    def advance(self, note: str) -> None:
        self.done += 1
        if self.live:
            self.stream.write(f"\r\033[K{note}\n{self.bar()}")
            if self.done == self.total:
                self.stream.write("\n")
        else:
            self.stream.write(f"{self.bar()} {note}\n")
        self.stream.flush()


def describe_record(record: RunRecord) -> str:
    label = record.name or Path(record.notebook).name
    trial = f"trial {record.trial}" if record.trial is not None else "no trial"
    return f"{label}: {trial}, {record.status}"
