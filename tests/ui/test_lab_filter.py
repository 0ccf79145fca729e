"""The panel's trial filter (the language of ``nbprov trials --filter``, filtered by the
server) and a changed cell of the comparison opened on its diff and the why answer."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LabServer, screenshot
from test_lab import TIMEOUT_MS, _notebook, _open, _open_panel, _run_all, _wait_for_text
from test_lab_compare_view import _cells, _rerun
from test_lab_themes import _min_contrast, _set_theme

pytestmark = pytest.mark.timeout(300)


def test_filter_narrows_the_table_and_a_code_row_opens(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "filtered.ipynb").write_text(_notebook(_cells(0.5, "base")))
    _open(page, lab, "filtered.ipynb")
    _run_all(page)
    _rerun(page, 0.25, "smaller")
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "smaller")
    rows = panel.locator(".jp-nbprov-trials tbody tr")
    assert rows.count() == 2

    # r2 is 0.875 for "base" and 0.9375 for "smaller": the server keeps one.
    box = panel.locator(".jp-nbprov-filter")
    box.fill("metric.r2 > 0.9 and alpha < 1")
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'#nbprov-provenance-panel .jp-nbprov-trials tbody tr').length === 1",
        timeout=TIMEOUT_MS,
    )
    assert "smaller" in rows.first.inner_text()

    # A filter the server cannot parse: its one-line message under the box, every trial.
    box.fill("metric.r2 >")
    error = panel.locator(".jp-nbprov-filter-error")
    error.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert error.inner_text().startswith("cannot parse filter")
    assert box.get_attribute("aria-invalid") == "true"
    page.wait_for_function(
        "() => document.querySelectorAll("
        "'#nbprov-provenance-panel .jp-nbprov-trials tbody tr').length === 2",
        timeout=TIMEOUT_MS,
    )

    # Hide a column, then compare both trials and open the edited alpha cell.
    box.fill("")
    box.press("Enter")
    error.wait_for(state="hidden", timeout=TIMEOUT_MS)
    panel.locator(".jp-nbprov-columns summary").click()
    panel.locator("input[data-column='metric:val_loss']").uncheck()
    assert panel.locator(".jp-nbprov-trials th[data-key='metric:val_loss']").count() == 0
    assert panel.locator(".jp-nbprov-trials th[data-key='metric:r2']").count() == 1
    panel.locator(".jp-nbprov-columns summary").click()
    for index in range(2):
        rows.nth(index).locator("input[type=checkbox]").check()
    panel.locator(".jp-nbprov-compare-button").click()
    table = panel.locator(".jp-nbprov-compare")
    table.wait_for(timeout=TIMEOUT_MS)
    toggle = table.locator("button.jp-nbprov-code-toggle").first
    toggle.click()
    diff = table.locator(".jp-nbprov-code-detail .jp-nbprov-diff")
    diff.wait_for(timeout=TIMEOUT_MS)
    assert table.locator(".jp-nbprov-diff-removed").first.inner_text().startswith("-alpha = 0.5")
    assert table.locator(".jp-nbprov-diff-added").first.inner_text().startswith("+alpha = 0.25")
    why = table.locator(".jp-nbprov-code-detail .jp-nbprov-why").inner_text()
    assert "why r2 moved" in why and "code: alpha = 0.25" in why, why
    assert toggle.get_attribute("aria-expanded") == "true"
    panel.locator(".jp-nbprov-code-detail").scroll_into_view_if_needed()
    screenshot(page, "filter-and-code-change")

    # The added and removed lines read against their tints in the dark theme too.
    _set_theme(page, "dark")
    try:
        for kind in ("added", "removed"):
            ratio = _min_contrast(page, f".jp-nbprov-diff-{kind}")
            assert ratio >= 4.5, (kind, ratio)
        screenshot(page, "filter-and-code-change-dark")
    finally:
        _set_theme(page, "light")
