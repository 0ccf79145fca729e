"""The %compare widget's HTML takes every colour from the theme's CSS variables."""

from __future__ import annotations

import re

from nbprov.notebook.compare_widget import STYLE, table_html

# A colour written out: #rgb / #rrggbb, rgb()/hsl(), or an SVG colour attribute.
HARD_CODED = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\brgba?\(|\bhsla?\(|\b(fill|stroke|color)=\"(?!none)[^\"]+\"",
)


def _result() -> dict[str, object]:
    return {
        "trials": [1, 2],
        "trial_info": [{"id": 1, "name": "base"}, {"id": 2, "name": None}],
        "rows": [
            {
                "group": "metric",
                "name": "r2",
                "changed": True,
                "present": [True, False],
                "values": [0.5, None],
                "deltas": [None, None],
                "relative_deltas": [None, None],
            },
            {
                "group": "metric",
                "name": "mse",
                "changed": True,
                "present": [True, True],
                "values": [2.0, 3.0],
                "deltas": [None, 1.0],
                "relative_deltas": [None, 0.5],
            },
        ],
        "warnings": ["trial 2 is still running"],
    }


def test_table_and_plot_use_theme_variables_only() -> None:
    page = table_html(_result())
    assert "style=" not in page, "no inline styles"
    assert not HARD_CODED.search(page), HARD_CODED.search(page)
    # Changed rows, deltas, warnings and plot ink are styled through classes on variables.
    assert '<tr class="changed">' in page
    assert 'class="nbprov-delta"' in page and 'class="nbprov-warning"' in page
    # The style sheet itself names no colour: each is a theme variable (with a CSS system
    # colour for front ends that have no JupyterLab theme).
    assert not HARD_CODED.search(STYLE)
    for value in re.findall(r"var\((--[\w-]+)", STYLE):
        assert value.startswith("--jp-"), value
    assert not re.search(r"\b(white|black|gr[ae]y|red|orange|blue|yellow)\b", STYLE)
