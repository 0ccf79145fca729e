"""The loop that runs many points on an engine: ``nbprov sweep`` and ``nbprov run --grid``.

A *source* hands out points and takes their results: a search asks its Optuna study for
the next point and tells it the point's metric (:class:`StudySource`); a grid hands out
its points in order (:class:`ListSource`). :func:`run_points` keeps the engine's slots
busy until the source has no more points.

Ctrl-C (SIGINT) stops cleanly: no new point starts, the running ones are interrupted and
still come back with their recorded trials, the study hears of them as failed, and the
study can be resumed. A second Ctrl-C stops waiting for them.
"""

from __future__ import annotations

import math
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any, Protocol

from nbprov.runs.batch import Progress, RunRecord, RunRequest, describe_record
from nbprov.runs.sweep.engine import Engine, make_engine
from nbprov.runs.sweep.point import PointRequest, PointResult
from nbprov.runs.sweep.progress import SweepProgress
from nbprov.runs.sweep.study import StudySpec, driver_id, import_optuna, linked_trials

__all__ = ["ListSource", "RunOutcome", "StudySource", "run_points", "run_requests"]

#: Seconds to wait for interrupted points to report before giving up on them.
STOP_WAIT = 60.0


class Source(Protocol):
    def next(self) -> PointRequest | None: ...

    def finished(self, request: PointRequest, result: PointResult | None, error: str | None) -> str:
        """Take a point's result (or why its worker gave none); returns a one-line note."""
        ...

    def abandon(self, request: PointRequest) -> None: ...


@dataclass
class RunOutcome:
    started: int = 0
    finished: int = 0
    interrupted: bool = False
    aborted: bool = False


class _Stop:
    """SIGINT while points run: the first asks to stop, the second to stop waiting."""

    def __init__(self) -> None:
        self.requested = threading.Event()
        self.presses = 0

    def handler(self, signum: int, frame: FrameType | None) -> None:
        self.presses += 1
        self.requested.set()
        if self.presses > 1:
            raise KeyboardInterrupt


@contextmanager
def _interruptible() -> Iterator[_Stop]:
    stop = _Stop()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGINT, stop.handler)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def run_points(
    engine: Engine,
    source: Source,
    progress: Progress | None = None,
    *,
    on_note: Callable[[str], None] | None = None,
) -> RunOutcome:
    """Run the source's points on the engine, ``engine.slots`` at a time."""
    outcome = RunOutcome()
    running: dict[Any, PointRequest] = {}
    say = on_note or (lambda text: None)
    if progress is not None:
        progress.start()
    with _interruptible() as stop:
        try:
            stopping_since: float | None = None
            waited = 0.0
            while True:
                if stop.requested.is_set() and stopping_since is None:
                    stopping_since = waited
                    outcome.interrupted = True
                    if running:
                        say(f"stopping: interrupting {len(running)} running point(s) "
                            "(Ctrl-C again to stop waiting)")  # fmt: skip
                        engine.interrupt(list(running))
                while stopping_since is None and len(running) < engine.slots:
                    request = source.next()
                    if request is None:
                        break
                    running[engine.submit(request)] = request
                    outcome.started += 1
                _set_running(progress, len(running))
                if not running:
                    break
                if stopping_since is not None and waited - stopping_since > STOP_WAIT:
                    raise KeyboardInterrupt
                for handle, result in engine.wait(list(running), timeout=0.5):
                    request = running.pop(handle)
                    if isinstance(result, str):
                        note = source.finished(request, None, result)
                    else:
                        note = source.finished(request, result, None)
                    outcome.finished += 1
                    _set_running(progress, len(running))
                    if progress is not None:
                        progress.advance(note)
                waited += 0.5
        except KeyboardInterrupt:
            outcome.interrupted = outcome.aborted = True
            for request in running.values():
                source.abandon(request)
            engine.close(abort=True)
            running.clear()
        except BaseException:
            engine.close(abort=True)  # no worker outlives a failure of the loop itself
            raise
        else:
            engine.close()
        finally:
            if isinstance(progress, SweepProgress):
                progress.finish()
    return outcome


def _set_running(progress: Progress | None, count: int) -> None:
    if isinstance(progress, SweepProgress):
        progress.running = count


# -- a list of runs (nbprov run --grid) --------------------------------------------------


def _failed_record(request: RunRequest, error: str, status: str = "error") -> RunRecord:
    return RunRecord(
        notebook=request.notebook,
        parameters=dict(request.parameters),
        trial=None,
        name=request.name,
        status=status,
        ok=False,
        error=error,
    )


class ListSource:
    """Runs given in order; their records come back in the same order."""

    def __init__(self, requests: Sequence[RunRequest]) -> None:
        self.requests = list(requests)
        self.records: list[RunRecord | None] = [None] * len(self.requests)
        self._next = 0
        self._index: dict[int, int] = {}

    def next(self) -> PointRequest | None:
        if self._next >= len(self.requests):
            return None
        request = PointRequest(self.requests[self._next])
        self._index[id(request)] = self._next
        self._next += 1
        return request

    def _slot(self, request: PointRequest) -> int:
        return self._index[id(request)]

    def finished(self, request: PointRequest, result: PointResult | None, error: str | None) -> str:
        record = result.record if result is not None else _failed_record(request.run, error or "")
        self.records[self._slot(request)] = record
        return describe_record(record)

    def abandon(self, request: PointRequest) -> None:
        self.records[self._slot(request)] = _failed_record(
            request.run, "stopped before it ended", "interrupted"
        )


def run_requests(
    requests: Sequence[RunRequest],
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    ray: str | None = None,
) -> list[RunRecord]:
    """Run notebook runs on the engine (local processes, or Ray); records in request
    order. Runs that never started are left out."""
    source = ListSource(requests)
    outcome = run_points(make_engine(jobs, ray), source, progress)
    if outcome.interrupted:
        raise KeyboardInterrupt
    return [r for r in source.records if r is not None]


# -- a search (nbprov sweep) -------------------------------------------------------------


def objective_value(record: RunRecord, metric: str) -> tuple[float | None, str | None]:
    """The point's objective (the metric's recorded value), or why there is none."""
    if not record.ok:
        return None, record.error or f"the run ended {record.status}"
    if metric not in record.metrics:
        return None, f"metric {metric!r} was not recorded (tag it: %tag_var {metric} metric)"
    value = record.metrics[metric]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, f"metric {metric!r} is not a number: {value!r}"
    if not math.isfinite(value):
        return None, f"metric {metric!r} is {value}"
    return float(value), None


class StudySource:
    """Asks the study for ``count`` points (fewer when a grid runs out) and tells it each
    point's metric, or that the point failed."""

    def __init__(
        self,
        study: Any,
        spec: StudySpec,
        *,
        db: str,
        count: int,
        timeout: int | None,
        progress: SweepProgress | None = None,
    ) -> None:
        self.optuna = import_optuna()
        self.study = study
        self.spec = spec
        self.db = db
        self.count = count
        self.timeout = timeout
        self.progress = progress
        self.dims = spec.dimensions()
        self.asked = 0
        self.pending: dict[int, Any] = {}  # Optuna trials by number
        self.trial_ids: list[int] = []
        self.failed: list[tuple[int, str]] = []
        self.driver = driver_id()

    def next(self) -> PointRequest | None:
        if self.asked >= self.count:
            return None
        trial = self.study.ask()
        params = {d.name: d.suggest(trial) for d in self.dims}
        trial.set_user_attr("driver", self.driver)
        self.asked += 1
        self.pending[trial.number] = trial
        run = RunRequest(
            notebook=self.spec.notebook,
            db=self.db,
            parameters={**dict(self.spec.fixed), **params},
            name=f"{self.spec.name}#{trial.number}",
            timeout=self.timeout,
        )
        return PointRequest(run, self.spec.name, trial.number)

    def _trial_id(self, request: PointRequest, result: PointResult | None) -> int | None:
        if result is not None and result.record.trial is not None:
            return result.record.trial
        # The worker may have recorded and linked its trial and then failed to answer.
        from nbprov.store import Store

        store = Store.open(self.db)
        try:
            with store.session() as session:
                links = linked_trials(session, self.spec.name, [request.number or 0])
        finally:
            store.close()
        return links.get(request.number or 0)

    def finished(self, request: PointRequest, result: PointResult | None, error: str | None) -> str:
        assert request.number is not None
        trial = self.pending.pop(request.number)
        trial_id = self._trial_id(request, result)
        value: float | None = None
        if result is not None:
            value, error = objective_value(result.record, self.spec.metric)
            if result.interrupted:
                value, error = None, "interrupted"
        if trial_id is not None:
            trial.set_user_attr("nbprov_trial", trial_id)
            self.trial_ids.append(trial_id)
        state = self.optuna.trial.TrialState
        if value is None:
            trial.set_user_attr("error", (error or "failed")[:500])
            self.study.tell(trial, state=state.FAIL)
            self.failed.append((request.number, error or "failed"))
        else:
            self.study.tell(trial, value)
        if self.progress is not None:
            self.progress.offer(value, trial_id)
        label = f"point {request.number}"
        where = f"trial {trial_id}" if trial_id is not None else "no trial"
        params = ", ".join(f"{k}={v}" for k, v in sorted(request.run.parameters.items()))
        if value is None:
            return f"{label} ({params}): {where}, failed: {(error or '').splitlines()[0]}"
        return f"{label} ({params}): {where}, {self.spec.metric} = {value:.6g}"

    def abandon(self, request: PointRequest) -> None:
        assert request.number is not None
        trial = self.pending.pop(request.number, None)
        if trial is None:
            return
        try:
            trial.set_user_attr("error", "interrupted")
            self.study.tell(trial, state=self.optuna.trial.TrialState.FAIL)
        except Exception:
            pass  # left running; fail_abandoned ends it on --resume
