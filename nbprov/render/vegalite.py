"""Vega-Lite specs of a notebook's trials, for every front that draws charts.

- :func:`parallel_spec`: parallel coordinates, one line per trial across its
  hyperparameters and metrics, each axis scaled to its own range (min-max normalised),
  coloured by the first metric, with the real values in the tooltip;
- :func:`scatter_spec`: a metric against a hyperparameter, on a log axis when the
  hyperparameter's positive values span more than two decades, with a legend, tooltips
  and padding so no point is clipped.

Only numeric (finite) values are charted. The specs hold data inline and no colours: the
renderer's theme chooses them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
MIME = "application/vnd.vegalite.v5+json"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _label(trial: Mapping[str, Any]) -> str:
    name = trial.get("name")
    return f"#{trial['id']}" + (f" {name}" if name else "")


def numeric_columns(trials: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(role, name) of every hyperparameter and metric with a number in some trial,
    hyperparameters first, in first-seen order."""
    seen: dict[tuple[str, str], None] = {}
    for role, key in (("hyperparam", "hyperparams"), ("metric", "metrics")):
        for trial in trials:
            for name, value in (trial.get(key) or {}).items():
                if _number(value) is not None:
                    seen.setdefault((role, str(name)), None)
    return list(seen)


def log_scaled(values: Iterable[float]) -> bool:
    """Whether the values are all positive and span more than two decades."""
    finite = [v for v in values if math.isfinite(v)]
    return bool(finite) and min(finite) > 0 and max(finite) / min(finite) > 100


def parallel_spec(
    trials: Sequence[Mapping[str, Any]], width: int | None = None
) -> dict[str, Any] | None:
    """Parallel coordinates across all trials (None with fewer than two axes or trials).

    Lines are coloured by the first metric, so the good trials stand out whatever their
    number; without a metric, by trial. An axis whose values span more than two decades is
    scaled by their logarithm (its label says so), as the scatter's axis would be.
    ``width`` in pixels (default: the container's)."""
    columns = numeric_columns(trials)
    if len(columns) < 2 or len(trials) < 2:
        return None
    first_metric = next((name for role, name in columns if role == "metric"), None)
    values: list[dict[str, Any]] = []
    for trial in trials:
        shade = _number((trial.get("metrics") or {}).get(first_metric)) if first_metric else None
        for role, name in columns:
            value = _number((trial.get(f"{role}s") or {}).get(name))
            if value is not None:
                values.append(
                    {
                        "trial": _label(trial),
                        "id": trial["id"],
                        "axis": name,
                        "role": role,
                        "value": value,
                        "shade": shade,
                    }
                )
    logs = {
        name for _, name in columns if log_scaled(v["value"] for v in values if v["axis"] == name)
    }
    for row in values:
        log = row["axis"] in logs
        row["label"] = row["axis"] + (" (log)" if log else "")
        row["scaled"] = math.log10(row["value"]) if log else row["value"]
    order = [name + (" (log)" if name in logs else "") for _, name in columns]
    color: dict[str, Any] = (
        {"field": "shade", "type": "quantitative", "title": first_metric}
        if first_metric is not None
        else {"field": "trial", "type": "nominal", "title": "trial"}
    )
    return {
        "$schema": SCHEMA,
        # SVG (its text can be read and styled); no export menu: vega-embed's has an unnamed
        # toggle that screen readers cannot announce.
        "usermeta": {"embedOptions": {"actions": False, "renderer": "svg"}},
        "description": "Hyperparameters and metrics of each trial (each axis min to max)",
        "data": {"values": values},
        **_width(width),
        "height": 220,
        "transform": [
            {
                "joinaggregate": [
                    {"op": "min", "field": "scaled", "as": "low"},
                    {"op": "max", "field": "scaled", "as": "high"},
                ],
                "groupby": ["axis"],
            },
            {
                "calculate": "datum.high > datum.low ? "
                "(datum.scaled - datum.low) / (datum.high - datum.low) : 0.5",
                "as": "position",
            },
        ],
        "encoding": {
            "x": {
                "field": "label",
                "type": "nominal",
                "sort": order,
                "title": None,
                "axis": {"labelAngle": 0},  # names read across, as in a table's header
            },
        },
        "layer": [
            {"mark": {"type": "rule", "opacity": 0.5}},  # one vertical axis per variable
            {
                "mark": {"type": "line", "point": True, "strokeWidth": 2},
                "encoding": {
                    "y": {"field": "position", "type": "quantitative", "axis": None},
                    "color": color,
                    "detail": {"field": "id", "type": "nominal"},
                    "tooltip": [
                        {"field": "trial", "title": "trial"},
                        {"field": "axis", "title": "variable"},
                        {"field": "role", "title": "role"},
                        {"field": "value", "title": "value", "format": ".4~g"},
                    ],
                },
            },
        ],
    }


def _width(width: int | None) -> dict[str, Any]:
    """A fixed width, or the container's for fronts that size the chart's box themselves."""
    if width is not None:
        return {"width": width}
    return {"width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}


def scatter_spec(
    trials: Sequence[Mapping[str, Any]],
    x: str,
    y: str,
    highlight: Sequence[int] = (),
    width: int | None = None,
) -> dict[str, Any] | None:
    """Metric ``y`` against hyperparameter ``x`` across the trials (None: no point)."""
    return points_spec(
        [
            (
                int(t["id"]),
                _label(t),
                (t.get("hyperparams") or {}).get(x),
                (t.get("metrics") or {}).get(y),
            )
            for t in trials
        ],
        x,
        y,
        highlight,
        width,
    )


def points_spec(
    points: Sequence[tuple[int, str, Any, Any]],
    x: str,
    y: str,
    highlight: Sequence[int] = (),
    width: int | None = None,
) -> dict[str, Any] | None:
    """A scatter of ``(trial id, trial label, x, y)``: numeric ``y`` against ``x``, on a log
    axis when ``x`` is numeric and spans more than two decades, by category when some
    ``x`` is not a number. None when no point has a numeric ``y``. ``width`` in pixels
    (default: the container's width, for fronts that size the chart's box themselves)."""
    rows = []
    for trial_id, label, xv, yv in points:
        number = _number(yv)
        if number is None or xv is None or (isinstance(xv, float) and not math.isfinite(xv)):
            continue
        rows.append(
            {
                "trial": label,
                "id": trial_id,
                "x": xv,
                "y": number,
                "group": "compared" if trial_id in highlight else "other trials",
            }
        )
    if not rows:
        return None
    numeric = all(_number(r["x"]) is not None for r in rows)
    if not numeric:
        for row in rows:
            row["x"] = str(row["x"])
    log = numeric and log_scaled(float(r["x"]) for r in rows)
    x_encoding: dict[str, Any] = {
        "field": "x",
        "type": "quantitative" if numeric else "nominal",
        "title": x + (" (log)" if log else ""),
    }
    if numeric:
        x_encoding["scale"] = {"type": "log", "nice": True} if log else {"zero": False}
    return {
        "$schema": SCHEMA,
        # SVG (its text can be read and styled); no export menu: vega-embed's has an unnamed
        # toggle that screen readers cannot announce.
        "usermeta": {"embedOptions": {"actions": False, "renderer": "svg"}},
        "description": f"{y} against {x} for each trial",
        "data": {"values": rows},
        **_width(width),
        "height": 220,
        "mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.8, "clip": False},
        "encoding": {
            "x": x_encoding,
            "y": {
                "field": "y",
                "type": "quantitative",
                "title": y,
                "scale": {"zero": False, "nice": True, "padding": 8},
            },
            "color": {
                "field": "group",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom"},
            },
            "shape": {"field": "group", "type": "nominal", "title": None},
            "tooltip": [
                {"field": "trial"},
                {"field": "x", "title": x, **({"format": ".4~g"} if numeric else {})},
                {"field": "y", "title": y, "format": ".4~g"},
            ],
        },
    }


def charts(
    trials: Sequence[Mapping[str, Any]], highlight: Sequence[int] = (), width: int | None = None
) -> dict[str, Any]:
    """Every chart of these trials: the parallel coordinates and, for each metric, a
    scatter against each hyperparameter (with a title naming both)."""
    columns = numeric_columns(trials)
    hyperparams = [name for role, name in columns if role == "hyperparam"]
    metrics = [name for role, name in columns if role == "metric"]
    scatters = []
    for y in metrics:
        for x in hyperparams:
            spec = scatter_spec(trials, x, y, highlight, width)
            if spec is not None:
                scatters.append({"title": f"{y} against {x}", "x": x, "y": y, "spec": spec})
    return {"parallel": parallel_spec(trials, width), "scatter": scatters}
