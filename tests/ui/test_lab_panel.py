"""The panel at its size: width, scroll kept on sort, tooltips on cut names, state per
notebook, and trials written elsewhere appearing without Refresh."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

import pytest
from conftest import REPO, LabServer, screenshot
from test_lab import TIMEOUT_MS, Cells, _notebook, _open, _open_panel, _run_all

pytestmark = pytest.mark.timeout(300)

LONG_NAME = "grid-search-with-a-rather-long-descriptive-trial-name"
WIDE: Cells = [
    ("load", f"%load_ext nbprov\n%trial name {LONG_NAME}", {}),
    (
        "params",
        "\n".join(f"learning_parameter_{i} = {i}" for i in range(10))
        + "\n"
        + "\n".join(f"%tag_var learning_parameter_{i} hyperparam" for i in range(10)),
        {},
    ),
    ("metric", "validation_score = 0.5\n%tag_var validation_score metric", {}),
]

OTHER_PROCESS = """
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance()
shell.run_cell("%load_ext nbprov", store_history=True, cell_id="load")
shell.run_cell("validation_score = 0.75\\n%tag_var validation_score metric",
               store_history=True, cell_id="metric")
shell.run_cell("%unload_ext nbprov")
"""


def test_panel_at_its_size(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "wide.ipynb").write_text(_notebook(WIDE))
    (lab.root / "other.ipynb").write_text(_notebook([("a", "x = 1", {})]))
    _open(page, lab, "wide.ipynb")
    _run_all(page)
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    assert panel.evaluate("node => node.getBoundingClientRect().width") >= 420
    row = panel.locator(".jp-nbprov-trials tbody tr").first
    row.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelector('#nbprov-provenance-panel .jp-nbprov-trials')"
        ".textContent.includes('validation_score')",
        timeout=TIMEOUT_MS,
    )

    # A long name is cut in the table; its tooltip has it whole.
    name_cell = panel.locator(f".jp-nbprov-trials td[title='{LONG_NAME}']")
    assert name_cell.count() == 1
    assert name_cell.evaluate("td => td.scrollWidth > td.clientWidth")

    # Sorting keeps the horizontal scroll.
    scroller = panel.locator(".jp-nbprov-trials").locator("xpath=..")
    scroller.evaluate("div => { div.scrollLeft = 300; }")
    before = scroller.evaluate("div => div.scrollLeft")
    assert before > 100
    # (clicked from script: a pointer click would first scroll the header into view)
    panel.locator(".jp-nbprov-trials thead th[data-key='id'] button").evaluate("b => b.click()")
    assert panel.locator(".jp-nbprov-trials thead th[data-key='id']").get_attribute("aria-sort")
    after = panel.locator(".jp-nbprov-trials").locator("xpath=..").evaluate("d => d.scrollLeft")
    assert after == before

    # A pick survives a visit to another notebook.
    row.locator("input[type=checkbox]").check()
    page.evaluate(
        "() => window.jupyterapp.commands.execute('docmanager:open', {path: 'other.ipynb'})"
    )
    page.wait_for_function(
        "() => document.querySelector('#nbprov-provenance-panel .jp-nbprov-subtitle')"
        ".textContent.startsWith('other.ipynb')",
        timeout=TIMEOUT_MS,
    )
    page.evaluate(
        "() => window.jupyterapp.commands.execute('docmanager:open', {path: 'wide.ipynb'})"
    )
    page.wait_for_function(
        "() => document.querySelector('#nbprov-provenance-panel .jp-nbprov-subtitle')"
        ".textContent.startsWith('wide.ipynb')",
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(300)
    assert panel.locator(".jp-nbprov-trials tbody input[type=checkbox]").first.is_checked()

    # A trial written by another process shows up without Refresh, within about 2 s.
    status, reply = lab.get("nbprov/api/trials?notebook=wide.ipynb")
    assert status == 200, reply
    env = dict(os.environ, NBPROV_DB=str(lab.db), NBPROV_NOTEBOOK=reply["trials"][0]["notebook"])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS], env=env, cwd=lab.root, check=True, timeout=120
    )
    written = time.monotonic()
    panel.locator(".jp-nbprov-trials tbody tr").nth(1).wait_for(timeout=5_000)
    elapsed = time.monotonic() - written
    print(f"\nlive update: a trial written elsewhere listed after {elapsed:.2f} s")
    assert elapsed < 3.0
    screenshot(page, "panel-live-update")
