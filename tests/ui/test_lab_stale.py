"""Editing a cell marks the cells that read from it as stale, with the reason; a command
runs the edited and stale cells in order."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LabServer, screenshot
from test_lab import NB, TIMEOUT_MS, Cells, _notebook, _open, _run_all

pytestmark = pytest.mark.timeout(300)

CELLS: Cells = [
    ("load", "%load_ext nbprov", {}),
    ("a", "x = 1", {}),
    ("b", "y = x + 1", {}),
    ("c", "z = y * 2", {}),
    ("d", "w = 5", {}),
]


def _markers(page: Any) -> list[str | None]:
    result: list[str | None] = page.evaluate(
        f"""() => [...document.querySelectorAll('{NB} .jp-CodeCell')].map(cell => {{
            const m = cell.querySelector('.jp-nbprov-stale');
            return m ? m.title : null;
        }})"""
    )
    return result


def test_edit_marks_dependents_stale(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "stale.ipynb").write_text(_notebook(CELLS))
    _open(page, lab, "stale.ipynb")
    _run_all(page)
    page.wait_for_timeout(2500)  # the kernel's writes, and the lab's refreshes after them
    page.evaluate(
        """() => {
            const cell = window.jupyterapp.shell.currentWidget.content.widgets[1];
            cell.model.sharedModel.setSource('x = 10');
        }"""
    )
    page.wait_for_selector(f"{NB} .jp-CodeCell:nth-child(3) .jp-nbprov-stale", timeout=TIMEOUT_MS)
    markers = _markers(page)
    assert markers[0] is None and markers[1] is None  # the edited cell says "edited"
    assert "reads `x` from cell [2], edited" in (markers[2] or ""), markers
    assert "reads `y` from cell [3], stale" in (markers[3] or ""), markers
    assert markers[4] is None, "a cell that reads nothing edited is not stale"
    screenshot(page, "stale-cells")

    page.evaluate("() => window.jupyterapp.commands.execute('nbprov:run-stale')")
    page.wait_for_function(
        f"""() => {{
            const prompts = [...document.querySelectorAll('{NB} .jp-CodeCell .jp-InputPrompt')];
            return prompts[3] && prompts[3].textContent.includes('[8]');
        }}""",
        timeout=TIMEOUT_MS,
    )
    prompts = page.evaluate(
        f"""() => [...document.querySelectorAll('{NB} .jp-CodeCell .jp-InputPrompt')]
            .map(p => p.textContent.trim())"""
    )
    # The edited cell and the two stale ones ran again, in order; the unrelated one did not.
    assert prompts[1:] == ["[6]:", "[7]:", "[8]:", "[5]:"], prompts
    page.wait_for_selector(f"{NB} .jp-nbprov-stale", state="detached", timeout=TIMEOUT_MS)
