"""Vega-Lite charts in the panel: parallel coordinates across the notebook's trials and a
metric against a log-spaced hyperparameter on a log axis, with a legend, unclipped."""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import LabServer, screenshot
from test_lab import TIMEOUT_MS, Cells, _notebook, _open, _open_panel, _run_all, _wait_for_text

pytestmark = pytest.mark.timeout(300)

ALPHAS = [0.001, 0.1, 10.0]


def _cells(alpha: float) -> Cells:
    return [
        ("load", "%load_ext nbprov", {}),
        ("alpha", f"alpha = {alpha}\n%tag_var alpha hyperparam", {}),
        ("r2", "r2 = 1 / (1 + alpha)\n%tag_var r2 metric", {}),
    ]


def test_charts_in_the_panel(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "charts.ipynb").write_text(_notebook(_cells(ALPHAS[0])))
    _open(page, lab, "charts.ipynb")
    _run_all(page)
    for alpha in ALPHAS[1:]:
        page.evaluate(
            """async (alpha) => {
                const panel = window.jupyterapp.shell.currentWidget;
                panel.content.widgets[1].model.sharedModel.setSource(
                    `alpha = ${alpha}\\n%tag_var alpha hyperparam`);
                await panel.sessionContext.session.kernel.restart();
            }""",
            alpha,
        )
        _run_all(page)
    # The kernels write in the background: wait until the three trials have their values.
    deadline = time.monotonic() + 30
    while True:
        status, reply = lab.get("nbprov/api/charts?notebook=charts.ipynb")
        assert status == 200, reply
        points = reply["scatter"][0]["spec"]["data"]["values"] if reply["scatter"] else []
        if len(points) == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert reply["parallel"] is not None
    assert reply["scatter"][0]["spec"]["encoding"]["x"]["scale"].get("type") == "log", reply

    started = time.monotonic()
    _open_panel(page)
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "10")
    panel = page.locator("#nbprov-provenance-panel")
    scatter = panel.locator(".jp-nbprov-scatter svg")
    scatter.wait_for(timeout=TIMEOUT_MS)
    panel.locator(".jp-nbprov-parallel svg").wait_for(timeout=TIMEOUT_MS)
    print(f"\ncharts drawn {time.monotonic() - started:.2f} s after the panel opened")
    # Log axis: ticks are powers of ten, not 2.58 / 5.05 / 7.53.
    ticks = scatter.locator(".role-axis-label text").all_text_contents()
    assert any(t in ("0.001", "0.01", "1", "10") for t in ticks), ticks
    # A legend, and every point inside the drawing.
    assert scatter.locator(".role-legend").count() >= 1
    inside = page.evaluate(
        """() => {
            const svg = document.querySelector('#nbprov-provenance-panel .jp-nbprov-scatter svg');
            const box = svg.getBoundingClientRect();
            const marks = [...svg.querySelectorAll('.role-mark path')];
            return marks.length > 0 && marks.every(m => {
                const r = m.getBoundingClientRect();
                return r.left >= box.left - 1 && r.right <= box.right + 1
                    && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
            });
        }"""
    )
    assert inside
    # Axis text takes the theme's text colour (Vega's default grey would not follow it).
    colours = page.evaluate(
        """() => {
            const text = document.querySelector(
                '#nbprov-provenance-panel .jp-nbprov-scatter .role-axis-label text');
            const probe = document.createElement('span');
            probe.style.color = 'var(--jp-ui-font-color1)';
            document.body.append(probe);
            const theme = getComputedStyle(probe).color;
            probe.remove();
            return [getComputedStyle(text).fill, theme];
        }"""
    )
    assert colours[0] == colours[1], colours
    panel.locator(".jp-nbprov-charts").scroll_into_view_if_needed()
    screenshot(page, "charts-panel")
