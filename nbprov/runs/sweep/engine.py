"""Where the points of a search run: local worker processes, or Ray tasks.

Both engines take :class:`~nbprov.sweep.point.PointRequest` objects, run
:func:`~nbprov.sweep.point.run_point` on them, and hand back
:class:`~nbprov.sweep.point.PointResult` objects as they finish. The caller decides how
many run at once (it submits at most ``slots`` points). ``interrupt`` asks the running
points to stop (each still reports its recorded trial); ``close(abort=True)`` gives up on
them.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from multiprocessing import get_context
from typing import Any, Protocol

from nbprov.runs.sweep.point import PointRequest, PointResult, init_worker, run_point

__all__ = ["Engine", "EngineError", "LocalEngine", "RayEngine", "make_engine"]

#: Object store of a Ray instance started here: Ray's smallest (the points pass only
#: small records through it).
LOCAL_RAY_OBJECT_STORE = 80 * 1024 * 1024


class EngineError(RuntimeError):
    """An engine that cannot start (Ray missing, a cluster that does not answer)."""


class Engine(Protocol):
    """Runs points somewhere; see the module docstring."""

    slots: int
    description: str

    def submit(self, request: PointRequest) -> Any: ...

    def wait(self, handles: Iterable[Any], timeout: float) -> list[tuple[Any, PointResult | str]]:
        """The handles that finished within ``timeout`` seconds, each with its result, or
        the reason the worker gave no result."""
        ...

    def interrupt(self, handles: Iterable[Any]) -> None: ...

    def close(self, abort: bool = False) -> None: ...


class LocalEngine:
    """``jobs`` worker processes on this machine (spawned: no state shared with the
    caller, as with a fresh ``nbprov run``)."""

    def __init__(self, jobs: int) -> None:
        self.slots = max(1, jobs)
        self.description = f"{self.slots} local worker process{'es' if self.slots > 1 else ''}"
        self._pool = ProcessPoolExecutor(
            max_workers=self.slots, mp_context=get_context("spawn"), initializer=init_worker
        )

    def submit(self, request: PointRequest) -> Future[PointResult]:
        return self._pool.submit(run_point, request)

    def wait(
        self, handles: Iterable[Future[PointResult]], timeout: float
    ) -> list[tuple[Any, PointResult | str]]:
        done, _ = wait(list(handles), timeout=timeout, return_when=FIRST_COMPLETED)
        finished: list[tuple[Any, PointResult | str]] = []
        for future in done:
            try:
                finished.append((future, future.result()))
            except BaseException as exc:  # the worker died, or could not unpickle
                finished.append((future, f"{type(exc).__name__}: {exc}"))
        return finished

    def _pids(self) -> list[int]:
        processes = getattr(self._pool, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def interrupt(self, handles: Iterable[Any]) -> None:
        # A worker between points ignores it (see point.init_worker).
        for pid in self._pids():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGINT)

    def close(self, abort: bool = False) -> None:
        if abort:
            for pid in self._pids():
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGTERM)
        self._pool.shutdown(wait=not abort, cancel_futures=True)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise EngineError(
            "--ray needs Ray, which is not installed: pip install 'nbprov[sweep]' "
            "(or pip install ray)"
        ) from None
    return ray


class RayEngine:
    """Points as Ray tasks, on the cluster at ``address`` or on a Ray instance started
    here (``address`` None; with ``jobs`` CPUs). Every worker writes its trial into the
    store, so the store must be reachable from the cluster's machines (a shared
    PostgreSQL database, or a SQLite file on a shared disk for a local instance)."""

    def __init__(self, address: str | None, jobs: int | None) -> None:
        ray = self._ray = _import_ray()
        self._started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": False,
                "configure_logging": False,
            }
            if address:
                options["address"] = address
            elif not os.environ.get("RAY_ADDRESS"):
                options["num_cpus"] = max(1, jobs or os.cpu_count() or 1)
                options["object_store_memory"] = LOCAL_RAY_OBJECT_STORE
            try:
                ray.init(**options)
            except Exception as exc:
                where = f"the Ray cluster at {address}" if address else "a local Ray instance"
                raise EngineError(f"cannot start {where}: {exc}") from exc
            self._started = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.slots = max(1, jobs if jobs else cpus)
        self.description = f"Ray ({cpus} CPUs, {self.slots} points at a time)"
        self._task = ray.remote(num_cpus=1, max_retries=0)(_ray_point)
        # The running points ask this flag whether the search stops (see interrupt).
        self._flag = ray.remote(num_cpus=0)(StopFlag).remote()

    def submit(self, request: PointRequest) -> Any:
        return self._task.remote(request, self._flag)

    def wait(self, handles: Iterable[Any], timeout: float) -> list[tuple[Any, PointResult | str]]:
        ray = self._ray
        refs = list(handles)
        if not refs:
            return []
        ready, _ = ray.wait(refs, num_returns=1, timeout=timeout)
        finished: list[tuple[Any, PointResult | str]] = []
        for ref in ready:
            try:
                finished.append((ref, ray.get(ref)))
            except Exception as exc:  # a task that raised, died or was cancelled
                text = str(exc).strip().splitlines()
                finished.append((ref, f"{type(exc).__name__}: {text[-1] if text else ''}"))
        return finished

    def interrupt(self, handles: Iterable[Any]) -> None:
        # Not ray.cancel: a cancelled task's result is lost, and with it the trial the
        # point recorded. Each point sees the flag within a second and stops its kernel.
        with contextlib.suppress(Exception):
            self._ray.get(self._flag.set.remote(), timeout=10)

    def close(self, abort: bool = False) -> None:
        if self._started:
            self._ray.shutdown()


class StopFlag:
    """A Ray actor the driver raises when the search stops."""

    def __init__(self) -> None:
        self.stopped = False

    def set(self) -> None:
        self.stopped = True

    def is_set(self) -> bool:
        return self.stopped


def _ray_point(request: PointRequest, flag: Any) -> PointResult:
    """A point as a Ray task: stops when the driver raises ``flag``."""
    import ray

    return run_point(request, should_stop=lambda: bool(ray.get(flag.is_set.remote(), timeout=5)))


def make_engine(jobs: int | None, ray: str | None) -> Engine:
    """The local engine, or Ray when ``ray`` is given (``"local"``: a local instance)."""
    if ray is None:
        return LocalEngine(jobs or 1)
    return RayEngine(None if ray == "local" else ray, jobs)
