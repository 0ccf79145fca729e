"""Vega-Lite charts of a search, from the summary of :mod:`nbprov.sweep.results`.

- :func:`history_chart`: the optimisation history, each point's metric by its number
  (failed points marked at the bottom) and the best value so far as a step line;
- :func:`parallel_chart`: parallel coordinates, one line per finished point across its
  parameters (each axis scaled to its own range; categories by their order) and the
  metric, coloured by the metric.

JupyterLab renders the ``application/vnd.vegalite.v5+json`` output these make without
any extension; every value is data, never markup.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["MIME", "history_chart", "parallel_chart"]

MIME = "application/vnd.vegalite.v5+json"
SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def history_chart(summary: dict[str, Any]) -> dict[str, Any]:
    metric = str(summary["metric"])
    rows = [
        {
            "point": p["number"],
            "trial": p["trial"],
            "state": p["state"],
            "value": p["value"] if _finite(p["value"]) else None,
            "best": p["best_so_far"],
        }
        for p in summary["history"]
    ]
    x = {"field": "point", "type": "quantitative", "title": "point"}
    return {
        "$schema": SCHEMA,
        "title": f"{summary['study']}: {metric} by point",
        "width": 420,
        "height": 240,
        "data": {"values": rows},
        "layer": [
            {
                "mark": {"type": "point", "filled": True},
                "transform": [{"filter": "isValid(datum.value)"}],
                "encoding": {
                    "x": x,
                    "y": {"field": "value", "type": "quantitative", "title": metric},
                    "color": {"field": "state", "type": "nominal"},
                    "tooltip": [
                        {"field": "point"},
                        {"field": "trial"},
                        {"field": "value", "title": metric},
                    ],
                },
            },
            {
                "mark": {"type": "line", "interpolate": "step-after"},
                "transform": [{"filter": "isValid(datum.best)"}],
                "encoding": {
                    "x": x,
                    "y": {"field": "best", "type": "quantitative"},
                    "color": {"value": "#d62728"},
                },
            },
        ],
    }


def parallel_chart(summary: dict[str, Any]) -> dict[str, Any]:
    metric = str(summary["metric"])
    finished = [p for p in summary["history"] if p["state"] == "complete" and _finite(p["value"])]
    names = sorted({name for p in finished for name in p["params"]})
    axes = [*names, metric]
    rows: list[dict[str, Any]] = []
    for name in axes:
        values = [p["value"] if name == metric else p["params"].get(name) for p in finished]
        numeric = all(_finite(v) for v in values if v is not None)
        if numeric:
            present = [float(v) for v in values if v is not None]
            low, high = (min(present), max(present)) if present else (0.0, 1.0)
        else:
            order = sorted({str(v) for v in values}, key=str)
        for point, value in zip(finished, values, strict=True):
            if value is None:
                continue
            if numeric:
                scaled = 0.5 if high == low else (float(value) - low) / (high - low)
            else:
                scaled = order.index(str(value)) / max(len(order) - 1, 1)
            rows.append(
                {
                    "axis": name,
                    "scaled": scaled,
                    "value": str(value),
                    "point": point["number"],
                    "metric": point["value"],
                }
            )
    return {
        "$schema": SCHEMA,
        "title": f"{summary['study']}: parameters and {metric}",
        "width": max(160, 120 * len(axes)),
        "height": 240,
        "data": {"values": rows},
        "mark": {"type": "line", "opacity": 0.6},
        "encoding": {
            "x": {"field": "axis", "type": "nominal", "sort": axes, "title": None},
            "y": {"field": "scaled", "type": "quantitative", "axis": None},
            "detail": {"field": "point", "type": "nominal"},
            "color": {"field": "metric", "type": "quantitative", "title": metric},
            "tooltip": [{"field": "point"}, {"field": "axis"}, {"field": "value"}],
        },
    }
