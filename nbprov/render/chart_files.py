"""Charts of trials written to a file: Vega-Lite JSON, a standalone HTML page, or SVG.

The charts of :func:`nbprov.render.vegalite.charts` become one Vega-Lite spec, stacked
vertically, so each file holds one chart document whatever the number of charts:

- ``.json``: the spec itself (opens in the Vega editor, or any Vega-Lite renderer);
- ``.html``: a page that draws the spec with vega-embed, loaded from the jsDelivr CDN (so
  opening it needs the network);
- ``.svg``: drawn here with vl-convert (``pip install 'nbprov[plot]'``), no browser needed.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from nbprov.render.vegalite import SCHEMA

SUFFIXES = (".json", ".html", ".svg")
WIDTH = 480  # pixels per chart: a file has no container to fit to
# The Vega-Lite 5 line, which the specs' $schema names (vega-embed 6 draws it).
CDN_SCRIPTS = (
    "https://cdn.jsdelivr.net/npm/vega@5",
    "https://cdn.jsdelivr.net/npm/vega-lite@5",
    "https://cdn.jsdelivr.net/npm/vega-embed@6",
)
# Keys only a top-level spec may have; a chart stacked in another loses them.
_TOP_LEVEL_ONLY = ("$schema", "usermeta", "autosize")


class ChartFileError(ValueError):
    """The charts cannot be written to this file (its suffix, a missing package, the disk)."""


def check_chart_path(path: str | Path) -> None:
    """Fail early, before any work, when ``path`` cannot take charts."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ChartFileError(
            f"cannot write charts to {str(path)!r}: the file must end in .json, .html or .svg"
        )
    if suffix == ".svg":
        _vl_convert()


def combined_spec(found: Mapping[str, Any], title: str) -> dict[str, Any] | None:
    """The parallel coordinates and every scatter of ``found`` (from ``charts``) as one
    Vega-Lite spec, one chart under the other; None when there is nothing to chart."""
    parts: list[dict[str, Any]] = []
    if found.get("parallel"):
        parts.append(_stacked(found["parallel"], "parallel coordinates of the trials"))
    for chart in found.get("scatter") or ():
        parts.append(_stacked(chart["spec"], chart["title"]))
    if not parts:
        return None
    return {
        "$schema": SCHEMA,
        "title": title,
        "description": f"{title}: " + "; ".join(str(p["title"]) for p in parts),
        "vconcat": parts,
        # Each chart keeps its own colours and legend: a metric's shades in one, the
        # compared/other groups in another.
        "resolve": {"scale": {"color": "independent", "shape": "independent"}},
    }


def _stacked(spec: Mapping[str, Any], title: str) -> dict[str, Any]:
    return {"title": title, **{k: v for k, v in spec.items() if k not in _TOP_LEVEL_ONLY}}


def write_charts(path: str | Path, spec: Mapping[str, Any]) -> None:
    """Write ``spec`` to ``path`` in the format its suffix names."""
    check_chart_path(path)
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".json":
        text = json.dumps(spec, indent=2, ensure_ascii=False) + "\n"
    elif suffix == ".html":
        text = html_page(spec)
    else:
        text = svg_text(spec)
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ChartFileError(f"cannot write {path}: {exc.strerror or exc}") from exc


def html_page(spec: Mapping[str, Any]) -> str:
    """A standalone page drawing ``spec`` with vega-embed."""
    # JSON inside <script>: escaping <, > and & keeps a stored name such as "</script>"
    # from ending the script; the escapes are still valid JSON and JavaScript.
    data = (
        json.dumps(spec, ensure_ascii=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )
    title = html.escape(str(spec.get("title") or "nbprov charts"))
    scripts = "\n".join(f'<script src="{url}"></script>' for url in CDN_SCRIPTS)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
{scripts}
</head>
<body>
<div id="charts"></div>
<noscript>These charts are drawn by vega-embed, loaded from cdn.jsdelivr.net.</noscript>
<script type="application/json" id="spec">{data}</script>
<script>
vegaEmbed("#charts", JSON.parse(document.getElementById("spec").textContent),
          {{actions: false, renderer: "svg"}});
</script>
</body>
</html>
"""


def svg_text(spec: Mapping[str, Any]) -> str:
    """``spec`` drawn as SVG by vl-convert, with the newest Vega-Lite 5 it bundles."""
    vlc = _vl_convert()
    fives = [v for v in vlc.get_vegalite_versions() if str(v).startswith("5.")]
    version = max(fives, key=lambda v: tuple(int(p) for p in str(v).split("."))) if fives else None
    svg: str = vlc.vegalite_to_svg(dict(spec), vl_version=version)
    return svg


def _vl_convert() -> Any:
    try:
        import vl_convert
    except ImportError as exc:
        raise ChartFileError(
            "writing SVG needs vl-convert-python: pip install 'nbprov[plot]'"
        ) from exc
    return vl_convert
