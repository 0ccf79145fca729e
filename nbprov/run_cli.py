"""``nbprov run``: execute a notebook headless as a recorded trial, with parameters or grids.

``nbprov run NOTEBOOK -p alpha 0.5`` injects ``alpha = 0.5`` after the cell tagged
``parameters`` (papermill's convention), runs the notebook in a fresh kernel with nbprov
loaded (see :mod:`nbprov.execute`), and prints the new trial's id and tagged metrics.
``--grid alpha=0.1,1 --grid seed=1,2 --jobs 2`` runs every combination as its own trial,
several at a time on the engine of ``nbprov sweep`` (worker processes, or Ray tasks with
``--ray``), then shows the trials side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select, update

from .params import GridError, ParamValue, grid_label, grid_points, parse_grid, parse_parameters
from .render.terminal import cut, cut_left, raw_stream
from .store import Store
from .store.models import Trial
from .store.queries import HYPERPARAM, METRIC, tagged_values, trial_status

__all__ = ["RunRecord", "RunRequest", "register", "run_grid", "run_one"]

DEFAULT_STORE = Path(".nbprov") / "nbprov.db"
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
    from .execute import ENV_DB, normalize_db

    chosen = db or os.environ.get(ENV_DB) or str(DEFAULT_STORE)
    store = normalize_db(chosen)
    assert store is not None
    if "://" not in store:
        Path(store).parent.mkdir(parents=True, exist_ok=True)
    return store


def _claim_trial(store: Store, token: str, name: str | None) -> Trial | None:
    """Find the trial the kernel recorded under ``token`` and give it its real name.

    The kernel learns its trial name from the environment; a unique token lets this
    process find exactly the trial its kernel made, even when other runs of the same
    notebook record into the same store at the same time.
    """
    with store.session() as session:
        trial = session.scalars(select(Trial).where(Trial.name == token)).first()
        if trial is None:
            return None
        session.execute(update(Trial).where(Trial.id == trial.id).values(name=name))
        session.commit()
        session.refresh(trial)
        session.expunge(trial)
        return trial


def run_one(request: RunRequest) -> RunRecord:
    """Run one notebook as a recorded trial and report the trial it made.

    Exceptions in the notebook are reported in the record (``ok`` false), not raised.
    """
    from .execute import run_notebook

    token = f"{_TOKEN_PREFIX}{uuid.uuid4().hex}"
    result = run_notebook(
        request.notebook,
        db=request.db,
        trial_name=token,
        output=request.output,
        timeout=request.timeout,
        parameters=request.parameters or None,
    )
    error = result.describe_failure() or None
    store = Store.open(request.db, writer=True)
    try:
        trial = _claim_trial(store, token, request.name)
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
        if not result.ok and status == "ok":
            status = "error"  # the kernel died after its last cell finished
        return RunRecord(
            notebook=str(result.path),
            parameters=dict(request.parameters),
            trial=trial.id,
            name=request.name,
            status=status,
            ok=result.ok,
            error=error,
            hyperparams={t["name"]: t["value"] for t in tags if t["role"] == HYPERPARAM},
            metrics={t["name"]: t["value"] for t in tags if t["role"] == METRIC},
            output=str(result.output) if result.output else None,
        )
    finally:
        store.close()


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


def _describe(record: RunRecord) -> str:
    label = record.name or Path(record.notebook).name
    trial = f"trial {record.trial}" if record.trial is not None else "no trial"
    return f"{label}: {trial}, {record.status}"


def run_grid(
    requests: Sequence[RunRequest],
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    ray: str | None = None,
) -> list[RunRecord]:
    """Run the requests on the engine of ``nbprov sweep`` (``jobs`` worker processes, or
    Ray tasks with ``ray``); records come back in request order."""
    from .sweep.driver import run_requests

    return run_requests(requests, jobs=jobs, progress=progress, ray=ray)


# -- rendering ----------------------------------------------------------------------------


def _value_text(value: Any) -> str:
    from .render.tables import format_value

    return format_value(value)


def print_record(record: RunRecord, out: TextIO) -> None:
    from .render.tables import terminal_width

    width = terminal_width()
    trial = "no trial recorded" if record.trial is None else f"trial {record.trial}"
    named = f" ({record.name})" if record.name else ""
    print(cut(f"{trial}{named}: {record.status}", width), file=out)
    for title, values in (("hyperparams", record.hyperparams), ("metrics", record.metrics)):
        if values:
            print(f"  {title}:", file=out)
            for key in sorted(values):
                print(cut(f"    {key} = {_value_text(values[key])}", width), file=out)
    if record.output:
        print(f"  output: {cut_left(record.output, width - 10)}", file=out)


def _has_compare() -> bool:
    from .cli import build_parser

    parser = build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return "compare" in action.choices
    return False


def show_trials(ids: Sequence[int], db: str, fmt: str) -> int:
    """The compare table of ``ids`` when ``nbprov compare`` exists, else their rows of
    ``nbprov trials``."""
    from .cli import main as cli_main

    if len(ids) >= 2 and _has_compare():
        return cli_main(["compare", *map(str, ids), "--db", db, "--format", fmt])
    from .cli import trials_table
    from .render.tables import render, to_json
    from .store import queries

    store = Store.open(db)
    try:
        with store.session() as session:
            wanted = set(ids)
            records = [r for r in queries.list_trials(session) if r["id"] in wanted]
    finally:
        store.close()
    if fmt == "json":
        print(to_json(records))
    else:
        print(render(fmt, *trials_table(records)))
    return 0


# -- the command ------------------------------------------------------------------------


def notebook_problem(path: Path) -> str | None:
    """Why ``path`` cannot be run as a notebook, or None when it can."""
    import nbformat

    try:
        nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    except Exception as exc:  # nbformat raises many kinds for text that is not a notebook
        first = str(exc).strip().splitlines()
        return cut(first[0] if first else type(exc).__name__, 100)
    if not isinstance(nb.get("cells"), list):
        return "it has no list of cells"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    from .cli import CommandError
    from .sweep.engine import EngineError

    notebook = Path(args.notebook)
    if not notebook.is_file():
        raise CommandError(f"no notebook at {notebook}")
    problem = notebook_problem(notebook)
    if problem is not None:
        raise CommandError(f"{notebook} is not a notebook: {problem}")
    try:
        params = parse_parameters(args.parameter or [])
        grids = [parse_grid(spec) for spec in args.grid or []]
        points = grid_points(grids, base=params) if grids else []
    except GridError as exc:
        raise CommandError(str(exc)) from exc
    if args.jobs < 1:
        raise CommandError("--jobs must be at least 1")
    db = default_store(args.db)
    timeout = args.timeout if args.timeout > 0 else None

    if not grids:
        record = run_one(
            RunRequest(
                notebook=str(notebook),
                db=db,
                parameters=params,
                name=args.name,
                output=args.output,
                timeout=timeout,
            )
        )
        if args.format == "json":
            print(json.dumps(record.to_json(), indent=2, default=str))
        else:
            print_record(record, sys.stdout)
        if not record.ok:
            print(f"nbprov run: {record.error}", file=sys.stderr)
            return 1
        return 0

    names = [name for name, _ in grids]
    requests = grid_requests(
        str(notebook),
        db,
        points,
        names,
        name=args.name,
        output_dir=args.output,
        timeout=timeout,
    )
    # The bar redraws itself with control codes of its own: it writes past the filter.
    progress = None if args.quiet else Progress(len(requests), raw_stream(sys.stderr))
    try:
        records = run_grid(requests, jobs=args.jobs, progress=progress, ray=args.ray)
    except EngineError as exc:
        raise CommandError(str(exc)) from exc
    failed = [r for r in records if not r.ok]
    for record in failed:
        print(f"nbprov run: {record.name}: {record.error}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps([r.to_json() for r in records], indent=2, default=str))
    else:
        ids = [r.trial for r in records if r.trial is not None]
        if ids:
            show_trials(ids, db, args.format)
    return 1 if failed else 0


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov run`` to the ``nbprov`` command."""
    p = subparsers.add_parser(
        "run",
        parents=[common],
        help="run a notebook headless as a recorded trial, with parameters or a grid",
        description=(
            "Execute NOTEBOOK in a fresh kernel with nbprov loaded, as a new trial. "
            "Parameters are injected after the cell tagged 'parameters'. With --grid, "
            "every combination runs as its own trial and the trials are compared."
        ),
    )
    p.add_argument("notebook", help="the .ipynb file to run")
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        help="set a parameter (typed as int, float, bool, None, else str); repeatable",
    )
    p.add_argument("--name", help="the trial's name (with --grid: the prefix of each name)")
    p.add_argument(
        "--output",
        help="write the executed notebook here (with --grid: a directory for all of them)",
    )
    p.add_argument(
        "--grid",
        action="append",
        metavar="NAME=V1,V2,...",
        help="run every value of a parameter; several --grid run their cross product",
    )
    p.add_argument(
        "-j", "--jobs", type=int, default=1, help="grid trials run at a time (default: 1)"
    )
    p.add_argument(
        "--timeout", type=int, default=600, help="per-cell timeout in seconds, 0 for none"
    )
    p.add_argument(
        "--ray",
        nargs="?",
        const="local",
        metavar="ADDRESS",
        help="run grid trials as Ray tasks: on the cluster at ADDRESS, else a local Ray",
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar for a grid")
    p.set_defaults(handler=cmd_run)
