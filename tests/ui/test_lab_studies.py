"""Searches in the panel: the studies ``nbprov sweep`` kept in the store, the chosen one's
best value and its two Vega-Lite charts (optimisation history, parallel coordinates)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from conftest import LabServer, screenshot
from support import ENTRY
from test_lab import TIMEOUT_MS, Cells, _notebook, _open, _open_panel, _wait_for_text

pytestmark = pytest.mark.timeout(300)

CELLS: Cells = [
    ("params", "alpha = 1.0", {"tags": ["parameters"]}),
    ("tags", "%tag_var alpha hyperparam\n%tag_var r2 metric", {}),
    ("r2", "r2 = 1 / (1 + alpha)", {}),
]


def test_a_search_and_its_charts_in_the_panel(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "search.ipynb").write_text(_notebook(CELLS))
    done = subprocess.run(
        [sys.executable, "-c", ENTRY, "sweep", "search.ipynb", "--param", "alpha=0.1,1",
         "--sampler", "grid", "--metric", "r2", "--name", "lab-search", "-q",
         "--db", str(lab.db)],
        cwd=lab.root, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    status, reply = lab.get("nbprov/api/studies")
    assert status == 200 and reply["studies"] == ["lab-search"], reply

    _open(page, lab, "search.ipynb")
    _open_panel(page)
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "lab-search")
    panel = page.locator("#nbprov-provenance-panel")
    section = panel.locator(".jp-nbprov-studies")
    section.wait_for(state="visible", timeout=TIMEOUT_MS)
    section.locator(".jp-nbprov-study-select").select_option("lab-search")
    section.locator(".jp-nbprov-study-history svg").wait_for(timeout=TIMEOUT_MS)
    section.locator(".jp-nbprov-study-parallel svg").wait_for(timeout=TIMEOUT_MS)
    best = section.locator(".jp-nbprov-study-best").text_content() or ""
    assert "best r2 = 0.909" in best and "alpha = 0.1" in best, best
    screenshot(page, "studies")
