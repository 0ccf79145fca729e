"""The lineage graph in the panel: fitted and readable, zoomable, human tooltips, and cell
nodes that take you to their cell."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import LabServer, screenshot
from test_lab import NB, TIMEOUT_MS, Cells, _notebook, _open, _open_panel, _run_all

pytestmark = pytest.mark.timeout(300)

CELLS: Cells = [
    ("load", "%load_ext nbprov", {}),
    ("read", "%tag read\nimport math\ndata = list(range(1, 11))", {}),
    (
        "features",
        "%tag features\nimport statistics\nalpha = 0.5\n%tag_var alpha hyperparam\n"
        "scaled = [x * alpha for x in data]",
        {},
    ),
    ("score", "%tag score\nscore = sum(scaled) / len(scaled)\n%tag_var score metric", {}),
]


def _graph_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        """() => {
            const host = document.querySelector('#nbprov-provenance-panel .jp-nbprov-graph');
            const svg = host.querySelector('svg');
            const texts = [...svg.querySelectorAll('text')];
            return {
                hostWidth: host.clientWidth,
                svgWidth: svg.getBoundingClientRect().width,
                textHeight: Math.min(...texts.map(t => t.getBoundingClientRect().height)),
                titles: [...svg.querySelectorAll('title')].map(t => t.textContent),
                labels: texts.map(t => t.textContent),
            };
        }"""
    )
    return state


def test_lineage_graph_fits_links_and_zooms(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    status, info = lab.get("nbprov/api/info")
    assert status == 200, info
    (lab.root / "lineage.ipynb").write_text(_notebook(CELLS))
    _open(page, lab, "lineage.ipynb")
    _run_all(page)
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    width = panel.evaluate("node => node.getBoundingClientRect().width")
    assert width >= 420, f"the panel opens {width}px wide"
    panel.locator(".jp-nbprov-variable-select option[value='score']").wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    panel.locator(".jp-nbprov-variable-select").select_option("score")
    panel.locator(".jp-nbprov-graph-button").click()
    panel.locator(".jp-nbprov-graph svg .jp-nbprov-node-cell").first.wait_for(timeout=TIMEOUT_MS)
    state = _graph_state(page)
    # Fitted to the panel, and its labels readable (at least 8 px).
    assert state["svgWidth"] <= state["hostWidth"] + 1, state
    assert state["textHeight"] >= 8, state
    # Labels: the stage and the first line that is not a tag or an import.
    labels = " | ".join(state["labels"])
    assert "alpha = 0.5" in labels and "import statistics" not in labels, labels
    # Tooltips: no internal node ids (a2, v0) nor edges (a2->v0).
    for title in state["titles"]:
        assert not any(
            word.rstrip(".,:").isidentifier()
            and word[0] in "av"
            and word[1:].rstrip(".,:").isdigit()
            for word in title.split()
        ), title
        assert "->" not in title, title
    assert any(t.startswith("Cell [") for t in state["titles"]), state["titles"]
    screenshot(page, "lineage-panel-fitted")

    # Zoom: the + button enlarges the drawing, Fit brings it back.
    before = state["svgWidth"]
    panel.locator(".jp-nbprov-zoom-in").click()
    assert _graph_state(page)["svgWidth"] > before * 1.2
    panel.locator(".jp-nbprov-zoom-fit").click()
    assert abs(_graph_state(page)["svgWidth"] - before) < 2

    # A click on the "features" cell's node selects and shows that cell.
    page.evaluate("() => { window.jupyterapp.shell.currentWidget.content.activeCellIndex = 0; }")
    panel.locator(".jp-nbprov-graph .jp-nbprov-node-cell", has_text="features").first.click()
    page.wait_for_function(
        """() => {
            const cells = document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell');
            return cells[2] && cells[2].classList.contains('jp-mod-active');
        }""",
        timeout=TIMEOUT_MS,
    )
    assert panel.locator(".jp-nbprov-graph-note").inner_text() == ""

    # Once the cell is deleted, the click says so.
    page.evaluate(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.model.sharedModel.deleteCell(2);
        }"""
    )
    page.wait_for_function(
        f"() => document.querySelectorAll('{NB} .jp-Cell').length === 3", timeout=TIMEOUT_MS
    )
    panel.locator(".jp-nbprov-graph .jp-nbprov-node-cell", has_text="features").first.click()
    note = panel.locator(".jp-nbprov-graph-note")
    assert "no longer in the notebook" in note.inner_text()
    screenshot(page, "lineage-cell-gone")

    # In a tab, the graph is drawn at full size at least (10 pt labels, not 6 px).
    panel.locator(".jp-nbprov-large-button").click()
    page.locator(".jp-nbprov-graph-main svg").wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(300)
    height = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll(
            '.jp-nbprov-graph-main svg text')].map(t => t.getBoundingClientRect().height))"""
    )
    assert height >= 10, height
    screenshot(page, "lineage-tab")


HISTORY_CELLS: Cells = [
    ("load", "%load_ext nbprov", {}),
    ("read", "%tag read\ndata = list(range(1, 11))\nlabel = '<b>raw</b>'", {}),
    ("features", "%tag features\nalpha = 0.5\n%tag_var alpha hyperparam", {}),
    ("retune", "alpha = alpha * 2", {}),
    (
        "score",
        "%tag score\nscore = sum(x * alpha for x in data) / len(label)\n%tag_var score metric",
        {},
    ),
]


def test_a_variable_node_shows_its_value_and_history(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "history.ipynb").write_text(_notebook(HISTORY_CELLS))
    _open(page, lab, "history.ipynb")
    _run_all(page)
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    panel.locator(".jp-nbprov-variable-select option[value='score']").wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    panel.locator(".jp-nbprov-variable-select").select_option("score")
    panel.locator(".jp-nbprov-graph-button").click()
    graph = panel.locator(".jp-nbprov-graph")
    # Both versions of alpha are nodes; the one the score used is the retuned one.
    nodes = graph.locator("[role='button'][aria-label^='Variable alpha, recorded at cell']")
    nodes.first.wait_for(timeout=TIMEOUT_MS)
    assert nodes.count() == 2
    alpha = nodes.filter(has_text="alpha = 1.0")
    name = alpha.get_attribute("aria-label")
    assert name is not None and name.startswith("Variable alpha, recorded at cell")
    count = name.rsplit(" ", 1)[1]
    alpha.focus()
    page.keyboard.press("Enter")
    detail = panel.locator(".jp-nbprov-variable-detail")
    detail.locator("tbody tr").first.wait_for(timeout=TIMEOUT_MS)
    assert detail.locator(".jp-nbprov-variable-title").inner_text() == f"alpha at cell [{count}]"
    assert detail.locator(".jp-nbprov-variable-role").inner_text() == "Tagged hyperparam"
    assert detail.locator(".jp-nbprov-variable-value pre").inner_text() == "1.0"
    rows = detail.locator("tbody tr")
    assert rows.count() == 2
    assert rows.nth(0).locator("td").nth(1).inner_text() == "0.5"
    assert rows.nth(1).get_attribute("aria-current") == "true"
    assert rows.nth(1).locator("td").nth(0).inner_text() == f"[{count}]"
    assert detail.evaluate(
        "node => node.getBoundingClientRect().bottom <= window.innerHeight + 1"
    ), "the details scroll into view"
    screenshot(page, "lineage-variable-history")

    # An untagged variable's text stays out of the store, and the details say so.
    graph.locator("[role='button'][aria-label^='Variable label,']").click()
    page.wait_for_function(
        """() => document.querySelector(
            '#nbprov-provenance-panel .jp-nbprov-variable-title')?.textContent
            .startsWith('label ')""",
        timeout=TIMEOUT_MS,
    )
    detail.locator(".jp-nbprov-variable-value pre").wait_for(timeout=TIMEOUT_MS)
    assert detail.locator(".jp-nbprov-variable-role").inner_text().startswith("untagged:")
    assert detail.locator(".jp-nbprov-variable-value pre").inner_text() == "str len 10"
    assert "<b>" not in detail.inner_text()
    detail.locator(".jp-nbprov-variable-close").click()
    detail.wait_for(state="hidden", timeout=TIMEOUT_MS)
