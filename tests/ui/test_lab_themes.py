"""The panel and the %compare widget in light, dark and high-contrast themes.

axe-core (the npm package the extension's build installs under labextension/node_modules)
is injected into the page and run on the panel and on the widget; its serious and critical
findings fail the test. Changed rows are also checked directly for text contrast.
Screenshots per theme go to test-artifacts/.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import ARTIFACTS, REPO, LabServer, screenshot
from test_lab import TIMEOUT_MS, Cells, _notebook, _open, _open_panel, _run_all, _wait_for_text

pytestmark = pytest.mark.timeout(420)

AXE = REPO / "labextension" / "node_modules" / "axe-core" / "axe.min.js"
THEMES = {
    "light": "JupyterLab Light",
    "dark": "JupyterLab Dark",
    "high-contrast": "JupyterLab Dark High Contrast",
}

# The contrast of an element's text against what is painted behind it, as WCAG computes
# it. Colours are resolved by a canvas, so any CSS colour syntax (color-mix too) works;
# translucent text and backgrounds are blended over what lies beneath.
CONTRAST_JS = """
(element) => {
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 1;
    const ctx = canvas.getContext('2d', {willReadFrequently: true});
    const rgba = (css) => {
        ctx.clearRect(0, 0, 1, 1);
        ctx.fillStyle = '#000';
        ctx.fillStyle = css;
        ctx.fillRect(0, 0, 1, 1);
        const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
        return [r, g, b, a / 255];
    };
    const over = (top, bottom) => top.slice(0, 3).map(
        (c, i) => c * top[3] + bottom[i] * (1 - top[3])).concat([1]);
    const layers = [];
    for (let node = element; node; node = node.parentElement) {
        const bg = getComputedStyle(node).backgroundColor;
        const colour = rgba(bg);
        if (bg !== 'transparent' && colour[3] > 0) {
            layers.push(colour);
            if (colour[3] >= 1) break;
        }
    }
    let background = [255, 255, 255, 1];
    for (const layer of layers.reverse()) background = over(layer, background);
    const text = over(rgba(getComputedStyle(element).color), background);
    const lum = ([r, g, b]) => {
        const f = (c) => {
            c /= 255;
            return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const [hi, lo] = [lum(text), lum(background)].sort((x, y) => y - x);
    return {ratio: (hi + 0.05) / (lo + 0.05), text, background};
}
"""

AXE_JS = """
async (selector) => {
    const target = document.querySelector(selector);
    if (!target) return [{id: 'missing', impact: 'critical', nodes: [selector]}];
    const result = await window.axe.run(target, {resultTypes: ['violations']});
    return result.violations
        .filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact,
                    nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': '
                        + (n.failureSummary || '').replace(/\\s+/g, ' '))}));
}
"""

CELLS: Cells = [
    ("load", "%load_ext nbprov", {}),
    ("alpha", "alpha = 0.5\n%tag_var alpha hyperparam", {"nbprov": {"stage": "features"}}),
    ("r2", "r2 = 1 - alpha / 4\n%tag_var r2 metric", {"nbprov": {"stage": "evaluate"}}),
    ("cmp", "%compare", {}),
]


def _set_theme(page: Any, theme: str) -> None:
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})",
        THEMES[theme],
    )
    page.wait_for_function(
        "(name) => document.body.dataset.jpThemeName === name",
        arg=THEMES[theme],
        timeout=TIMEOUT_MS,
    )
    page.wait_for_timeout(800)  # the theme's stylesheet applies after the attribute


def _axe(page: Any, selector: str) -> list[dict[str, Any]]:
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(AXE_JS, selector)
    return found


def _min_contrast(page: Any, selector: str) -> float:
    ratios: list[float] = [
        page.evaluate(CONTRAST_JS, handle)["ratio"] for handle in page.query_selector_all(selector)
    ]
    assert ratios, f"nothing matches {selector}"
    return min(ratios)


def test_panel_and_widget_in_every_theme(lab_server: LabServer, page: Any) -> None:
    if not AXE.exists():
        pytest.skip("axe-core is not installed (cd labextension && npm ci)")
    lab = lab_server
    (lab.root / "themes.ipynb").write_text(_notebook(CELLS))
    _open(page, lab, "themes.ipynb")
    _run_all(page)
    page.evaluate(
        """async () => {
            const panel = window.jupyterapp.shell.currentWidget;
            panel.content.widgets[1].model.sharedModel.setSource(
                'alpha = 0.25\\n%tag_var alpha hyperparam');
            await panel.sessionContext.session.kernel.restart();
        }"""
    )
    _run_all(page)
    _open_panel(page)
    panel = page.locator("#nbprov-provenance-panel")
    _wait_for_text(page, "#nbprov-provenance-panel .jp-nbprov-trials tbody", "0.9375")
    rows = panel.locator(".jp-nbprov-trials tbody tr")
    for index in range(rows.count()):
        rows.nth(index).locator("input[type=checkbox]").check()
    panel.locator(".jp-nbprov-compare-button").click()
    panel.locator(".jp-nbprov-compare tr.jp-nbprov-changed-row").first.wait_for(timeout=TIMEOUT_MS)
    panel.locator(".jp-nbprov-variable-select").select_option("r2")
    panel.locator(".jp-nbprov-graph-button").click()
    panel.locator(".jp-nbprov-graph svg").wait_for(timeout=TIMEOUT_MS)
    # The %compare widget of the second run compares the two trials.
    widget = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) table.nbprov-compare")
    widget.locator("tr.changed").first.wait_for(timeout=TIMEOUT_MS)
    # Its plot is a Vega-Lite chart drawn by JupyterLab's renderer, not hand-made SVG.
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .vega-embed svg").first.wait_for(
        timeout=TIMEOUT_MS
    )
    page.evaluate(
        """() => document.querySelector('table.nbprov-compare')
            .closest('.jp-OutputArea').id = 'nbprov-widget-output'"""
    )

    failures: dict[str, Any] = {}
    for theme in THEMES:
        _set_theme(page, theme)
        # Changed rows: the text reads against the tint (WCAG AA, 4.5:1), in the panel
        # and in the widget; so does the graph's ink on its background.
        panel_rows = _min_contrast(page, ".jp-nbprov-compare tr.jp-nbprov-changed-row td")
        widget_rows = _min_contrast(page, "table.nbprov-compare tr.changed td")
        graph_text = page.evaluate(
            """() => {
                const text = document.querySelector('.jp-nbprov-graph svg .node text');
                const card = document.querySelector('.jp-nbprov-graph');
                return [getComputedStyle(text).fill, getComputedStyle(card).backgroundColor];
            }"""
        )
        assert panel_rows >= 4.5, (theme, "panel changed rows", panel_rows)
        assert widget_rows >= 4.5, (theme, "widget changed rows", widget_rows)
        assert graph_text[0] != graph_text[1], (theme, graph_text)
        # The panel's charts are drawn again in the theme's text colour.
        page.wait_for_function(
            """() => {
                const label = document.querySelector(
                    '#nbprov-provenance-panel .jp-nbprov-chart .role-axis-title text');
                const probe = document.createElement('span');
                probe.style.color = 'var(--jp-ui-font-color1)';
                document.body.append(probe);
                const theme = getComputedStyle(probe).color;
                probe.remove();
                return label && getComputedStyle(label).fill === theme;
            }""",
            timeout=TIMEOUT_MS,
        )
        page.locator(".jp-nbprov-compare").scroll_into_view_if_needed()
        screenshot(page, f"themes-{theme}")
        if theme != "high-contrast":
            for name, selector in (
                ("panel", "#nbprov-provenance-panel"),
                ("widget", "#nbprov-widget-output"),
            ):
                found = _axe(page, selector)
                if found:
                    failures[f"{theme} {name}"] = found
    (ARTIFACTS / "axe-violations.json").write_text(json.dumps(failures, indent=1))
    assert not failures, f"axe-core: {sorted(failures)}; see test-artifacts/axe-violations.json"
