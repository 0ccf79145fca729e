"""``nbprov sweep`` and ``nbprov study``: parse the arguments, run the search, render.

Import-light: the ``nbprov`` command imports this module to build its parser; Optuna and
Ray load only when a search runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["cmd_study", "cmd_sweep", "register", "sweep_from_args"]

#: Points a search runs when --trials is not given (a grid runs all of its points).
DEFAULT_TRIALS = 20
#: Exit status of a search stopped with Ctrl-C (as a shell reports SIGINT).
INTERRUPTED = 130


def _error(message: str) -> Exception:
    from ..cli import CommandError

    return CommandError(message)


def _default_name(notebook: Path) -> str:
    return f"{notebook.stem}-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def cmd_sweep(args: argparse.Namespace) -> int:
    status, _ = sweep_from_args(args)
    return status


def sweep_from_args(args: argparse.Namespace) -> tuple[int, dict[str, Any]]:
    """Run the search the arguments describe, print its results; returns the exit
    status and the study's summary."""
    from ..params import GridError, parse_parameters
    from ..render.terminal import raw_stream
    from ..run_cli import default_store, notebook_problem
    from .driver import StudySource, run_points
    from .engine import EngineError, make_engine
    from .progress import SweepProgress
    from .results import print_summary, study_summary
    from .space import SpaceError, grid_size, parse_space
    from .study import StudyError, StudySpec, fail_abandoned, import_optuna, open_study

    notebook = Path(args.notebook)
    if not notebook.is_file():
        raise _error(f"no notebook at {notebook}")
    problem = notebook_problem(notebook)
    if problem is not None:
        raise _error(f"{notebook} is not a notebook: {problem}")
    if args.jobs is not None and args.jobs < 1:
        raise _error("--jobs must be at least 1")
    if args.trials is not None and args.trials < 1:
        raise _error("--trials must be at least 1")
    if args.resume and not args.name:
        raise _error("--resume needs --name STUDY, the study to continue")
    if not args.resume:
        if not args.param:
            raise _error("give at least one --param NAME=SPACE")
        if not args.metric:
            raise _error("--metric NAME is needed: the tagged metric to optimise")
    try:
        dims = parse_space(args.param) if args.param else []
        fixed = parse_parameters(args.parameter or [])
    except (SpaceError, GridError) as exc:
        raise _error(str(exc)) from exc
    clash = sorted(set(fixed) & {d.name for d in dims})
    if clash:
        raise _error(f"{', '.join(clash)} both fixed (-p) and searched (--param)")
    db = default_store(args.db)
    spec = StudySpec(
        name=args.name or _default_name(notebook),
        notebook=str(notebook.resolve()),
        # On --resume, what is not given is taken from the study.
        metric=args.metric or "",
        direction=args.direction or ("" if args.resume else "max"),
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
        raise _error(str(exc)) from exc
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
        raise _error(str(exc)) from exc
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


def cmd_study(args: argparse.Namespace) -> int:
    from ..render.tables import render, to_json
    from ..run_cli import default_store
    from .results import print_summary, study_summary
    from .study import StudyError, load_study, study_names

    db = default_store(args.db)
    try:
        if args.study is None:
            names = study_names(db)
            if args.format == "json":
                print(to_json(names))
            elif not names:
                print("no studies in this store yet (nbprov sweep makes them)", file=sys.stderr)
            else:
                print(render(args.format, ["study"], [[n] for n in names]))
            return 0
        study, spec = load_study(db, args.study)
    except StudyError as exc:
        raise _error(str(exc)) from exc
    summary = study_summary(study, spec, db)
    if args.format == "json":
        print(to_json(summary))
    else:
        print_summary(summary, db, args.format, sys.stdout)
    return 0


def add_sweep_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``nbprov sweep`` (shared with ``%sweep``)."""
    from .study import SAMPLERS

    p.add_argument("notebook", help="the .ipynb file to run at each point")
    p.add_argument(
        "--param",
        action="append",
        metavar="NAME=SPACE",
        help="a searched parameter: float:LOW:HIGH, log:LOW:HIGH, int:LOW:HIGH, "
        "choice:A,B,C, or A,B,C (the values of a grid); repeatable",
    )
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="a parameter fixed at every point (typed as nbprov run types it); repeatable",
    )
    p.add_argument("--metric", help="the tagged metric to optimise (its recorded value)")
    p.add_argument("--direction", choices=["max", "min"], help="maximise or minimise (max)")
    p.add_argument(
        "--trials",
        type=int,
        help=f"points to run now (default {DEFAULT_TRIALS}; a grid: all it has left)",
    )
    p.add_argument("--sampler", choices=SAMPLERS, help="Optuna's sampler (default tpe)")
    p.add_argument(
        "-j", "--jobs", type=int, help="points at a time (default 1; with --ray the cluster's CPUs)"
    )
    p.add_argument("--name", help="the study's name (default NOTEBOOK-DATE-TIME)")
    p.add_argument("--resume", action="store_true", help="continue the study --name names")
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run points as Ray tasks: on the cluster at ADDRESS, else a local Ray instance",
    )
    p.add_argument("--seed", type=int, help="the sampler's random seed")
    p.add_argument(
        "--timeout", type=int, default=600, help="per-cell timeout in seconds, 0 for none"
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov sweep`` and ``nbprov study``."""
    p = subparsers.add_parser(
        "sweep",
        parents=[common],
        help="search a notebook's hyperparameters with Optuna; every point a trial",
        description=(
            "Run NOTEBOOK at points of a search space chosen by an Optuna sampler, each "
            "point a recorded trial linked to the study. The objective is the recorded "
            "value of the tagged --metric. The study is kept in the store's database: "
            "--resume continues it."
        ),
    )
    add_sweep_arguments(p)
    p.set_defaults(handler=cmd_sweep)

    p = subparsers.add_parser(
        "study",
        parents=[common],
        help="a search's best trials, best parameters and parameter importance",
        description="Show a study made by nbprov sweep; without STUDY, list the studies.",
    )
    p.add_argument("study", nargs="?", help="the study's name")
    p.set_defaults(handler=cmd_study)
