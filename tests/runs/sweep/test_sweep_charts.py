"""The Vega-Lite charts of a study: optimisation history and parallel coordinates."""

from __future__ import annotations

import json
from typing import Any

from nbprov.runs.sweep.charts import history_chart, parallel_chart


def summary() -> dict[str, Any]:
    history = [
        {"number": 0, "trial": 4, "state": "complete", "value": 0.2,
         "params": {"alpha": 1.0, "kind": "a"}, "best_so_far": 0.2},
        {"number": 1, "trial": 5, "state": "fail", "value": None,
         "params": {"alpha": 9.0, "kind": "<b>"}, "best_so_far": 0.2},
        {"number": 2, "trial": 6, "state": "complete", "value": 0.5,
         "params": {"alpha": 3.0, "kind": "<b>"}, "best_so_far": 0.5},
        {"number": 3, "trial": 7, "state": "complete", "value": float("nan"),
         "params": {"alpha": 2.0, "kind": "a"}, "best_so_far": 0.5},
    ]  # fmt: skip
    return {"study": "s", "metric": "r2", "history": history}


def test_history() -> None:
    chart = history_chart(summary())
    rows = chart["data"]["values"]
    assert [r["point"] for r in rows] == [0, 1, 2, 3]
    assert [r["value"] for r in rows] == [0.2, None, 0.5, None]  # NaN is not a value
    assert [r["best"] for r in rows] == [0.2, 0.2, 0.5, 0.5]
    assert chart["layer"][1]["mark"]["interpolate"] == "step-after"
    json.dumps(chart, allow_nan=False)  # strict JSON: a browser parses it


def test_parallel_coordinates() -> None:
    chart = parallel_chart(summary())
    rows = chart["data"]["values"]
    # Finished points with a value only; an axis per parameter, then the metric.
    assert {r["point"] for r in rows} == {0, 2}
    assert chart["encoding"]["x"]["sort"] == ["alpha", "kind", "r2"]
    scaled = {(r["axis"], r["point"]): r["scaled"] for r in rows}
    assert scaled[("alpha", 0)] == 0.0 and scaled[("alpha", 2)] == 1.0
    assert scaled[("r2", 0)] == 0.0 and scaled[("r2", 2)] == 1.0
    # Categories are spread by their order; their text stays data, never markup.
    assert {scaled[("kind", 0)], scaled[("kind", 2)]} == {0.0, 1.0}
    assert any(r["value"] == "<b>" for r in rows)
    json.dumps(chart, allow_nan=False)
