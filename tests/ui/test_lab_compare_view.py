"""The panel's comparison: named columns, each trial against a chosen baseline with
absolute and relative change, better/worse by the metric's direction, code rows with
their first line."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LabServer, screenshot
from test_lab import TIMEOUT_MS, Cells, _notebook, _open, _open_panel, _run_all, _wait_for_text

pytestmark = pytest.mark.timeout(300)


def _cells(alpha: float, name: str) -> Cells:
    return [
        ("load", f"%load_ext nbprov\n%trial name {name}", {}),
        ("alpha", f"alpha = {alpha}\n%tag_var alpha hyperparam", {"nbprov": {"stage": "features"}}),
        (
            "r2",
            "r2 = 1 - alpha / 4\nval_loss = alpha / 2\n%tag_var r2 metric --max\n"
            "%tag_var val_loss metric",
            {"nbprov": {"stage": "evaluate"}},
        ),
    ]


def _rerun(page: Any, alpha: float, name: str) -> None:
    page.evaluate(
        """async ([alpha, name]) => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.widgets[0].model.sharedModel.setSource(
                `%load_ext nbprov\\n%trial name ${name}`);
            panel.content.widgets[1].model.sharedModel.setSource(
                `alpha = ${alpha}\\n%tag_var alpha hyperparam`);
            await panel.sessionContext.session.kernel.restart();
        }""",
        [alpha, name],
    )
    _run_all(page)


def test_comparison_against_a_baseline(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    status, info = lab.get("nbprov/api/info")
    assert status == 200, info
    (lab.root / "baseline.ipynb").write_text(_notebook(_cells(0.5, "base")))
    _open(page, lab, "baseline.ipynb")
    _run_all(page)
    _rerun(page, 0.25, "smaller")
    _rerun(page, 1.0, "larger")
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "larger")
    rows = panel.locator(".jp-nbprov-trials tbody tr")
    assert rows.count() == 3
    for index in range(3):
        rows.nth(index).locator("input[type=checkbox]").check()
    panel.locator(".jp-nbprov-compare-button").click()
    table = panel.locator(".jp-nbprov-compare")
    table.wait_for(timeout=TIMEOUT_MS)
    headers = table.locator("thead th").all_inner_texts()
    assert any("base" in h and "baseline" in h for h in headers), headers
    assert any("smaller" in h for h in headers) and any("larger" in h for h in headers)

    # Against "base" (alpha 0.5, r2 0.875): "smaller" has r2 0.9375, +7.1%, better;
    # its val_loss is lower, which is better too; "larger" is worse on both.
    def row(name: str) -> Any:
        return table.locator("tbody tr", has=page.locator(f"th:text-is('{name}')"))

    r2 = row("r2")
    assert "+0.0625 (+7.1%)" in r2.inner_text()
    cells = r2.locator("td")
    texts = cells.all_inner_texts()
    better = [
        i
        for i in range(cells.count())
        if "jp-nbprov-better" in (cells.nth(i).get_attribute("class") or "")
    ]
    worse = [
        i
        for i in range(cells.count())
        if "jp-nbprov-worse" in (cells.nth(i).get_attribute("class") or "")
    ]
    assert [texts[i] for i in better] and all("0.9375" in texts[i] for i in better), texts
    assert all("0.75" in texts[i] for i in worse) and worse, texts
    loss_cells = row("val_loss").locator("td")
    loss_better = [
        loss_cells.nth(i).inner_text()
        for i in range(loss_cells.count())
        if "jp-nbprov-better" in (loss_cells.nth(i).get_attribute("class") or "")
    ]
    assert loss_better and "0.125" in loss_better[0], loss_better
    # The tooltip says which way, as the server resolved it: r2 as tagged (--max),
    # val_loss from its name.
    assert r2.locator(".jp-nbprov-verdict").first.get_attribute("title") == (
        "better: higher is better (as tagged)"
    )
    assert row("val_loss").locator(".jp-nbprov-verdict").first.get_attribute("title") == (
        "better: lower is better (from its name)"
    )

    # Code rows name the cell by its first line.
    code = table.locator("tbody tr code.jp-nbprov-row-code").all_inner_texts()
    assert any(line.startswith("alpha = ") for line in code), code
    screenshot(page, "compare-baseline")

    # Another baseline: "larger" first, the others against it.
    larger = panel.locator(".jp-nbprov-baseline option", has_text="larger").get_attribute("value")
    panel.locator(".jp-nbprov-baseline").select_option(larger)
    page.wait_for_function(
        "() => document.querySelector('#nbprov-provenance-panel .jp-nbprov-compare thead')"
        ".textContent.match(/larger\\s*baseline/)",
        timeout=TIMEOUT_MS,
    )
    assert "better" in " ".join(
        c.get_attribute("class") or "" for c in row("r2").locator("td").all()
    )
