"""The panel can be found: a View-menu entry and a notebook toolbar button open it."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LabServer, screenshot
from test_lab import NB, TIMEOUT_MS, _notebook, _open

pytestmark = pytest.mark.timeout(300)


def test_view_menu_and_toolbar_open_the_panel(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "discover.ipynb").write_text(_notebook([("a", "x = 1", {})]))
    _open(page, lab, "discover.ipynb")
    panel = page.locator("#nbprov-provenance-panel")
    assert not panel.is_visible()

    page.locator(".lm-MenuBar-itemLabel", has_text="View").click()
    item = page.locator(".lm-Menu-item", has_text="Show Provenance Panel")
    item.wait_for(timeout=TIMEOUT_MS)
    screenshot(page, "discover-view-menu")
    item.click()
    panel.wait_for(state="visible", timeout=TIMEOUT_MS)

    # Close the side bar, then open the panel again from the notebook's toolbar.
    page.evaluate("() => window.jupyterapp.shell.collapseRight()")
    panel.wait_for(state="hidden", timeout=TIMEOUT_MS)
    button = page.locator(f"{NB} .jp-Toolbar [data-command='nbprov:open-panel']")
    button.wait_for(timeout=TIMEOUT_MS)
    # Its tooltip (the command's caption) says what it opens.
    assert "Provenance" in button.evaluate(
        "el => [el, ...el.querySelectorAll('*')].map(e => e.getAttribute('title') || '').join(' ')"
    )
    button.locator("button").click()
    panel.wait_for(state="visible", timeout=TIMEOUT_MS)
