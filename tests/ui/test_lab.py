"""nbprov in a real JupyterLab in headless Chromium: badges, the panel, graphs.

Screenshots (1280 x 800) go to test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import LabServer, screenshot

pytestmark = pytest.mark.timeout(300)

TIMEOUT_MS = 60_000
# The notebook on show (earlier notebooks may still be open behind it).
NB = ".jp-NotebookPanel:not(.lm-mod-hidden)"


Cells = list[tuple[str, str, dict[str, Any]]]


def _notebook(cells: Cells) -> str:
    """An nbformat 4.5 notebook of code cells with the given ids, sources and metadata."""
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {
                "kernelspec": {
                    "name": "python3",
                    "display_name": "Python 3",
                    "language": "python",
                }
            },
            "cells": [
                {
                    "cell_type": "code",
                    "id": cell_id,
                    "source": source,
                    "metadata": metadata,
                    "outputs": [],
                    "execution_count": None,
                }
                for cell_id, source, metadata in cells
            ],
        }
    )


EXPERIMENT: Cells = [
    ("load", "%load_ext nbprov", {}),
    ("read", "%tag read\ndata = list(range(1, 11))", {}),
    (
        "features",
        "%tag features\nalpha = 0.5\n%tag_var alpha hyperparam\nscaled = [x * alpha for x in data]",
        {},
    ),
    # The stage of this cell comes from its metadata only: it must reach the kernel.
    (
        "score",
        "score = sum(scaled) / len(scaled)\n%tag_var score metric",
        {"nbprov": {"stage": "score"}},
    ),
    ("show", "print(round(score, 3))", {}),
]


def _open(page: Any, lab: LabServer, path: str) -> None:
    page.goto(f"{lab.url}lab/tree/{path}?reset&token={lab.token}")
    page.wait_for_selector(f"{NB} .jp-Cell", timeout=TIMEOUT_MS)
    # Wait for the kernel to be ready before running anything.
    page.wait_for_function(
        """() => {
            const app = window.jupyterapp;
            const panel = app && app.shell.currentWidget;
            const kernel = panel && panel.sessionContext && panel.sessionContext.session
                && panel.sessionContext.session.kernel;
            return Boolean(kernel) && kernel.status === 'idle';
        }""",
        timeout=TIMEOUT_MS,
    )


def _run_all(page: Any) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait_idle(page)


def _wait_idle(page: Any) -> None:
    page.wait_for_function(
        """() => {
            const prompts = [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
            return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
        }""",
        timeout=TIMEOUT_MS,
    )


def _badge_of(page: Any, index: int) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(
        """(index) => {
            const cell = document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')[index];
            const badges = cell && cell.querySelector('.jp-nbprov-badges');
            return {
                stage: badges && badges.querySelector('.jp-nbprov-stage')
                    ? badges.querySelector('.jp-nbprov-stage').textContent : null,
                changed: Boolean(badges && badges.querySelector('.jp-nbprov-changed')),
            };
        }""",
        index,
    )
    return result


def _wait_for_text(page: Any, selector: str, text: str) -> None:
    """Wait until the element shows the text, pressing the panel's Refresh now and then
    (the kernel writes to the store in the background)."""
    for _ in range(6):
        try:
            page.wait_for_function(
                "([s, t]) => (document.querySelector(s)?.textContent ?? '').includes(t)",
                arg=[selector, text],
                timeout=10_000,
            )
            return
        except Exception:
            page.locator("#nbprov-provenance-panel button", has_text="Refresh").click()
    raise AssertionError(f"{selector} never showed {text!r}")


def _open_panel(page: Any) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('nbprov:open-panel')")
    page.wait_for_selector("#nbprov-provenance-panel", state="visible", timeout=TIMEOUT_MS)


def test_badges_panel_and_lineage(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "experiment.ipynb").write_text(_notebook(EXPERIMENT))
    _open(page, lab, "experiment.ipynb")

    # Stages show before anything runs: from %tag in the code and from metadata.
    page.wait_for_selector(".jp-nbprov-stage", timeout=TIMEOUT_MS)
    assert [_badge_of(page, i)["stage"] for i in range(5)] == [
        None,
        "read",
        "features",
        "score",
        None,
    ]

    _run_all(page)
    _open_panel(page)
    rows = page.locator("#nbprov-provenance-panel .jp-nbprov-trials tbody tr")
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "2.75")
    assert rows.count() == 1
    headers = page.locator("#nbprov-provenance-panel .jp-nbprov-trials thead th").all_inner_texts()
    assert any(h.startswith("alpha") for h in headers)
    assert any(h.startswith("score") for h in headers)
    row_text = rows.first.inner_text()
    assert "0.5" in row_text and "2.75" in row_text
    screenshot(page, "01-badges-and-trials")

    # The kernel recorded each cell's stage, the metadata-only one included.
    status, trials = lab.get("nbprov/api/trials?notebook=experiment.ipynb")
    assert status == 200, trials
    trial_id = trials["trials"][0]["id"]
    status, detail = lab.get(f"nbprov/api/trials/{trial_id}?notebook=experiment.ipynb")
    assert status == 200, detail
    stages = {a["cell_id"]: a["stage"] for a in detail["activations"]}
    assert stages["read"] == "read"
    assert stages["features"] == "features"
    assert stages["score"] == "score", "a stage set in cell metadata reaches the kernel"

    # Editing a cell that ran marks it as changed since the trial ran it.
    assert not _badge_of(page, 2)["changed"]
    page.evaluate(
        """() => {
            const panel = window.jupyterapp.shell.currentWidget;
            const cell = panel.content.widgets[2];
            cell.model.sharedModel.setSource(
                cell.model.sharedModel.getSource().replace('0.5', '0.25'));
        }"""
    )
    page.wait_for_selector(f"{NB} .jp-CodeCell:nth-child(3) .jp-nbprov-changed", timeout=TIMEOUT_MS)
    assert _badge_of(page, 2)["changed"]
    assert not _badge_of(page, 1)["changed"]
    screenshot(page, "02-edited-cell-marker")

    # Running the edited cell makes it the version the trial ran: the marker goes.
    page.evaluate(
        """() => {
            const app = window.jupyterapp;
            app.shell.currentWidget.content.activeCellIndex = 2;
            return app.commands.execute('notebook:run-cell');
        }"""
    )
    page.wait_for_selector(
        f"{NB} .jp-CodeCell:nth-child(3) .jp-nbprov-changed", state="detached", timeout=TIMEOUT_MS
    )
    assert _badge_of(page, 2) == {"stage": "features", "changed": False}


def test_stage_command_sets_metadata_and_badge(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "stages.ipynb").write_text(_notebook([("a", "x = 1", {}), ("b", "y = x + 1", {})]))
    _open(page, lab, "stages.ipynb")
    # Select the second cell and set its stage through the command palette.
    page.locator(f"{NB} .jp-CodeCell").nth(1).locator(".jp-InputPrompt").click()
    page.keyboard.press("Control+Shift+KeyC")
    palette = page.locator(".lm-CommandPalette-input")
    palette.wait_for(timeout=TIMEOUT_MS)
    palette.fill("Set Cell Stage")
    page.locator(".lm-CommandPalette-item", has_text="Set Cell Stage").first.click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=TIMEOUT_MS)
    dialog.locator("input").fill("evaluate")
    screenshot(page, "03-set-stage-dialog")
    dialog.locator(".jp-mod-accept").click()
    page.wait_for_selector(f"{NB} .jp-CodeCell:nth-child(2) .jp-nbprov-stage", timeout=TIMEOUT_MS)
    assert _badge_of(page, 1)["stage"] == "evaluate"
    assert _badge_of(page, 0)["stage"] is None
    metadata = page.evaluate(
        "() => window.jupyterapp.shell.currentWidget.content.widgets[1].model.getMetadata('nbprov')"
    )
    assert metadata == {"stage": "evaluate"}

    # The cell toolbar's stage menu sets it too.
    first = page.locator(f"{NB} .jp-CodeCell").nth(0)
    first.locator(".jp-InputPrompt").click()
    button = first.locator(".jp-cell-toolbar [data-command='nbprov:stage-menu']")
    button.wait_for(timeout=TIMEOUT_MS)
    button.click()
    menu = page.locator(".jp-nbprov-stage-menu")
    menu.wait_for(timeout=TIMEOUT_MS)
    screenshot(page, "04-cell-toolbar-stage-menu")
    menu.locator(".lm-Menu-item", has_text="read").first.click()
    page.wait_for_selector(f"{NB} .jp-CodeCell:nth-child(1) .jp-nbprov-stage", timeout=TIMEOUT_MS)
    assert _badge_of(page, 0)["stage"] == "read"


def test_dot_output_renders_with_bundled_graphviz(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    source = (
        "from IPython.display import display\n"
        'dot = \'digraph { rankdir=LR; "[1] read" -> data -> "[2] score" -> score }\'\n'
        "display({'application/vnd.nbprov.dot+json': {'dot': dot}}, raw=True)"
    )
    cells: Cells = [
        ("g", source, {}),
        ("load", "%load_ext nbprov", {}),
        ("base", "base = 20", {}),
        ("total", "total = base + 1", {}),
        ("deps", "%deps total", {}),
    ]
    (lab.root / "graph.ipynb").write_text(_notebook(cells))
    _open(page, lab, "graph.ipynb")
    _run_all(page)
    outputs = page.locator(".jp-nbprov-dot-output")
    page.wait_for_function(
        "() => document.querySelectorAll('.jp-nbprov-dot-output svg').length === 2",
        timeout=TIMEOUT_MS,
    )
    labels = outputs.nth(0).locator("svg text").all_text_contents()
    assert "[2] score" in labels and "data" in labels
    # The kernel's own %deps output is drawn by the same renderer.
    deps_text = " ".join(outputs.nth(1).locator("svg text").all_text_contents())
    assert "total" in deps_text and "base" in deps_text
    screenshot(page, "05-dot-output")


def test_lineage_graph_in_panel(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    # Its own notebook, so that it needs no other test to have run first.
    (lab.root / "lineage.ipynb").write_text(_notebook(EXPERIMENT))
    _open(page, lab, "lineage.ipynb")
    _run_all(page)
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "2.75")
    panel.locator(".jp-nbprov-variable-select").select_option("score")
    panel.locator(".jp-nbprov-graph-button").click()
    panel.locator(".jp-nbprov-graph svg").wait_for(timeout=TIMEOUT_MS)
    text = " ".join(panel.locator(".jp-nbprov-graph svg text").all_text_contents())
    # The slice of the metric: the cells that built it, with their stages and values.
    assert "[2] read" in text and "[3] features" in text and "score = 2.75" in text
    screenshot(page, "06-lineage-graph")
    # Export script: the standalone script that rebuilds the variable, downloaded.
    with page.expect_download(timeout=TIMEOUT_MS) as download:
        panel.locator(".jp-nbprov-script-button").click()
    assert download.value.suggested_filename.endswith(".py")
    script = Path(download.value.path()).read_text()
    assert "score = sum(scaled) / len(scaled)" in script
    # Export pipeline: the package is written next to the notebook, and says so.
    panel.locator(".jp-nbprov-pipeline-button").click()
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-pipeline-note", "Wrote package")
    note = panel.locator(".jp-nbprov-pipeline-note").text_content() or ""
    package = note.split("Wrote package ", 1)[1].split(" ", 1)[0]
    assert (lab.root / package / package / "score.py").is_file(), note
    assert (lab.root / package / "tests" / "test_pipeline.py").is_file()
    # The narrow side bar scrolls the graph; a tab shows it whole.
    panel.locator(".jp-nbprov-large-button").click()
    page.locator(".jp-nbprov-graph-main svg").wait_for(timeout=TIMEOUT_MS)
    screenshot(page, "07-lineage-graph-tab")


def test_api_shape_through_browser_session(lab_server: LabServer, page: Any) -> None:
    """The panel's requests carry the server's auth; without it the API refuses."""
    status, _ = lab_server.get("nbprov/api/trials", token=False)
    assert status == 403
    page.goto(f"{lab_server.url}lab?token={lab_server.token}")
    page.wait_for_selector(".jp-LabShell", timeout=TIMEOUT_MS)
    reply = page.evaluate(
        """async () => {
            const settings = window.jupyterapp.serviceManager.serverSettings;
            const r = await fetch(settings.baseUrl + 'nbprov/api/info',
                {headers: {Authorization: 'token ' + settings.token}});
            return {status: r.status, body: await r.json()};
        }"""
    )
    assert reply["status"] == 200
    assert set(reply["body"]["features"]) >= {"trials", "compare", "deps", "scriptify"}
    assert json.dumps(reply["body"])  # JSON-ready


def test_compare_two_trials(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    status, info = lab.get("nbprov/api/info")
    assert status == 200, info
    cells: Cells = [
        ("load", "%load_ext nbprov", {}),
        ("alpha", "alpha = 0.5\n%tag_var alpha hyperparam", {"nbprov": {"stage": "features"}}),
        ("r2", "r2 = 1 - alpha / 4\n%tag_var r2 metric", {"nbprov": {"stage": "evaluate"}}),
    ]
    (lab.root / "compare.ipynb").write_text(_notebook(cells))
    _open(page, lab, "compare.ipynb")
    _run_all(page)
    # A second trial: a new kernel, with the hyperparameter changed.
    page.evaluate(
        """async () => {
            const panel = window.jupyterapp.shell.currentWidget;
            const cell = panel.content.widgets[1];
            cell.model.sharedModel.setSource('alpha = 0.25\\n%tag_var alpha hyperparam');
            await panel.sessionContext.session.kernel.restart();
        }"""
    )
    _run_all(page)
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    rows = panel.locator(".jp-nbprov-trials tbody tr")
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "0.9375")
    assert rows.count() == 2
    # Sorting: a click on the metric's header puts the best (highest) r2 first.
    panel.locator(".jp-nbprov-trials thead th[data-key='metric:r2'] button").click()
    assert "0.9375" in rows.first.inner_text()
    assert "0.875" in rows.nth(1).inner_text()
    for index in range(2):
        rows.nth(index).locator("input[type=checkbox]").check()
    panel.locator(".jp-nbprov-compare-button").click()
    table = panel.locator(".jp-nbprov-compare")
    table.wait_for(timeout=TIMEOUT_MS)
    changed = table.locator("tbody tr.jp-nbprov-changed-row").all_inner_texts()
    assert any(r.startswith("alpha") and "0.5" in r and "0.25" in r for r in changed), changed
    assert any(r.startswith("r2") for r in changed), changed
    screenshot(page, "08-compare")
    # Only changed rows by default; unticking shows the unchanged ones as well.
    only_changed = table.locator("tbody tr:not(.jp-nbprov-group)").count()
    panel.locator(".jp-nbprov-only-changed").uncheck()
    assert table.locator("tbody tr:not(.jp-nbprov-group)").count() >= only_changed


def test_errors_show_in_the_panel(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    (lab.root / "errors.ipynb").write_text(_notebook([("a", "x = 1", {})]))
    _open(page, lab, "errors.ipynb")
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    panel.locator(".jp-nbprov-empty").first.wait_for(timeout=TIMEOUT_MS)
    # The store fails to answer: the panel says so, in the panel.
    page.route(
        "**/nbprov/api/trials?*",
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body=json.dumps({"message": "OperationalError: database is locked"}),
        ),
    )
    panel.locator("button", has_text="Refresh").click()
    alert = panel.locator(".jp-nbprov-error[role=alert]")
    alert.wait_for(timeout=TIMEOUT_MS)
    assert "database is locked" in alert.inner_text()
    screenshot(page, "09-error-in-panel")
    # Once the store answers again, the message goes away.
    page.unroute("**/nbprov/api/trials?*")
    panel.locator("button", has_text="Refresh").click()
    alert.wait_for(state="hidden", timeout=TIMEOUT_MS)


def test_badges_clear_a_wide_cells_scrollbar(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    wide = "%tag read\ntotal = " + " + ".join(str(i) for i in range(200))
    cells: Cells = [("wide", wide, {}), ("narrow", "%tag score\ny = 1", {})]
    (lab.root / "wide.ipynb").write_text(_notebook(cells))
    _open(page, lab, "wide.ipynb")
    page.wait_for_selector(f"{NB} .jp-CodeCell:nth-child(2) .jp-nbprov-stage", timeout=TIMEOUT_MS)
    measure = """(index) => {
        const cell = document.querySelectorAll(
            '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')[index];
        const scroller = cell.querySelector('.cm-scroller');
        const badges = cell.querySelector('.jp-nbprov-badges');
        const bar = Math.max(scroller.offsetHeight - scroller.clientHeight, 10);
        return {
            scrolls: scroller.scrollWidth > scroller.clientWidth,
            barTop: scroller.getBoundingClientRect().bottom - bar,
            badgesBottom: badges.getBoundingClientRect().bottom,
            lifted: badges.style.bottom,
        };
    }"""
    # The wide cell scrolls sideways: its badges sit above the scrollbar, not over its end.
    page.wait_for_function(f"() => ({measure})(0).lifted !== ''", timeout=TIMEOUT_MS)
    first = page.evaluate(measure, 0)
    assert first["scrolls"], first
    assert first["badgesBottom"] <= first["barTop"], first
    # A cell that fits keeps its badges where they always were.
    second = page.evaluate(measure, 1)
    assert not second["scrolls"] and second["lifted"] == "", second
    screenshot(page, "11-badges-over-a-wide-cell")


def test_dark_theme_and_no_layout_shift(lab_server: LabServer, page: Any) -> None:
    lab = lab_server
    cells: Cells = [("a", "x = 1", {}), ("b", "%tag read\ny = x + 1", {}), ("c", "z = y * 2", {})]
    (lab.root / "dark.ipynb").write_text(_notebook(cells))
    _open(page, lab, "dark.ipynb")
    page.wait_for_selector(f"{NB} .jp-nbprov-stage", timeout=TIMEOUT_MS)
    light = page.evaluate(
        "() => getComputedStyle(document.querySelector('.jp-nbprov-stage')).backgroundColor"
    )

    def boxes() -> list[list[float]]:
        result: list[list[float]] = page.evaluate(
            """() => [...document.querySelectorAll(
                '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell')].map(c => {
                    const r = c.getBoundingClientRect();
                    return [r.top, r.height];
                })"""
        )
        return result

    before = boxes()
    # A badge appears on the third cell: nothing moves.
    page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets[2]
            .model.setMetadata('nbprov', {stage: 'evaluate'})"""
    )
    page.wait_for_selector(f"{NB} .jp-CodeCell:nth-child(3) .jp-nbprov-stage", timeout=TIMEOUT_MS)
    assert boxes() == before

    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Dark'})"
    )
    page.wait_for_function(
        "() => document.body.dataset.jpThemeLight === 'false'", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(500)  # the theme's stylesheet applies after the attribute
    dark = page.evaluate(
        "() => getComputedStyle(document.querySelector('.jp-nbprov-stage')).backgroundColor"
    )
    assert dark != light, "badges follow the theme's variables"
    _open_panel(page)
    screenshot(page, "10-dark-theme")
    page.evaluate(
        "() => window.jupyterapp.commands.execute('apputils:change-theme',"
        " {theme: 'JupyterLab Light'})"
    )
