"""The IPython hooks: one Recorder per shell turns every executed cell into an activation.

The hooks do only cheap work on the kernel's thread (hash the source, time the cell,
summarise the few values that changed) and hand rows to a background writer. Every hook
body is guarded: a recording failure warns once and never touches the user's cell.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import socket
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from .capture.environment import base_facts, git_state, imported_packages
from .capture.values import summarize
from .lineage.protocol import CellAccess, CellTracer
from .store import Store
from .store.activations import FinishedCells, PendingCell, RunningRow, complete_value_row
from .store.models import Activation, Trial, Value, VariableTag
from .store.queries import kernel_gone, utcnow
from .store.writer import BackgroundWriter

STAGE_METADATA_KEY = "nbprov"  # execute-request metadata: {"nbprov": {"stage": ...}}


# A cell still running after this many seconds gets its row written before it ends.
RUNNING_ROW_DELAY = 0.5
# Ended cells are written once no cell has run for this long (or every writer.MAX_LAG s).
QUIET_AFTER = 0.1

_INSERT_VALUE = insert(Value)

# Characters without which a cell holds no magic, shell escape or help request.
_IPYTHON_SYNTAX = re.compile(r"[%!?]")


class NbprovRecordingWarning(UserWarning):
    """Shown once when recording fails; the user's cell is unaffected."""


@dataclass
class _Cell:
    """The running cell, as the hooks see it."""

    pending: PendingCell  # what goes to the store
    started: float  # perf_counter() at the start, for the duration
    stage: str | None = None
    # Values recorded while the cell runs (``%tag_var``), written with its row.
    values: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def trial_id(self) -> int:
        return self.pending.trial_id

    @property
    def seq(self) -> int:
        return self.pending.seq

    @property
    def execution_count(self) -> int | None:
        return self.pending.execution_count


@dataclass
class _Tagged:
    role: str
    last_id: int | None = None
    last_fingerprint: str | None = None


@dataclass
class _TrialState:
    id: int
    name: str | None
    notebook: str | None
    seq: int = 0
    last_status: str = "ok"
    tags: dict[str, _Tagged] = field(default_factory=dict)


def _notebook_path(shell: Any) -> str | None:
    """The notebook path when the kernel can know it (set by nbprov's runner or Jupyter)."""
    for candidate in (
        os.environ.get("NBPROV_NOTEBOOK"),
        shell.user_ns.get("__session__") if hasattr(shell, "user_ns") else None,
        os.environ.get("JPY_SESSION_NAME"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate
    return None


def _environment(notebook: str | None) -> dict[str, Any]:
    """Deployment facts; git state is taken from the notebook's folder when known."""
    environment: dict[str, Any] = base_facts()
    folder = Path(notebook).parent if notebook and Path(notebook).is_absolute() else None
    git = git_state(folder if folder is not None and folder.is_dir() else os.getcwd())
    if git is not None:
        environment["git"] = git
    environment["packages"] = imported_packages()
    return environment


def _load_tracer(shell: Any) -> CellTracer | None:
    if os.environ.get("NBPROV_TRACE", "1") == "0":
        return None
    try:
        module = importlib.import_module("nbprov.lineage.tracer")
    except ImportError:
        return None
    tracer: CellTracer = module.Tracer(shell)
    return tracer


class Recorder:
    """Records one shell's cells into a store, trial by trial."""

    def __init__(self, shell: Any, db: str | None = None) -> None:
        self.shell = shell
        self.store = Store.open(db, writer=True)
        self._last_end = time.monotonic()
        self.writer = BackgroundWriter(self.store.engine, poll=RUNNING_ROW_DELAY, quiet=self._quiet)
        self.tracer = _load_tracer(shell)
        self._warned = False
        self.froze_gc = False  # set by the loader (see nbprov.gc_freeze)
        self._cell: _Cell | None = None
        self._nested = 0
        self._finished = FinishedCells()
        self._modules_seen = 0
        self.trial = self._start_trial(os.environ.get("NBPROV_TRIAL_NAME") or None)
        self._mark_dead_trials()

    # -- lifecycle ---------------------------------------------------------------

    def register(self) -> None:
        self.shell.events.register("pre_run_cell", self.pre_run_cell)
        self.shell.events.register("post_run_cell", self.post_run_cell)

    def unregister(self) -> None:
        for event, callback in (
            ("pre_run_cell", self.pre_run_cell),
            ("post_run_cell", self.post_run_cell),
        ):
            with contextlib.suppress(ValueError):
                self.shell.events.unregister(event, callback)

    def close(self) -> None:
        """End the trial, write everything queued, release the store."""
        self.unregister()
        self._end_trial()
        if self.tracer is not None:
            self.tracer.close()
        self.writer.close()
        self.store.close()

    # -- trials ------------------------------------------------------------------

    def _start_trial(self, name: str | None) -> _TrialState:
        notebook = _notebook_path(self.shell)
        started = utcnow()
        self._modules_seen = len(sys.modules)
        with self.store.engine.begin() as conn:
            trial_id = conn.execute(
                insert(Trial).values(
                    uuid=str(uuid.uuid4()),
                    name=name,
                    notebook=notebook,
                    started_at=started,
                    status="running",
                    environment=base_facts(),
                    host=socket.gethostname(),
                    pid=os.getpid(),
                )
            ).inserted_primary_key[0]  # type: ignore[index]
        state = _TrialState(id=int(trial_id), name=name, notebook=notebook)
        self.trial = state
        self._refresh_environment()
        return state

    def _end_trial(self) -> None:
        trial = self.trial
        status = "error" if trial.last_status == "error" else "ok"
        environment = _environment(trial.notebook)
        ended = utcnow()

        def op(conn: Connection) -> None:
            conn.execute(
                update(Trial)
                .where(Trial.id == trial.id)
                .values(ended_at=ended, status=status, environment=environment)
            )

        self.writer.submit(op)
        self.writer.flush()

    def new_trial(self, name: str | None = None) -> int:
        """End the current trial and start another in the same kernel; return its id."""
        self._end_trial()
        tags = self.trial.tags
        self.trial = self._start_trial(name)
        # Tags describe the notebook, not one run: carry them into the new trial.
        for var, tag in tags.items():
            self.tag_variable(var, tag.role)
        return self.trial_id

    def rename_trial(self, name: str) -> None:
        trial_id = self.trial_id
        self.trial.name = name
        self.writer.submit(
            lambda conn: conn.execute(update(Trial).where(Trial.id == trial_id).values(name=name))
        )

    @property
    def trial_id(self) -> int:
        return self.trial.id

    def _mark_dead_trials(self) -> None:
        """Trials left running by killed kernels on this host become ``interrupted``."""
        host = socket.gethostname()
        me = self.trial_id

        def op(conn: Connection) -> None:
            rows = conn.execute(
                select(Trial.id, Trial.status, Trial.host, Trial.pid).where(
                    Trial.status == "running", Trial.host == host, Trial.id != me
                )
            ).all()
            dead = [row.id for row in rows if kernel_gone(row.status, row.host, row.pid)]
            if dead:
                conn.execute(update(Trial).where(Trial.id.in_(dead)).values(status="interrupted"))
                conn.execute(
                    update(Activation)
                    .where(Activation.trial_id.in_(dead), Activation.status == "running")
                    .values(status="interrupted")
                )

        self.writer.submit(op)

    def _quiet(self) -> bool:
        """No cell is running and none has for a moment (asked on the writer thread)."""
        return self._cell is None and time.monotonic() - self._last_end >= QUIET_AFTER

    # -- tags --------------------------------------------------------------------

    def tag_stage(self, stage: str) -> None:
        """Label the running cell's activation with ``stage``."""
        if self._cell is not None:
            self._cell.stage = stage

    def tag_variable(self, name: str, role: str) -> None:
        """Tag ``name`` with ``role``; record its value now if it exists."""
        trial_id = self.trial_id
        self.trial.tags[name] = _Tagged(role=role)

        def op(conn: Connection) -> None:
            conn.execute(
                delete(VariableTag).where(
                    VariableTag.trial_id == trial_id, VariableTag.name == name
                )
            )
            conn.execute(insert(VariableTag).values(trial_id=trial_id, name=name, role=role))

        self.writer.submit(op)
        if name in self.shell.user_ns:
            self._record_now({name})

    # -- hooks -------------------------------------------------------------------

    def pre_run_cell(self, info: Any) -> None:
        if self._cell is not None:
            # A cell run from inside a cell (``%%capture``, ``%run -i``) is part of the
            # outer cell's activation, not an activation of its own.
            self._nested += 1
            return
        try:
            self._pre_run_cell(info)
        except Exception as exc:
            self._cell = None
            self._warn(exc)

    def post_run_cell(self, result: Any) -> None:
        if self._nested:
            self._nested -= 1
            return
        try:
            self._post_run_cell(result)
        except Exception as exc:
            self._warn(exc)
        finally:
            self._cell = None
            self._last_end = time.monotonic()
        self._report_writer_errors()

    def _pre_run_cell(self, info: Any) -> None:
        source: str = info.raw_cell or ""
        self.trial.seq += 1
        stage = self._stage_from_request()
        pending = PendingCell(
            trial_id=self.trial_id,
            seq=self.trial.seq,
            execution_count=self.shell.execution_count if info.store_history else None,
            cell_id=getattr(info, "cell_id", None),
            stage=stage,
            source=source,
            started=time.time(),
        )
        self._cell = _Cell(pending=pending, started=time.perf_counter(), stage=stage)
        # A quick cell is written once, when it ends; a long one gets a ``running`` row
        # after a moment, so a kernel killed mid-cell leaves a trace of it.
        self.writer.watch(
            RunningRow(pending), RUNNING_ROW_DELAY, wanted=lambda: pending.ending is None
        )
        if self.tracer is not None:
            transformed = source
            if _IPYTHON_SYNTAX.search(source):  # plain Python needs no transforming
                try:
                    transformed = self.shell.transform_cell(source)
                except Exception:
                    transformed = source
            self.tracer.before_cell(source, transformed, self.shell.user_ns)

    def _post_run_cell(self, result: Any) -> None:
        cell = self._cell
        if cell is None:
            return
        duration = time.perf_counter() - cell.started
        error = result.error_in_exec or result.error_before_exec
        if error is None:
            status = "ok"
        elif isinstance(error, KeyboardInterrupt):
            status = "interrupted"
        else:
            status = "error"
        self.trial.last_status = status
        access = CellAccess()
        if self.tracer is not None:
            access = self.tracer.after_cell(self.shell.user_ns, result.error_in_exec)
        ending: dict[str, Any] = {
            "duration": duration,
            "status": status,
            "stage": cell.stage,
            "error_type": type(error).__name__ if error is not None else None,
            "error_message": str(error)[:2000] if error is not None else None,
        }
        if result.execution_count is not None:
            cell.pending.execution_count = result.execution_count
        # Every ending names every column it sets, so a burst's updates share one statement.
        ending["execution_count"] = cell.execution_count
        if cell.trial_id == self.trial_id:
            cell.values.update(self._value_rows(access.binds | access.mutates, cell))
        pending = cell.pending
        pending.accesses = access.by_kind()
        pending.values = list(cell.values.values())
        pending.ending = ending  # set last: the writer reads it as "the cell has ended"
        if self._finished.add(pending):
            self.writer.submit_deferred(self._finished)
        if len(sys.modules) != self._modules_seen:
            self._modules_seen = len(sys.modules)
            self._refresh_environment()

    def _stage_from_request(self) -> str | None:
        """A stage set in the front end, sent in the execute request's metadata."""
        kernel = getattr(self.shell, "kernel", None)
        if kernel is None or not hasattr(kernel, "get_parent"):
            return None
        try:
            metadata = kernel.get_parent().get("metadata") or {}
        except Exception:
            return None
        stage = (metadata.get(STAGE_METADATA_KEY) or {}).get("stage")
        return stage if isinstance(stage, str) and stage else None

    # -- values ------------------------------------------------------------------

    def _value_rows(self, names: set[str], cell: _Cell | None) -> dict[str, dict[str, Any]]:
        """Value rows for ``names``, plus any tagged variable rebound or changed in place
        since it was last recorded."""
        namespace = self.shell.user_ns
        rows: dict[str, dict[str, Any]] = {}
        for name in sorted(names | set(self.trial.tags)):
            if name not in namespace:
                continue
            obj = namespace[name]
            tag = self.trial.tags.get(name)
            # Only a tagged value's fingerprint is needed now; the writer hashes the rest.
            value, exact, print_ = summarize(obj, fingerprint_exact=tag is not None)
            if tag is not None:
                # A tagged variable is recorded whenever it was rebound or changed in place.
                seen = (tag.last_id, tag.last_fingerprint) == (id(obj), print_)
                if seen and (name not in names or (cell and name in cell.values)):
                    continue
                tag.last_id, tag.last_fingerprint = id(obj), print_
            elif name not in names:
                continue
            rows[name] = {
                "trial_id": self.trial_id,
                "execution_count": cell.execution_count if cell else None,
                "seq": cell.seq if cell else self.trial.seq,
                "name": name,
                "value": value,
                "exact": exact,
                "fingerprint": print_,
            }
        return rows

    def _record_now(self, names: set[str]) -> None:
        """Record values outside a cell's own end: with the running cell's row when there
        is one of this trial, else on their own (they then open the trial)."""
        cell = (
            self._cell if self._cell is not None and self._cell.trial_id == self.trial_id else None
        )
        rows = self._value_rows(names, cell)
        if cell is not None:
            cell.values.update(rows)
        elif rows:
            pending = list(rows.values())
            self.writer.submit(
                lambda conn: conn.execute(
                    _INSERT_VALUE, [complete_value_row(v, activation_id=None) for v in pending]
                )
            )

    def _refresh_environment(self) -> None:
        trial_id, notebook = self.trial_id, self.trial.notebook

        def op(conn: Connection) -> None:
            # On the writer thread: package metadata and git are slow-ish to read.
            environment = _environment(notebook)
            conn.execute(update(Trial).where(Trial.id == trial_id).values(environment=environment))

        # The first reading of package metadata takes a few hundred milliseconds of CPU:
        # never while the notebook's cells are running.
        self.writer.submit_when_quiet(op)

    # -- failures ----------------------------------------------------------------

    def _report_writer_errors(self) -> None:
        if self.writer.errors:
            error = self.writer.errors[0]
            self.writer.errors.clear()
            self._warn(error)

    def _warn(self, exc: BaseException) -> None:
        if self._warned:
            return
        self._warned = True
        warnings.warn(
            f"nbprov could not record this cell ({type(exc).__name__}: {exc}); "
            f"your code ran normally. Store: {self.store.description}",
            NbprovRecordingWarning,
            stacklevel=2,
        )
