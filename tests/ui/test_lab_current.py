""" "Current" is the trial of the notebook's own kernel, not the notebook's latest trial.

A second process records a trial of the same notebook while the lab's kernel is alive:
the panel lists it, but the bold "current" row, the lineage picker and the cells'
edited markers keep following the lab kernel's trial.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import pytest
from conftest import REPO, LabServer, screenshot
from test_lab import NB, TIMEOUT_MS, Cells, _badge_of, _notebook, _open, _open_panel, _run_all

pytestmark = pytest.mark.timeout(300)

CELLS: Cells = [
    ("load", "%load_ext nbprov", {}),
    ("alpha", "alpha = 0.5\n%tag_var alpha hyperparam", {"nbprov": {"stage": "features"}}),
    ("r2", "r2 = 1 - alpha / 4\n%tag_var r2 metric", {"nbprov": {"stage": "evaluate"}}),
]

# Another process: an IPython shell recording the same notebook, with another alpha.
OTHER_PROCESS = textwrap.dedent(
    """
    from IPython.core.interactiveshell import InteractiveShell
    shell = InteractiveShell.instance()
    for cell_id, source in [
        ("load", "%load_ext nbprov"),
        ("alpha", "alpha = 0.25\\n%tag_var alpha hyperparam"),
        ("r2", "r2 = 1 - alpha / 4\\n%tag_var r2 metric"),
    ]:
        shell.run_cell(source, store_history=True, cell_id=cell_id)
    shell.run_cell("%unload_ext nbprov")
    """
)


def _trials(lab: LabServer) -> list[dict[str, Any]]:
    status, reply = lab.get("nbprov/api/trials?notebook=current.ipynb")
    assert status == 200, reply
    trials: list[dict[str, Any]] = reply["trials"]
    return trials


def test_current_is_this_kernels_trial(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "current.ipynb").write_text(_notebook(CELLS))
    _open(page, lab, "current.ipynb")
    _run_all(page)
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    panel.locator(".jp-nbprov-trials tr.jp-nbprov-current").wait_for(timeout=TIMEOUT_MS)
    (mine,) = _trials(lab)
    assert panel.locator("tr.jp-nbprov-current").get_attribute("data-trial") == str(mine["id"])

    env = dict(os.environ, NBPROV_DB=str(lab.db), NBPROV_NOTEBOOK=mine["notebook"])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    subprocess.run(
        [sys.executable, "-c", OTHER_PROCESS], env=env, cwd=lab.root, check=True, timeout=120
    )
    others = [t for t in _trials(lab) if t["id"] != mine["id"]]
    assert len(others) == 1, "the other process's trial is this notebook's too"
    other = others[0]
    assert other["started_at"] > mine["started_at"]

    panel.locator("button", has_text="Refresh").click()
    panel.locator(f".jp-nbprov-trials tr[data-trial='{other['id']}']").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)
    current = panel.locator(".jp-nbprov-trials tr.jp-nbprov-current")
    assert current.count() == 1
    assert current.get_attribute("data-trial") == str(mine["id"])
    assert "kernel" in current.inner_text()
    assert "another" in (
        panel.locator(f"tr[data-trial='{other['id']}']").get_attribute("title") or ""
    )
    assert panel.locator(".jp-nbprov-trial-select").input_value() == str(mine["id"])
    # The edited markers compare with this kernel's trial, which ran alpha = 0.5 as the
    # notebook shows it (the other process ran alpha = 0.25).
    assert not _badge_of(page, 1)["changed"]
    screenshot(page, "current-kernel-trial")

    # A new trial in this kernel becomes current.
    page.evaluate(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.activeCellIndex = 0;
            panel.content.widgets[0].model.sharedModel.setSource('%trial new again');
            return window.jupyterapp.commands.execute('notebook:run-cell');
        }"""
    )
    page.wait_for_function(
        """(old) => {
            const row = document.querySelector(
                '#nbprov-provenance-panel .jp-nbprov-trials tr.jp-nbprov-current');
            return row && !old.includes(row.dataset.trial);
        }""",
        arg=[str(mine["id"]), str(other["id"])],
        timeout=TIMEOUT_MS,
    )
    assert page.locator(f"{NB} .jp-Cell").count() == 3
