"""A search, start to end: check the options, open (or resume) the study, run its points
on an engine with a progress line, and report the results. ``nbprov sweep`` and
``%sweep`` both call :func:`run_search` with their parsed options."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from nbprov.runs.execute import notebook_problem
from nbprov.runs.sweep.options import DEFAULT_TRIALS

#: Points a search runs when --trials is not given (a grid runs all of its points).
#: Exit status of a search stopped with Ctrl-C (as a shell reports SIGINT).
INTERRUPTED = 130


class SweepError(ValueError):
    """Options that cannot make a search (shown to the user on one line)."""


def _default_name(notebook: Path) -> str:
    return f"{notebook.stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def run_search(args: Any) -> tuple[int, dict[str, Any]]:
    """Run the search the arguments describe, print its results; returns the exit
    status and the study's summary."""
    from nbprov.render.terminal import raw_stream
    from nbprov.runs.batch import default_store
    from nbprov.runs.params import GridError, parse_parameters
    from nbprov.runs.sweep.direction import default_direction
    from nbprov.runs.sweep.driver import StudySource, run_points
    from nbprov.runs.sweep.engine import EngineError, make_engine
    from nbprov.runs.sweep.progress import SweepProgress
    from nbprov.runs.sweep.results import print_summary, study_summary
    from nbprov.runs.sweep.space import SpaceError, grid_size, parse_space
    from nbprov.runs.sweep.study import (
        StudyError,
        StudySpec,
        fail_abandoned,
        import_optuna,
        open_study,
    )

    notebook = Path(args.notebook)
    if not notebook.is_file():
        raise SweepError(f"no notebook at {notebook}")
    problem = notebook_problem(notebook)
    if problem is not None:
        raise SweepError(f"{notebook} is not a notebook: {problem}")
    if args.jobs is not None and args.jobs < 1:
        raise SweepError("--jobs must be at least 1")
    if args.trials is not None and args.trials < 1:
        raise SweepError("--trials must be at least 1")
    if args.resume and not args.name:
        raise SweepError("--resume needs --name STUDY, the study to continue")
    if not args.resume:
        if not args.param:
            raise SweepError("give at least one --param NAME=SPACE")
        if not args.metric:
            raise SweepError("--metric NAME is needed: the tagged metric to optimise")
    try:
        dims = parse_space(args.param) if args.param else []
        fixed = parse_parameters(args.parameter or [])
    except (SpaceError, GridError) as exc:
        raise SweepError(str(exc)) from exc
    clash = sorted(set(fixed) & {d.name for d in dims})
    if clash:
        raise SweepError(f"{', '.join(clash)} both fixed (-p) and searched (--param)")
    db = default_store(args.db)
    direction = args.direction
    if direction is None and not args.resume:
        direction = default_direction(db, notebook, args.metric)
    spec = StudySpec(
        name=args.name or _default_name(notebook),
        notebook=str(notebook.resolve()),
        # On --resume, what is not given is taken from the study.
        metric=args.metric or "",
        direction=direction or "",
        sampler=args.sampler or ("" if args.resume else "tpe"),
        space=tuple(args.param or ()),
        fixed=tuple(sorted(fixed.items())),
        seed=args.seed,
    )
    try:
        import_optuna()
        if spec.sampler == "grid" and dims:
            grid_size(dims)  # every dimension has grid values
        study, spec = open_study(db, spec, resume=args.resume)
    except (StudyError, SpaceError) as exc:
        raise SweepError(str(exc)) from exc
    if args.resume:
        abandoned = fail_abandoned(study)
        if abandoned and not args.quiet:
            print(f"{abandoned} point(s) left running by a search that was killed: failed",
                  file=sys.stderr)  # fmt: skip
    count = args.trials or DEFAULT_TRIALS
    if spec.sampler == "grid":
        left = grid_size(spec.dimensions()) - len(study.get_trials(deepcopy=False))
        count = max(0, min(args.trials or left, left))
        if count == 0:
            print(f"study {spec.name}: every grid point has run", file=sys.stderr)
    try:
        engine = make_engine(args.jobs, args.ray)
    except EngineError as exc:
        raise SweepError(str(exc)) from exc
    progress = None
    if not args.quiet:
        progress = SweepProgress(count, raw_stream(sys.stderr), spec.metric, spec.direction)
        _seed_best(progress, study, spec)
        print(
            f"study {spec.name}: {count} point(s) of {Path(spec.notebook).name} on "
            f"{engine.description}, {spec.metric} ({spec.direction}), sampler {spec.sampler}",
            file=sys.stderr,
        )
    timeout = args.timeout if args.timeout > 0 else None
    source = StudySource(study, spec, db=db, count=count, timeout=timeout, progress=progress)
    outcome = run_points(
        engine, source, progress, on_note=progress.note if progress else _stderr_note
    )
    summary = study_summary(study, spec, db)
    if args.format == "json":
        print(json.dumps({**summary, "run": {"started": outcome.started,
                                             "finished": outcome.finished,
                                             "interrupted": outcome.interrupted,
                                             "trials": source.trial_ids}},
                         indent=2, default=str))  # fmt: skip
    else:
        print_summary(summary, db, args.format, sys.stdout)
    if outcome.interrupted:
        print(
            f"nbprov sweep: stopped; {outcome.finished} point(s) recorded. Continue with: "
            f"nbprov sweep {args.notebook} --name {spec.name} --resume",
            file=sys.stderr,
        )
        return INTERRUPTED, summary
    if count and len(source.failed) == outcome.finished:
        print("nbprov sweep: every point failed", file=sys.stderr)
        return 1, summary
    return 0, summary


def _stderr_note(text: str) -> None:
    print(text, file=sys.stderr)


def _seed_best(progress: Any, study: Any, spec: Any) -> None:
    """On --resume the bar starts from the study's best so far."""
    try:
        best = study.best_trial
    except ValueError:
        return
    progress.offer(best.value, best.user_attrs.get("nbprov_trial"))
