"""Vega-Lite specs of trials: parallel coordinates and scatter plots with log axes."""

from __future__ import annotations

import json
import math

from nbprov.render.vegalite import charts, log_scaled, parallel_spec, scatter_spec

GRID = [
    {
        "id": i + 1,
        "name": f"a{alpha:g}",
        "hyperparams": {"alpha": alpha, "solver": "lbfgs"},
        "metrics": {"r2": 0.5 - i * 0.01, "mse": 3000 + i},
    }
    for i, alpha in enumerate([0.001, 0.01, 0.1, 1.0, 10.0, 100.0])
]


def test_scatter_uses_a_log_axis_for_log_spaced_values() -> None:
    spec = scatter_spec(GRID, "alpha", "r2", highlight=[1, 2])
    assert spec is not None
    x = spec["encoding"]["x"]
    assert x["scale"]["type"] == "log" and x["title"] == "alpha (log)"
    assert len(spec["data"]["values"]) == 6
    assert spec["encoding"]["x"]["field"] == "x" and spec["encoding"]["x"]["type"] == "quantitative"
    assert spec["mark"]["clip"] is False
    assert {p["group"] for p in spec["data"]["values"]} == {"compared", "other trials"}
    assert spec["encoding"]["color"]["field"] == "group"  # a legend
    linear = scatter_spec(
        [{**t, "hyperparams": {"alpha": 1 + t["id"]}} for t in GRID], "alpha", "r2"
    )
    assert linear is not None and linear["encoding"]["x"]["scale"].get("type") is None
    json.dumps(spec)  # JSON-ready


def test_parallel_coordinates_cover_numeric_hyperparams_and_metrics() -> None:
    spec = parallel_spec(GRID)
    assert spec is not None
    axes = {v["axis"] for v in spec["data"]["values"]}
    assert axes == {"alpha", "r2", "mse"}  # "solver" is not a number
    # alpha spans five decades: its axis is scaled by the logarithm, and says so.
    assert spec["encoding"]["x"]["sort"] == ["alpha (log)", "r2", "mse"]
    alpha = [v for v in spec["data"]["values"] if v["axis"] == "alpha"]
    assert [(v["value"], v["scaled"]) for v in alpha[:2]] == [(0.001, -3.0), (0.01, -2.0)]
    r2 = [v for v in spec["data"]["values"] if v["axis"] == "r2"]
    assert all(v["scaled"] == v["value"] and v["label"] == "r2" for v in r2)
    assert parallel_spec(GRID[:1]) is None
    # Coloured by the first metric: each of a trial's points carries that trial's r2.
    line = spec["layer"][1]
    assert line["mark"]["type"] == "line" and line["encoding"]["detail"]["field"] == "id"
    assert line["encoding"]["color"]["field"] == "shade"
    assert line["encoding"]["color"]["title"] == "r2"
    assert {(v["id"], v["shade"]) for v in spec["data"]["values"]} == {
        (t["id"], t["metrics"]["r2"]) for t in GRID
    }
    fixed = parallel_spec(GRID, width=300)
    assert spec["width"] == "container" and fixed is not None and fixed["width"] == 300
    # Without a metric, each trial its own colour.
    hyper_only = [{**t, "metrics": {}, "hyperparams": {"a": t["id"], "b": 1}} for t in GRID]
    plain = parallel_spec(hyper_only)
    assert plain is not None and plain["layer"][1]["encoding"]["color"]["field"] == "trial"


def test_bad_values_are_left_out() -> None:
    trials = [
        {"id": 1, "hyperparams": {"alpha": math.nan}, "metrics": {"r2": 0.1}},
        {"id": 2, "hyperparams": {"alpha": True}, "metrics": {"r2": math.inf}},
        {"id": 3, "hyperparams": {"alpha": 0.5}, "metrics": {"r2": 0.2}},
    ]
    spec = scatter_spec(trials, "alpha", "r2")
    assert spec is not None and [p["id"] for p in spec["data"]["values"]] == [3]
    assert not log_scaled([0.0, 10.0, 1000.0]) and log_scaled([0.01, 10.0])
    found = charts(GRID)
    assert [c["title"] for c in found["scatter"]] == ["r2 against alpha", "mse against alpha"]


def test_categories_and_escaping_are_data_not_markup() -> None:
    from nbprov.render.vegalite import points_spec

    spec = points_spec([(1, "#1", "<b>lbfgs</b>", 0.5), (2, "#2", "saga", 0.6)], "solver", "r2")
    assert spec is not None and spec["encoding"]["x"]["type"] == "nominal"
    assert [p["x"] for p in spec["data"]["values"]] == ["<b>lbfgs</b>", "saga"]
    assert points_spec([(1, "#1", 0.1, "n/a")], "a", "b") is None
