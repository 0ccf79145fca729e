"""Delivering a pipeline: writing its package, drawing its stage DAG, verifying it, with
a short report (or the plan as JSON)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from nbprov.core.pipeline.builder import PipelineError, PipelinePlan
from nbprov.core.pipeline.graph import dag_dot, render_svg, text_dag
from nbprov.core.pipeline.package_writer import describe, write_package
from nbprov.core.pipeline.verify import PipelineVerification, verify_package


def _graph(plan: PipelinePlan, where: str) -> None:
    if where == "-":
        sys.stdout.write(text_dag(plan) + "\n")
        return
    dot = dag_dot(plan)
    path = Path(where)
    if path.suffix == ".svg":
        svg = render_svg(dot)
        if svg is None:
            raise PipelineError(
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


def deliver(
    plan: PipelinePlan,
    output: str | None,
    verify: bool,
    graph: str | None,
    fmt: str,
    started: float,
) -> int:
    """Write the package of ``plan`` to ``output``, draw its DAG to ``graph``, verify it:
    the exit status (1 when a target differs). Raises :class:`PipelineError` for options
    that do not go together."""
    if output is None and (verify or graph is None):
        raise PipelineError("-o DIR is needed" + (" with --verify" if verify else ""))
    if graph is not None:
        _graph(plan, graph)
    result: PipelineVerification | None = None
    if output is not None:
        folder = Path(output)
        write_package(plan, folder)
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
