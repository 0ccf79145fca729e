"""Lineage graphs: DOT from a slice (see :mod:`nbprov.lineage.slicing` for its JSON),
SVG through Graphviz's ``dot`` when it is installed, and a readable fallback when not.

Activations are boxes labelled ``[execution count] stage`` and their first code line;
variable versions are ellipses with name and value summary (node id ``v<i>``: the i-th
entry of the slice's ``variables``); tagged hyperparameters and metrics are filled.
``depth`` keeps the activations within that many steps of the target; runs of more than
``collapse`` activations that simply feed one another become one node.
Every user string is escaped for DOT (and Graphviz escapes it again for SVG).
"""

from __future__ import annotations

import json
import shutil
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from nbprov.capture.source import cell_label

DOT_MIME = "application/vnd.nbprov.dot+json"
LABEL_LIMIT = 60
ROLE_STYLE = {
    "hyperparam": 'style="filled,bold", fillcolor="#cfe2ff"',
    "metric": 'style="filled,bold", fillcolor="#ffe08a"',
}
OTHER_ROLE_STYLE = 'style="filled", fillcolor="#e2e3e5"'


def _cut(text: str, limit: int = LABEL_LIMIT) -> str:
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def dot_quote(text: str) -> str:
    """A DOT double-quoted string holding ``text`` literally (one line per ``\\n``)."""
    lines = [_cut(line) for line in text.split("\n")]
    escaped = [line.replace("\\", "\\\\").replace('"', '\\"') for line in lines]
    return '"' + "\\n".join(escaped) + '"'


def value_text(value: Any, exact: bool = False) -> str:
    """A short text for a recorded value: ``exact`` JSON as JSON, else a summary object
    (a dict with a "type" is taken for one when exactness is not given)."""
    if exact:
        return _json_text(value)
    if isinstance(value, dict) and "type" in value and "repr" in value:
        kind = str(value["type"]).rsplit(".", 1)[-1]
        if value.get("shape") is not None:  # arrays and frames: the shape says more
            dims = " x ".join(str(n) for n in value["shape"])
            return f"{kind} [{dims}]" + (
                f" {value['dtype']}" if isinstance(value.get("dtype"), str) else ""
            )
        size = f" len {value['len']}" if value.get("len") is not None else ""
        return f"{kind}{size}: {_cut(' '.join(str(value['repr']).split()), 40)}"
    if isinstance(value, dict) and "type" in value:
        # No repr: untagged text or a container (kept private), or an object whose
        # dunders raised. Its type and length are all there is.
        kind = str(value["type"]).rsplit(".", 1)[-1]
        size = f" len {value['len']}" if value.get("len") is not None else ""
        return f"{kind}{size}" + (" (could not be described)" if "error" in value else "")
    return _json_text(value)


def _json_text(value: Any) -> str:
    if value is None:
        return ""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)


@dataclass
class _Graph:
    """The slice as activations linked through the variable versions they pass on."""

    acts: dict[int, dict[str, Any]]
    versions: dict[tuple[str, int], dict[str, Any]]
    preds: dict[int, set[tuple[str, int]]] = field(default_factory=dict)  # act <- versions
    users: dict[tuple[str, int], set[int]] = field(default_factory=dict)  # version -> acts
    target: tuple[str, int] | None = None
    # version -> its place in the slice's "variables": the node id ``v<place>`` lets a
    # front find the version (name, seq) a drawn variable node stands for.
    index: dict[tuple[str, int], int] = field(default_factory=dict)


def _graph(sl: dict[str, Any]) -> _Graph:
    acts = {a["seq"]: a for a in sl.get("activations", [])}
    versions = {(v["name"], v["seq"]): v for v in sl.get("variables", [])}
    g = _Graph(acts, versions)
    for index, v in enumerate(sl.get("variables", [])):
        g.index[(v["name"], v["seq"])] = index
    for e in sl.get("edges", []):
        if e.get("kind") == "uses":
            version = (e["variable"], e["version"])
            g.preds.setdefault(e["activation"], set()).add(version)
            g.users.setdefault(version, set()).add(e["activation"])
    mine = [v for v in versions if v[0] == sl.get("variable")]
    g.target = max(mine, key=lambda v: v[1]) if mine else None
    return g


def _depths(g: _Graph) -> dict[int, int]:
    """Activation -> steps back from the target's defining activation (which is 1)."""
    if g.target is None:
        return {seq: 1 for seq in g.acts}
    out = {g.target[1]: 1}
    queue = deque([g.target[1]])
    while queue:
        seq = queue.popleft()
        for _, src in g.preds.get(seq, ()):
            if src not in out and src in g.acts:
                out[src] = out[seq] + 1
                queue.append(src)
    return out


def _chains(g: _Graph, kept: set[int], collapse: int) -> dict[int, int]:
    """Activations folded into a chain node: member -> the chain's first member."""
    succ: dict[int, set[int]] = {}
    pred: dict[int, set[int]] = {}
    for seq in kept:
        for _, src in g.preds.get(seq, ()):
            if src in kept and src != seq:
                pred.setdefault(seq, set()).add(src)
                succ.setdefault(src, set()).add(seq)
    target_act = g.target[1] if g.target else None

    def inner(seq: int) -> bool:
        return seq != target_act and len(pred.get(seq, ())) == 1 and len(succ.get(seq, ())) == 1

    folded: dict[int, int] = {}
    for seq in sorted(kept):
        if not inner(seq) or seq in folded:
            continue
        (before,) = pred[seq]
        if inner(before):
            continue  # not the start of a run
        run = [seq]
        while True:
            (nxt,) = succ[run[-1]]
            if not inner(nxt):
                break
            run.append(nxt)
        if len(run) > collapse:
            for member in run:
                folded[member] = run[0]
    return folded


def build_dot(
    sl: dict[str, Any], *, depth: int | None = None, collapse: int = 6, title: bool = True
) -> str:
    """DOT source of a slice's graph (see the module docstring)."""
    g = _graph(sl)
    depths = _depths(g)
    kept = {s for s in g.acts if depth is None or depths.get(s, depth + 1) <= depth}
    hidden = len(g.acts) - len(kept)
    folded = _chains(g, kept, collapse)
    lines = [
        "digraph nbprov {",
        '  graph [rankdir=LR, fontname="Helvetica", fontsize=10];',
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [color="#666666", arrowsize=0.6];',
    ]
    if title:
        label = f"lineage of {sl.get('variable')} (trial {sl.get('trial')})"
        lines.append(f"  labelloc=t; label={dot_quote(label)};")

    def act_id(seq: int) -> str:
        return f"chain{folded[seq]}" if seq in folded else f"a{seq}"

    runs: dict[int, list[int]] = {}
    for member, first in folded.items():
        runs.setdefault(first, []).append(member)
    for seq in sorted(kept):
        if seq in folded:
            continue
        a = g.acts[seq]
        count = a.get("execution_count")
        head = f"[{count if count is not None else '?'}]" + (
            f" {a['stage']}" if a.get("stage") else ""
        )
        if a.get("status") not in (None, "ok"):
            head += f" ({a['status']})"
        label = dot_quote(f"{head}\n{cell_label(a.get('source'))}")
        lines.append(f'  a{seq} [shape=box, style="rounded", label={label}];')
    for head_seq, members in sorted(runs.items()):
        counts = [g.acts[m].get("execution_count") for m in sorted(members)]
        text = f"{len(members)} cells\n[{counts[0]}] … [{counts[-1]}]"
        lines.append(
            f'  chain{head_seq} [shape=box, style="rounded,dashed", label={dot_quote(text)}];'
        )

    shown: set[tuple[str, int]] = set()
    edges: set[tuple[str, str]] = set()
    for version, v in g.versions.items():
        name, seq = version
        if seq not in kept:
            continue
        users = {u for u in g.users.get(version, ()) if u in kept}
        is_target = version == g.target
        internal = seq in folded and all(u in folded and folded[u] == folded[seq] for u in users)
        if internal and not is_target:
            continue  # passed along inside a folded chain
        if not users and not is_target:
            continue
        vid = f"v{g.index[version]}"
        shown.add(version)
        role = v.get("role")
        style = ROLE_STYLE.get(role, OTHER_ROLE_STYLE) if role else ""
        summary = value_text(v.get("value"), bool(v.get("exact")))
        text = f"{name}" + (f" = {summary}" if summary else "") + (f"\n({role})" if role else "")
        extra = ", peripheries=2" if is_target else ""
        attrs = f"shape=ellipse, label={dot_quote(text)}{extra}"
        lines.append(f"  {vid} [{attrs}{', ' + style if style else ''}];")
        edges.add((act_id(seq), vid))
        for u in users:
            if act_id(u) != act_id(seq) or u not in folded:
                edges.add((vid, act_id(u)))
    for src, dst in sorted(edges):
        lines.append(f"  {src} -> {dst};")
    if hidden:
        note = dot_quote(f"{hidden} earlier cells not shown (depth {depth})")
        lines.append(f"  more [shape=note, label={note}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tree_line(lead: str, name: str, value: str, where: str, code: str, width: int) -> str:
    """``lead name = value  <- where code`` in ``width`` characters: the cell reference
    stays whole, and the name too while there is room (else it is cut, to 8 characters at
    least); value and code share what is left, the code getting at least half of it when
    both are long."""
    arrow = f"  <- {where}"
    name = _cut(name, max(8, width - len(lead) - len(arrow)))
    fixed = f"{lead}{name}"
    room = width - len(fixed) - len(arrow)
    value_part = f" = {value}" if value else ""
    code_part = f" {code}" if code else ""
    if len(value_part) + len(code_part) > room:
        code_room = max(room - len(value_part), min(len(code_part), room // 2))
        value_room = room - code_room
        value_part = f" = {_cut(value, value_room - 3)}" if value and value_room >= 8 else ""
        code_room = room - len(value_part)
        code_part = f" {_cut(code, code_room - 1)}" if code and code_room >= 6 else ""
    return _fit(f"{fixed}{value_part}{arrow}{code_part}", width)


def _fit(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


def text_tree(sl: dict[str, Any], *, depth: int | None = None, width: int | None = None) -> str:
    """The slice as an indented tree from the target back to its inputs; with ``width``,
    no line is longer than that."""
    g = _graph(sl)
    limit = width if width is not None else 10**6
    if g.target is None:
        return _cut(f"{sl.get('variable')}: no recorded lineage", limit)
    out: list[str] = []
    printed: set[tuple[str, int]] = set()

    def describe(lead: str, version: tuple[str, int]) -> str:
        v = g.versions.get(version, {})
        a = g.acts.get(version[1], {})
        count = a.get("execution_count")
        role = f" ({v['role']})" if v.get("role") else ""
        where = f"[{count if count is not None else '?'}]"
        if a.get("stage"):
            where += f" {a['stage']}"
        summary = _cut(value_text(v.get("value"), bool(v.get("exact"))), 40)
        code = _cut(cell_label(a.get("source")), 50)
        return _tree_line(lead, _cut(f"{version[0]}{role}"), summary, _cut(where), code, limit)

    def walk(version: tuple[str, int], prefix: str, last: bool, level: int) -> None:
        branch = "" if level == 0 else ("└── " if last else "├── ")
        if version in printed:
            out.append(_fit(f"{prefix}{branch}{_cut(version[0])} (see above)", limit))
            return
        printed.add(version)
        out.append(describe(f"{prefix}{branch}", version))
        inputs = sorted(g.preds.get(version[1], ()), key=lambda v: (v[1], v[0]))
        if depth is not None and level + 1 >= depth:
            if inputs:
                child = prefix + ("" if level == 0 else ("    " if last else "│   "))
                out.append(_fit(f"{child}└── … {len(inputs)} more (depth limit)", limit))
            return
        child_prefix = prefix + ("" if level == 0 else ("    " if last else "│   "))
        for i, inp in enumerate(inputs):
            walk(inp, child_prefix, i == len(inputs) - 1, level + 1)

    walk(g.target, "", True, 0)
    return "\n".join(out)


def render_svg(dot: str) -> str | None:
    """SVG from Graphviz's ``dot``; None when it is missing or fails."""
    if shutil.which("dot") is None:
        return None
    try:
        import graphviz

        svg = graphviz.Source(dot).pipe(format="svg", encoding="utf-8")
    except Exception:
        return None
    return svg if isinstance(svg, str) else None


def mime_bundle(
    sl: dict[str, Any], *, depth: int | None = None, collapse: int = 6
) -> dict[str, Any]:
    """What ``%deps`` displays: SVG when ``dot`` works, else a text tree and the DOT source;
    always the DOT under :data:`DOT_MIME` for the Lab extension to draw itself."""
    dot = build_dot(sl, depth=depth, collapse=collapse)
    tree = text_tree(sl, depth=depth)
    bundle: dict[str, Any] = {
        DOT_MIME: {"dot": dot, "trial": sl.get("trial"), "variable": sl.get("variable")},
    }
    svg = render_svg(dot)
    if svg is not None:
        bundle["image/svg+xml"] = svg
        bundle["text/plain"] = tree
    else:
        bundle["text/plain"] = (
            f"{tree}\n\n(Graphviz 'dot' not found: install graphviz for a drawing.)\n"
            f"DOT source:\n{dot}"
        )
    return bundle
