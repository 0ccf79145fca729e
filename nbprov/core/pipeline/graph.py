"""The stage DAG as a picture: stages as boxes, the values passed between them on the
edges, parameters as filled ellipses feeding the stages that read them, targets as
double ellipses. DOT through the same helpers and ``dot`` renderer as ``%deps``
(:mod:`nbprov.render.graph`); a text drawing when Graphviz is absent.
"""

from __future__ import annotations

from typing import Any

from nbprov.core.pipeline.builder import PipelinePlan
from nbprov.render.graph import DOT_MIME, ROLE_STYLE, dot_quote, render_svg

__all__ = ["dag_dot", "dag_mime_bundle", "render_svg", "text_dag"]

EDGE_LABEL_NAMES = 4  # values named on an edge before "+N more"


def _edge_label(names: list[str]) -> str:
    shown = names[:EDGE_LABEL_NAMES]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" +{more} more" if more else "")


def _edges(plan: PipelinePlan) -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = {}
    for stage in plan.stages:
        for value, producer in stage.inputs.items():
            edges.setdefault((producer, stage.name), []).append(value)
    return edges


def dag_dot(plan: PipelinePlan) -> str:
    """DOT source of the stage DAG."""
    lines = [
        "digraph pipeline {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10];',
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [color="#666666", arrowsize=0.6, fontname="Helvetica", fontsize=9];',
        f"  labelloc=t; label={dot_quote(f'pipeline {plan.package} (trial {plan.trial})')};",
    ]
    for stage in plan.stages:
        cells = " ".join(f"[{c.execution_count}]" for c in stage.cells)
        label = dot_quote(f"{stage.name}\ncells {cells}")
        lines.append(f'  "s_{stage.name}" [shape=box, style="rounded,bold", label={label}];')
    for (src, dst), names in sorted(_edges(plan).items()):
        lines.append(f'  "s_{src}" -> "s_{dst}" [label={dot_quote(_edge_label(names))}];')
    for name, value in plan.params.items():
        readers = [s.name for s in plan.stages if name in s.params]
        if not readers:
            continue
        label = dot_quote(f"{name} = {value!r}")
        lines.append(f'  "p_{name}" [shape=ellipse, label={label}, {ROLE_STYLE["hyperparam"]}];')
        lines += [f'  "p_{name}" -> "s_{r}" [style=dashed];' for r in readers]
    for target in plan.targets:
        lines.append(f'  "t_{target}" [shape=ellipse, peripheries=2, label={dot_quote(target)}];')
        lines.append(f'  "s_{plan.producer(target)}" -> "t_{target}";')
    lines.append("}")
    return "\n".join(lines) + "\n"


def text_dag(plan: PipelinePlan) -> str:
    """The DAG as lines of text: each stage, what it takes from where, what it returns."""
    out = []
    for stage in plan.stages:
        sources: dict[str, list[str]] = {}
        for value, producer in stage.inputs.items():
            sources.setdefault(producer, []).append(value)
        takes = "; ".join(f"{p}: {_edge_label(v)}" for p, v in sources.items())
        params = f"  params: {', '.join(stage.params)}" if stage.params else ""
        out.append(f"{stage.name:<12} <- {takes or '(start)'}{params}")
    targets = ", ".join(f"{t} ({plan.producer(t)})" for t in plan.targets)
    out.append(f"targets: {targets}")
    return "\n".join(out)


def dag_mime_bundle(plan: PipelinePlan) -> dict[str, Any]:
    """What ``%pipeline --graph`` displays: SVG when ``dot`` works, else text and DOT."""
    dot = dag_dot(plan)
    bundle: dict[str, Any] = {DOT_MIME: {"dot": dot, "trial": plan.trial, "variable": None}}
    svg = render_svg(dot)
    if svg is not None:
        bundle["image/svg+xml"] = svg
        bundle["text/plain"] = text_dag(plan)
    else:
        bundle["text/plain"] = (
            f"{text_dag(plan)}\n\n(Graphviz 'dot' not found: install graphviz for a drawing.)"
            f"\nDOT source:\n{dot}"
        )
    return bundle
