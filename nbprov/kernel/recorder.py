"""The IPython hooks: one Recorder per shell turns every executed cell into an activation.

The hooks do only cheap work on the kernel's thread (hash the source, time the cell,
summarise the few values that changed) and hand rows to a background writer. Every hook
body is guarded: a recording failure warns once and never touches the user's cell.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import socket
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nbprov.capture.environment import base_facts, git_state, imported_packages
from nbprov.capture.privacy import redacted, secret_test
from nbprov.capture.source import storable, storable_or_none
from nbprov.capture.values import summarize, type_name
from nbprov.kernel.shared_parse import SharedParse
from nbprov.lineage.protocol import CellAccess, CellTracer
from nbprov.store.activations import (
    FinishedCells,
    PendingCell,
    RunningRow,
    TrialRef,
    complete_value_row,
)
from nbprov.store.cell_records import Ending
from nbprov.store.engine import describe, resolve_url
from nbprov.store.errors import StoreError
from nbprov.store.writer import BackgroundWriter

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from nbprov.store import Store

STAGE_METADATA_KEY = "nbprov"  # execute-request metadata: {"nbprov": {"stage": ...}}


# A cell still running after this many seconds gets its row written before it ends.
RUNNING_ROW_DELAY = 0.5
# Ended cells are written once no cell has run for this long (or every writer.MAX_LAG s).
QUIET_AFTER = 0.1

# Characters without which a cell holds no magic, shell escape or help request.
_IPYTHON_SYNTAX = re.compile(r"[%!?]")
# How long loading waits for the store to open, to say at once if it cannot.
OPEN_WAIT = 1.5


# What an untraced cell did, as far as anyone can tell: nothing (never changed).
_NO_ACCESS = CellAccess()


class NbprovRecordingWarning(UserWarning):
    """Shown once when recording fails; the user's cell is unaffected."""


@dataclass(slots=True)
class _Cell:
    """The running cell, as the hooks see it."""

    pending: PendingCell  # what goes to the store
    started: float  # perf_counter() at the start, for the duration
    stage: str | None = None
    # Values recorded while the cell runs (``%tag_var``), written with its row.
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    traced: bool = False  # the tracer saw the cell start

    @property
    def trial(self) -> TrialRef:
        return self.pending.trial

    @property
    def seq(self) -> int:
        return self.pending.seq

    @property
    def execution_count(self) -> int | None:
        return self.pending.execution_count


@dataclass
class _Tagged:
    role: str
    direction: str | None = None  # a metric's "max" or "min", when the tag said
    last_id: int | None = None
    last_fingerprint: str | None = None


@dataclass
class _TrialState:
    ref: TrialRef
    name: str | None
    notebook: str | None
    seq: int = 0
    last_status: str = "ok"
    last_end: float | None = None  # time.time() of the last finished cell (cheap to take)
    tags: dict[str, _Tagged] = field(default_factory=dict)
    # The cell that last bound or changed each name, and whether its value was stored
    # exactly: tagging a name later completes that version instead of adding one.
    writers: dict[str, tuple[PendingCell, bool]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One operation object per trial, so that batches kept through an outage do not
        # pile up copies of it.
        self.progress = functools.partial(_trial_progress, self)


class _StartTrial:
    """The writer operation that inserts a trial's row and so gives it its id."""

    def __init__(self, ref: TrialRef, row: dict[str, Any]) -> None:
        self.ref, self.row = ref, row
        self._gave_id = False

    def __call__(self, conn: Connection) -> None:
        if self.ref.id is None:
            self.ref.id, self._gave_id = _writes().insert_trial(conn, self.row), True

    def rolled_back(self) -> None:
        if self._gave_id:
            self.ref.id, self._gave_id = None, False

    def committed(self) -> None:
        self._gave_id = False


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


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The event loop running this thread (a kernel's), or None (a terminal, a test)."""
    # The non-raising form: get_running_loop() raises where none runs, every cell.
    return asyncio._get_running_loop()


def _tracing() -> bool:
    return os.environ.get("NBPROV_TRACE", "1") != "0"


def _warm_up() -> None:
    """Import what the first cell needs while the kernel waits for it (a daemon thread),
    so that loading returns at once and the first cell rarely waits."""
    with contextlib.suppress(Exception):
        from nbprov.lineage import tracer  # noqa: F401


class Recorder:
    """Records one shell's cells into a store, trial by trial.

    Creating one never raises and never waits long on the store: the store is opened,
    and every row written, by a background writer; while the store cannot be written,
    cells are kept in memory (bounded) and written when it can.
    """

    def __init__(self, shell: Any, db: str | None = None) -> None:
        self.shell = shell
        self.url = resolve_url(db)
        self._last_end = time.monotonic()
        self.writer = BackgroundWriter(self._open_store, poll=RUNNING_ROW_DELAY, quiet=self._quiet)
        self._tracer: CellTracer | None = None
        self._tracing = _tracing()  # read once: the hooks ask for the tracer every cell
        self._parse: SharedParse | None = None  # made with the tracer
        if self._tracing:
            threading.Thread(target=_warm_up, name="nbprov-warm-up", daemon=True).start()
        self._warned = False
        self.froze_gc = False  # set by the loader (see nbprov.kernel.gc_freeze)
        self.at_exit: Callable[[], None] | None = None  # the loader's atexit callback
        self._cell: _Cell | None = None
        # The last cell, ended but its record not finished yet (see post_run_cell).
        self._unsettled: tuple[_Cell, Any, float, float] | None = None
        # Only a kernel's event loop is sure to turn right after the reply: another loop
        # running in this thread (a browser driver's, a terminal's for one cell) may not
        # turn again before the next cell, so outside a kernel records finish at once.
        self._settles_late = getattr(shell, "kernel", None) is not None
        self._late = False  # finishing a record between cells
        self._late_problem: BaseException | None = None  # to warn of in the next cell
        self._nested = 0
        self._finished = FinishedCells()
        self._modules_seen = 0
        # IPython 9 advances the execution count before ``pre_run_cell``, 8 after the
        # cell; learnt from the first cell's result, guessed from the version till then.
        self._count_ahead = 1 if _ipython_major() >= 9 else 0
        self.trial = self._start_trial(os.environ.get("NBPROV_TRIAL_NAME") or None)
        self._mark_dead_trials()

    @property
    def tracer(self) -> CellTracer | None:
        """The dependency tracer (None with ``NBPROV_TRACE=0``), made for the first cell."""
        if self._tracer is None and self._tracing:
            from nbprov.lineage.tracer import Tracer

            if hasattr(getattr(self.shell, "compile", None), "ast_parse"):
                self._parse = SharedParse(self.shell)
                self._parse.install()
            self._tracer = Tracer(self.shell, self._parse.parse if self._parse else None)
        return self._tracer

    @functools.cached_property
    def description(self) -> str:
        """Where the store is, for messages (its URL without a password)."""
        return describe(self.url)

    def _open_store(self) -> Engine:
        """On the writer thread: open (create, migrate) the store."""
        from nbprov.store import Store

        self._store = Store.open(self.url, writer=True)
        return self._store.engine

    @property
    def store(self) -> Store:
        """The open store; :class:`StoreError` saying why while it cannot be opened."""
        store: Store | None = getattr(self, "_store", None)
        if store is None:
            self.writer.opened.wait(OPEN_WAIT)
            store = getattr(self, "_store", None)
        if store is None:
            reason = self.writer.outage
            raise StoreError(
                f"the nbprov store at {self.description} cannot be opened"
                + (f": {reason}" if reason is not None else "")
            )
        return store

    def store_problem(self) -> str | None:
        """Why the store cannot be written right now, in one line (None when it can)."""
        reason = self.writer.outage
        if reason is None:
            return None
        return (
            f"nbprov is recording, but cannot write to the store at {self.description} "
            f"({_one_line(reason)}); cells are kept in memory and written when it can"
        )

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
        if self._parse is not None:
            self._parse.uninstall()

    def close(self, timeout: float = 10.0) -> str | None:
        """End the trial (and the running cell, when closed from inside one), write
        everything queued, release the store. Returns what could not be written, in a
        sentence (None when everything was)."""
        self.unregister()
        self.settle()
        if self._cell is not None:
            self._end_running_cell()
        self._end_trial()
        if self._tracer is not None:
            self._tracer.close()
        finished = self.writer.close(timeout)
        store: Store | None = getattr(self, "_store", None)
        if store is not None and finished:
            store.close()
        return self.unwritten(finished, timeout)

    def unwritten(self, finished: bool = True, timeout: float = 0.0) -> str | None:
        """What the writer gave up, or was still writing when it had to stop, in a
        sentence for the user (None when everything was written)."""
        writer = self.writer
        if finished and not writer.lost:
            return None
        reason = writer.lost_why if finished else writer.outage or writer.lost_why
        what = (
            f"{writer.lost} {'write was' if writer.lost == 1 else 'writes were'} given up"
            if finished
            else f"the store could not be written within {timeout:g} s"
        )
        return (
            f"nbprov: not everything of this trial reached the store at {self.description}: "
            f"{what}" + (f" ({_one_line(reason)})" if reason is not None else "")
        )

    def _end_running_cell(self) -> None:
        """``%unload_ext nbprov`` runs inside a cell: record that cell as ended now."""

        class _Done:
            error_in_exec = error_before_exec = None
            execution_count = None

        self._cell_ended(_Done())
        self.settle()

    # -- trials ------------------------------------------------------------------

    def _start_trial(self, name: str | None) -> _TrialState:
        notebook = _notebook_path(self.shell)
        self._modules_seen = len(sys.modules)
        ref = TrialRef()
        row = {
            "uuid": str(uuid.uuid4()),
            "name": storable_or_none(name),
            "notebook": storable_or_none(notebook),
            "started_at": utcnow(),
            "status": "running",
            "environment": base_facts(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
        }
        self.writer.submit(_StartTrial(ref, row))
        state = _TrialState(ref=ref, name=name, notebook=notebook)
        self.trial = state
        self._refresh_environment()
        return state

    def _end_trial(self) -> None:
        trial = self.trial
        status = _ended_status(trial)
        environment = _environment(trial.notebook)
        ended = utcnow()
        ref = trial.ref
        self.writer.submit(
            lambda conn: _writes().end_trial(conn, int(ref), ended, status, environment)
        )
        self.writer.flush()

    def new_trial(self, name: str | None = None) -> int | None:
        """End the current trial and start another in the same kernel; return its id."""
        self._end_trial()
        tags = self.trial.tags
        self.trial = self._start_trial(name)
        # Tags describe the notebook, not one run: carry them into the new trial.
        for var, tag in tags.items():
            self.tag_variable(var, tag.role, tag.direction)
        self.writer.flush(OPEN_WAIT)
        return self.trial.ref.id

    def rename_trial(self, name: str) -> None:
        ref = self.trial.ref
        self.trial.name = name
        self.writer.submit(lambda conn: _writes().rename_trial(conn, int(ref), storable(name)))

    @property
    def trial_id(self) -> int:
        """This kernel's trial; waits briefly for its row to be written."""
        ref = self.trial.ref
        if ref.id is None:
            self.writer.flush(OPEN_WAIT)
        if ref.id is None:
            raise StoreError(
                f"this trial is not in the store at {self.description} yet"
                + (f" ({_one_line(self.writer.outage)})" if self.writer.outage else "")
            )
        return ref.id

    def _mark_dead_trials(self) -> None:
        """Trials left running by killed kernels on this host become ``interrupted``."""
        host, ref = socket.gethostname(), self.trial.ref
        self.writer.submit(lambda conn: _writes().mark_dead_trials(conn, host, int(ref)))

    def _quiet(self) -> bool:
        """No cell is running and none has for a moment (asked on the writer thread)."""
        return self._cell is None and time.monotonic() - self._last_end >= QUIET_AFTER

    # -- tags --------------------------------------------------------------------

    def tag_stage(self, stage: str) -> None:
        """Label the running cell's activation with ``stage``."""
        if self._cell is not None:
            self._cell.stage = stage

    def tag_variable(self, name: str, role: str, direction: str | None = None) -> None:
        """Tag ``name`` with ``role`` (and a metric's ``direction``, ``max`` or ``min``);
        record its value now if it exists and the cell that made it has not recorded it
        exactly already."""
        ref = self.trial.ref
        self.trial.tags[name] = _Tagged(role=role, direction=direction)

        self.writer.submit(
            lambda conn: _writes().tag_variable(conn, int(ref), name, role, direction)
        )
        if name in self.shell.user_ns:
            self._record_now({name})

    # -- hooks -------------------------------------------------------------------

    def pre_run_cell(self, info: Any) -> None:
        if self._unsettled is not None:
            self.settle()  # the last cell's record comes first, whatever ran since
        if self._late_problem is not None:
            problem, self._late_problem = self._late_problem, None
            self._warn(problem)
        if self._cell is not None:
            # A cell run from inside a cell (``%%capture``, ``%run -i``) is part of the
            # outer cell's activation, not an activation of its own.
            self._nested += 1
            return
        try:
            self._pre_run_cell(info)
        except Exception as exc:
            self._warn(exc)

    def post_run_cell(self, result: Any) -> None:
        """The cell has ended. What must be seen at this moment is taken now (its end, its
        error; the tracer stops watching); the rest of its record (what it read and
        changed, its values) is worked out once the kernel has sent the cell's reply,
        so the cell is shown as done sooner: in a kernel, on its event loop right after
        the reply, and at the latest before the next cell starts (``settle``)."""
        if self._nested:
            self._nested -= 1
            return
        self._cell_ended(result)

    def _cell_ended(self, result: Any) -> None:
        ended, wall = time.perf_counter(), time.time()
        cell, self._cell = self._cell, None
        self._last_end = time.monotonic()
        if cell is not None:
            try:
                if cell.traced and self._tracer is not None:
                    self._tracer.end_cell()
                loop = _running_loop() if self._settles_late else None
                if loop is None:
                    self._end_cell(cell, result, ended, wall)
                else:
                    self._unsettled = (cell, result, ended, wall)
                    loop.call_soon(self._settle_late)
            except Exception as exc:
                self._warn(exc)
        if self._parse is not None:
            self._parse.forget()
        if self.writer.errors:  # checked here: after each cell, every call counts
            self._report_writer_errors()

    def settle(self) -> None:
        """Finish the record of the last cell if it is not finished yet."""
        unsettled, self._unsettled = self._unsettled, None
        if unsettled is not None:
            try:
                self._end_cell(*unsettled)
            except Exception as exc:
                self._warn(exc)

    def _settle_late(self) -> None:
        # Between cells, no cell's output is open to a warning: keep it for the next.
        self._late = True
        try:
            self.settle()
        finally:
            self._late = False

    def flush(self, timeout: float = 30.0) -> bool:
        """Finish the last cell's record, then wait until everything is written."""
        self.settle()
        return self.writer.flush(timeout)

    def _pre_run_cell(self, info: Any) -> None:
        source: str = info.raw_cell or ""
        self.trial.seq += 1
        stage = self._stage_from_request()
        count = self.shell.execution_count - self._count_ahead if info.store_history else None
        pending = PendingCell(
            trial=self.trial.ref,
            seq=self.trial.seq,
            execution_count=count,
            cell_id=getattr(info, "cell_id", None),
            stage=stage,
            source=source,
            started=time.time(),
        )
        self._cell = cell = _Cell(pending=pending, started=time.perf_counter(), stage=stage)
        # A quick cell is written once, when it ends; a long one gets a ``running`` row
        # after a moment, so a kernel killed mid-cell leaves a trace of it.
        self.writer.watch(
            RunningRow(pending), RUNNING_ROW_DELAY, wanted=lambda: pending.ending is None
        )
        tracer = self.tracer
        if tracer is not None:
            # IPython 9 says how it transformed the cell; 8 transforms after this hook.
            transformed = getattr(info, "transformed_cell", None) or source
            if transformed is source and _IPYTHON_SYNTAX.search(source):
                try:  # plain Python needs no transforming
                    transformed = self.shell.transform_cell(source)
                except Exception:
                    transformed = source
            try:
                tracer.before_cell(source, transformed, self.shell.user_ns)
                cell.traced = True
            except Exception as exc:  # the cell is recorded all the same, untraced
                self._warn(exc)

    def _end_cell(self, cell: _Cell, result: Any, ended: float, wall: float) -> None:
        duration = ended - cell.started
        error = result.error_in_exec or result.error_before_exec
        if error is None:
            status = "ok"
        elif isinstance(error, KeyboardInterrupt):
            status = "interrupted"
        else:
            status = "error"
        trial = self.trial
        trial.last_status = status
        trial.last_end = wall
        pending = cell.pending
        tracer = self._tracer
        access = _NO_ACCESS
        if tracer is not None and cell.traced:
            try:
                access = tracer.after_cell(self.shell.user_ns, result.error_in_exec)
            except Exception as exc:
                self._warn(exc)
        count = result.execution_count
        if count is not None:
            if pending.execution_count is not None:
                self._count_ahead += pending.execution_count - count
            pending.execution_count = count
        ending = Ending(
            duration,
            status,
            pending.execution_count,
            cell.stage,
            *((None, None) if error is None else (type(error).__name__, _error_message(error))),
        )
        if pending.trial is trial.ref:
            changed = access.binds | access.mutates
            reached = access.reads | changed if tracer is not None else None
            values = cell.values
            values.update(self._value_rows(changed, cell, reached))
            for name in changed:
                row = values.get(name)
                trial.writers[name] = (pending, bool(row and row["exact"]))
        pending.accesses = access.by_kind()
        pending.values = tuple(cell.values.values())  # most often (), shared
        pending.ending = ending  # set last: the writer reads it as "the cell has ended"
        if self._finished.add(pending):
            self.writer.submit_deferred(self._finished)
            self.writer.submit_deferred(trial.progress)
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

    def _value_rows(
        self, names: set[str], cell: _Cell | None, reached: set[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """Value rows for ``names`` (bound or changed), plus any tagged variable the cell
        reached (``reached``; every one when unknown) that was rebound or changed in
        place since it was last recorded. A tagged value the cell did not reach is not
        looked at: nothing of the user's runs for an object the cell did not touch."""
        namespace = self.shell.user_ns
        tags = self.trial.tags
        rows: dict[str, dict[str, Any]] = {}
        wanted = names
        if tags:
            wanted = names | (set(tags) if reached is None else tags.keys() & reached)
        if not wanted:
            return rows
        is_secret = secret_test()
        for name in sorted(wanted):
            if name not in namespace:
                continue
            obj = namespace[name]
            tag = tags.get(name)
            if is_secret(name):
                value, exact, print_ = redacted(type_name(obj)), False, None
            else:
                # Only a tagged value's fingerprint is needed now; the writer hashes the
                # rest. Untagged text is kept private (type, length, fingerprint).
                value, exact, print_ = summarize(
                    obj, fingerprint_exact=tag is not None, private=tag is None
                )
            if tag is not None:
                # A tagged variable is recorded whenever it was rebound or changed in place.
                state = (id(obj), print_ if print_ is not None else _UNKNOWN)
                seen = (tag.last_id, tag.last_fingerprint) == state
                if seen and (name not in names or (cell and name in cell.values)):
                    continue
                tag.last_id, tag.last_fingerprint = state
            elif name not in names:
                continue
            rows[name] = {
                "trial_id": self.trial.ref,
                "execution_count": cell.pending.execution_count if cell else None,
                "seq": cell.pending.seq if cell else self.trial.seq,
                "name": name,
                "value": value,
                "exact": exact,
                "fingerprint": print_,
            }
        return rows

    def _record_now(self, names: set[str]) -> None:
        """Record values outside a cell's own end (``%tag_var``). A value the cell that
        made it stored exactly is not recorded again; one it stored privately is
        completed in place, at that cell; anything else is recorded with the running
        cell (or on its own when none is running)."""
        cell = self._cell if self._cell is not None and self._cell.trial is self.trial.ref else None
        rows = self._value_rows(names, cell, reached=names)
        for name, row in list(rows.items()):
            writer = self.trial.writers.get(name)
            if writer is None or (cell is not None and writer[0] is cell.pending):
                continue
            made_by, stored_exactly = writer
            del rows[name]
            if not stored_exactly:
                self.writer.submit(_CompleteValue(made_by, row))
        if cell is not None:
            cell.values.update(rows)
        elif rows:
            pending = list(rows.values())
            self.writer.submit(
                lambda conn: _writes().insert_values(
                    conn, [complete_value_row(v, activation_id=None) for v in pending]
                )
            )

    def _refresh_environment(self) -> None:
        ref, notebook = self.trial.ref, self.trial.notebook

        def op(conn: Connection) -> None:
            # On the writer thread: package metadata and git are slow-ish to read.
            environment = _environment(notebook)
            _writes().set_environment(conn, int(ref), environment)

        # The first reading of package metadata takes a few hundred milliseconds of CPU:
        # never while the notebook's cells are running.
        self.writer.submit_when_quiet(op)

    # -- failures ----------------------------------------------------------------

    def _report_writer_errors(self) -> None:
        if self.writer.errors:
            error = self.writer.errors[0]
            self.writer.errors.clear()
            self._warn(error, self.store_problem())

    def _warn(self, exc: BaseException, text: str | None = None) -> None:
        """The one warning of a session: the cell's own output stays as it was."""
        if self._warned:
            return
        if self._late:
            self._late_problem = self._late_problem or exc
            return
        self._warned = True
        warnings.warn(
            text
            or f"nbprov could not record everything ({_one_line(exc)}); your code ran "
            f"normally and recording goes on. Store: {self.description}",
            NbprovRecordingWarning,
            stacklevel=3,
        )


def _trial_progress(trial: _TrialState, conn: Connection) -> None:
    """With each batch of ended cells: the trial's status and end as of its last finished
    cell, so that a kernel that dies or is killed after it leaves a trial that reads as
    finished (see ``store.queries.trial_status``)."""
    if trial.last_end is None:
        return
    ended = datetime.fromtimestamp(trial.last_end, timezone.utc).replace(tzinfo=None)
    _writes().trial_progress(conn, int(trial.ref), _ended_status(trial), ended)


def _ended_status(trial: _TrialState) -> str:
    """A trial reads as its last finished cell ended: ok, error, or interrupted (Ctrl-C or
    an interrupted kernel), so a search stopped mid-point never leaves a trial reading ok."""
    return trial.last_status if trial.last_status in ("error", "interrupted") else "ok"


class _CompleteValue:
    """Replaces the private value row a cell stored for a name tagged later with the
    exact one, at that cell: the version stays where the value was made."""

    def __init__(self, made_by: PendingCell, row: dict[str, Any]) -> None:
        self.made_by, self.row = made_by, row

    def __call__(self, conn: Connection) -> None:
        row = complete_value_row(
            self.row,
            activation_id=self.made_by.id,
            execution_count=self.made_by.execution_count,
            seq=self.made_by.seq,
        )
        if self.made_by.id is None:  # its cell never reached the store: record it now
            _writes().insert_values(conn, [row])
        else:
            _writes().replace_value(conn, self.made_by.id, row)


_UNKNOWN = "?"  # a fingerprint that could not be taken: compare by identity alone


def _writes() -> Any:
    """The store's writes, imported on the writer's thread when first needed."""
    from nbprov.store import trial_writes

    return trial_writes


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return ""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _error_message(error: BaseException) -> str:
    try:
        return storable(str(error)[:2000])
    except Exception:  # an exception whose __str__ raises
        return f"<{type(error).__name__}>"


def _ipython_major() -> int:
    try:
        from IPython import version_info

        return int(version_info[0])
    except Exception:
        return 8
