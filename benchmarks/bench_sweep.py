"""What a search costs and finds: ``nbprov sweep`` on the diabetes demo notebook.

Measured in one run, on the same machine, in this order:

1. the notebook alone: headless in a fresh kernel without nbprov (its nbprov magics
   stripped), one run at a time, ``--alone`` times; and as one recorded ``nbprov run``;
2. a 40-point TPE search over ``alpha=log:1e-3:100`` for ``r2`` with 2 local worker
   processes: wall time (from starting the engine to the last point), and per point
   both the wall time times the jobs over the points (what a point costs the machine)
   and the mean time a worker spent on a point, each against the notebook alone;
3. the same search as Ray tasks on a local Ray instance of 2 CPUs (``--no-ray`` skips);
4. the sampler: the best ``r2`` after 40 points, TPE against random, mean over 5 seeds.
   The sampler does not depend on where points run, so this runs the notebook's own code
   in this process (its cells, magics stripped, with ``alpha`` set) as the objective.

    python benchmarks/bench_sweep.py [--points 40] [--jobs 2] [--seeds 5] [--no-ray]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat
from notebooks import DEMO_DIR, strip_nbprov

from nbprov.runs.batch import RunRequest, run_one
from nbprov.runs.execute import run_notebook
from nbprov.runs.sweep.driver import StudySource, run_points
from nbprov.runs.sweep.engine import Engine, LocalEngine, RayEngine
from nbprov.runs.sweep.point import PointRequest, PointResult
from nbprov.runs.sweep.study import StudySpec, import_optuna, open_study

NOTEBOOK = DEMO_DIR / "diabetes_ridge.ipynb"
SPACE = "alpha=log:1e-3:100"


class TimedSource(StudySource):
    """A study source that keeps each point's time in its worker."""

    seconds: list[float]

    def finished(self, request: PointRequest, result: PointResult | None, error: str | None) -> str:
        if result is not None:
            self.seconds.append(result.seconds)
        return super().finished(request, result, error)


def alone(folder: Path, runs: int) -> tuple[float, float]:
    """Median wall seconds of the notebook without nbprov, and of one recorded run."""
    plain = folder / "plain.ipynb"
    nb = nbformat.read(NOTEBOOK, as_version=4)  # type: ignore[no-untyped-call]
    nbformat.write(strip_nbprov(nb), plain)  # type: ignore[no-untyped-call]
    bare, recorded = [], []
    for i in range(runs):
        alpha = 10 ** (i - 1)
        result = run_notebook(plain, load_extension=False, parameters={"alpha": alpha})
        assert result.ok, result.describe_failure()
        bare.append(result.wall_seconds)
        start = time.perf_counter()
        record = run_one(RunRequest(str(NOTEBOOK), str(folder / "alone.db"), {"alpha": alpha}))
        assert record.ok, record.error
        recorded.append(time.perf_counter() - start)
    return statistics.median(bare), statistics.median(recorded)


def search(folder: Path, name: str, make: Callable[[], Engine], points: int) -> dict[str, Any]:
    """One search; its wall time includes starting the engine (worker processes, Ray)."""
    db = str(folder / f"{name}.db")
    spec = StudySpec(name, str(NOTEBOOK), "r2", "max", "tpe", (SPACE,), seed=0)
    study, spec = open_study(db, spec, resume=False)
    source = TimedSource(study, spec, db=db, count=points, timeout=600)
    source.seconds = []
    start = time.perf_counter()
    engine = make()
    outcome = run_points(engine, source)
    wall = time.perf_counter() - start
    assert outcome.finished == points and not source.failed, source.failed
    return {
        "wall": wall,
        "slots": engine.slots,
        "per_point": wall * engine.slots / points,
        "worker_mean": statistics.mean(source.seconds),
        "best": study.best_value,
    }


def objective_in_process() -> Any:
    """The notebook's code as a function of alpha, run in this process.

    The cells before the first one that uses ``alpha`` (after the parameters cell) do
    not depend on it: they run once, and each call runs the rest on a copy of their
    namespace, with ``alpha`` set as the injected parameters cell would set it.
    """
    nb = strip_nbprov(nbformat.read(NOTEBOOK, as_version=4))  # type: ignore[no-untyped-call]
    cells = [c for c in nb.cells if c.cell_type == "code"]
    params = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    first_use = next(i for i, c in enumerate(cells) if i > params and "alpha" in c.source)
    code = [compile(c.source, f"cell{i}", "exec") for i, c in enumerate(cells)]
    prefix: dict[str, Any] = {}
    with contextlib.redirect_stdout(io.StringIO()):
        for cell in code[:first_use]:
            exec(cell, prefix)

    def r2(alpha: float) -> float:
        namespace = dict(prefix, alpha=alpha)
        with contextlib.redirect_stdout(io.StringIO()):
            for cell in code[first_use:]:
                exec(cell, namespace)
        return float(namespace["r2"])

    return r2


def sampler_quality(points: int, seeds: int) -> dict[str, list[float]]:
    optuna = import_optuna()
    r2 = objective_in_process()
    found: dict[str, list[float]] = {"tpe": [], "random": []}
    for seed in range(seeds):
        for kind, sampler in (
            ("tpe", optuna.samplers.TPESampler(seed=seed)),
            ("random", optuna.samplers.RandomSampler(seed=seed)),
        ):
            study = optuna.create_study(direction="maximize", sampler=sampler)
            for _ in range(points):
                trial = study.ask()
                study.tell(trial, r2(trial.suggest_float("alpha", 1e-3, 100, log=True)))
            found[kind].append(study.best_value)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--alone", type=int, default=3, help="runs of the notebook alone")
    parser.add_argument("--no-ray", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nbprov-bench-sweep-") as tmp:
        folder = Path(tmp)
        bare, recorded = alone(folder, args.alone)
        print(f"notebook alone (no nbprov), median of {args.alone}: {bare:.2f} s")
        print(f"one recorded nbprov run, median of {args.alone}:     {recorded:.2f} s")
        rows = [("local", search(folder, "local", lambda: LocalEngine(args.jobs), args.points))]
        if not args.no_ray:
            ray = search(folder, "ray", lambda: RayEngine(None, args.jobs), args.points)
            rows.append(("ray", ray))
        print(f"\n{args.points}-point TPE search, {args.jobs} jobs:")
        print("engine  wall      per point (wall x jobs / points)  in a worker  best r2")
        for name, r in rows:
            print(
                f"{name:<7} {r['wall']:6.1f} s  {r['per_point']:5.2f} s "
                f"({r['per_point'] - bare:+.2f} s, {r['per_point'] / bare:.2f}x alone)"
                f"       {r['worker_mean']:5.2f} s ({r['worker_mean'] - bare:+.2f} s)"
                f"   {r['best']:.4f}"
            )
        found = sampler_quality(args.points, args.seeds)
        print(f"\nbest r2 after {args.points} points, mean over {args.seeds} seeds (in process):")
        for kind, values in found.items():
            print(
                f"{kind:<7} {statistics.mean(values):.5f} "
                f"(range {min(values):.5f} to {max(values):.5f})"
            )


if __name__ == "__main__":
    main()
