"""``nbprov pipeline`` and ``%pipeline``: the fronts over :func:`.builder.plan_pipeline`.

``nbprov pipeline TRIAL TARGET [TARGET ...] -o DIR [--name PKG] [--verify] [--graph FILE]``
writes the package from the store alone. ``--verify`` runs its tests in a fresh
interpreter (exit 0 when every target matches, 1 listing those that differ). ``--graph``
draws the stage DAG: ``FILE.svg`` through Graphviz, ``FILE.dot`` as DOT, ``-`` as text.
``--format json`` prints the stages, edges, parameters and the verification as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from ..usage import BadUsage, os_error_text
from .builder import PipelineError, PipelinePlan, plan_pipeline
from .graph import dag_dot, dag_mime_bundle, render_svg, text_dag
from .package_writer import describe, write_package
from .verify import PipelineVerification, verify_package

__all__ = ["cmd_pipeline", "pipeline_magic", "register"]


def _arguments(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    p.add_argument("-o", "--output", metavar="DIR", help="the folder to write the package into")
    p.add_argument("--name", metavar="PKG", help="the package name (default: NOTEBOOK_pipeline)")
    p.add_argument(
        "--verify",
        action="store_true",
        help="run the generated tests in a fresh interpreter: exit 1 when a target differs",
    )
    p.add_argument(
        "--graph",
        metavar="FILE",
        nargs="?",
        const="-",
        help="draw the stage DAG: FILE.svg (Graphviz), FILE.dot, or - for text (the default)",
    )
    return p


def _graph(plan: PipelinePlan, where: str) -> None:
    if where == "-":
        sys.stdout.write(text_dag(plan) + "\n")
        return
    dot = dag_dot(plan)
    path = Path(where)
    if path.suffix == ".svg":
        svg = render_svg(dot)
        if svg is None:
            raise BadUsage(
                "Graphviz 'dot' is not installed: use --graph FILE.dot or -, or install graphviz"
            )
        path.write_text(svg)
    else:
        path.write_text(dot)
    print(f"wrote {path}", file=sys.stderr)


def _summary(plan: PipelinePlan, folder: Path, seconds: float) -> str:
    chain = " -> ".join(s.name for s in plan.stages)
    return (
        f"wrote {folder}: package {plan.package}, {len(plan.stages)} stages ({chain}), "
        f"{len(plan.params)} parameters, targets {', '.join(plan.targets)} "
        f"({seconds:.2f}s)"
    )


def _report(result: PipelineVerification) -> int:
    if result.ok:
        print(f"verified: {result.message}")
        return 0
    print("MISMATCH: " + ("the targets that differ:" if result.differing else "the tests failed"))
    for line in result.message.splitlines():
        print(f"  {line}")
    return 1


def _run(
    plan: PipelinePlan,
    output: str | None,
    verify: bool,
    graph: str | None,
    fmt: str,
    started: float,
) -> int:
    if output is None and (verify or graph is None):
        raise BadUsage("-o DIR is needed" + (" with --verify" if verify else ""))
    if graph is not None:
        _graph(plan, graph)
    result: PipelineVerification | None = None
    if output is not None:
        folder = Path(output)
        try:
            write_package(plan, folder)
        except PipelineError as exc:
            raise BadUsage(str(exc)) from exc
        print(_summary(plan, folder, time.perf_counter() - started), file=sys.stderr)
        if verify:
            result = verify_package(folder, plan.package)
    if fmt == "json":
        answer: dict[str, Any] = describe(plan)
        if result is not None:
            answer["verification"] = {
                "ok": result.ok,
                "matching": result.passed,
                "differing": result.differing,
                "failed": result.other,
            }
        print(json.dumps(answer, indent=1, default=repr))
        return 0 if result is None or result.ok else 1
    return 0 if result is None else _report(result)


def cmd_pipeline(args: argparse.Namespace) -> int:
    from ..cli import CommandError

    started = time.perf_counter()
    try:
        plan = plan_pipeline(args.trial, args.targets, db=args.db, package=args.name)
    except PipelineError as exc:
        raise CommandError(str(exc)) from exc
    return _run(plan, args.output, args.verify, args.graph, args.format, started)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    """Add ``nbprov pipeline`` to the ``nbprov`` command."""
    p = subparsers.add_parser(
        "pipeline",
        help="turn a trial's stages into a tested Python package and a Luigi DAG",
        description=(
            "Write the cells in the targets' backward slices as a package: one module per "
            "stage (%%tag), params.toml with the recorded hyperparameters, a plain runner "
            "(python -m PKG), Luigi tasks (PKG/luigi_tasks.py), tests that rebuild the "
            "targets as recorded, and pinned requirements."
        ),
    )
    p.add_argument("trial", help="id, name, 'latest', or -1 / -2 ... counting back")
    p.add_argument("targets", nargs="+", metavar="TARGET", help="the values to rebuild")
    p.add_argument(
        "--db", help="store path or SQLAlchemy URL (default: $NBPROV_DB, else .nbprov/nbprov.db)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    _arguments(p)
    p.set_defaults(handler=cmd_pipeline)


def pipeline_magic(shell: Any, recorder: Any, line: str) -> Any:
    """``%pipeline TARGET ... [-o DIR] [--verify] [--graph] [--trial T]``: this trial's
    targets as a package; ``--graph`` alone displays the stage DAG."""
    from IPython.core.error import UsageError
    from IPython.display import display

    from ..render.terminal import neutralise
    from ..usage import HelpShown, RaisingParser, split_line

    usage = "usage: %pipeline TARGET [TARGET ...] [-o DIR] [--verify] [--graph] [--trial T]"
    parser = _arguments(RaisingParser(prog="%pipeline"))
    parser.add_argument("targets", nargs="+", metavar="TARGET", help="the values to rebuild")
    parser.add_argument("--trial", default=None, help="another trial (default: this one)")
    try:
        args = parser.parse_args(split_line(line))
    except HelpShown:
        return None
    except BadUsage as exc:
        raise UsageError(f"{exc}. {usage}") from exc
    recorder.writer.flush()
    trial = args.trial if args.trial is not None else recorder.trial_id
    started = time.perf_counter()
    try:
        plan = plan_pipeline(trial, args.targets, store=recorder.store, package=args.name)
    except Exception as exc:  # store errors, unknown targets: one line
        raise UsageError(f"%pipeline: {neutralise(str(exc))}") from exc
    if args.graph is not None and args.graph == "-":
        display(dag_mime_bundle(plan), raw=True)  # type: ignore[no-untyped-call]
        args.graph = None
        if args.output is None:
            return None
    try:
        code = _run(plan, args.output, args.verify, args.graph, "text", started)
    except BadUsage as exc:
        raise UsageError(f"%pipeline: {exc}. {usage}") from exc
    except OSError as exc:
        raise UsageError(f"%pipeline: {os_error_text(exc)}") from exc
    if code != 0:
        print("%pipeline: the package did not rebuild every target", file=sys.stderr)
    return None
