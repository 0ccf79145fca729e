"""The ``%compare`` widget's model, driven without a browser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from compare_experiment import run_trial
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from support import flush, run

import nbprov
from nbprov.notebook.compare_widget import CompareView, compare, table_html


def recorder(shell: InteractiveShell) -> nbprov.kernel.recorder.Recorder:
    found = nbprov.get_recorder(shell)
    assert found is not None
    return found


@pytest.fixture
def three(shell: InteractiveShell) -> list[int]:
    return [
        run_trial(shell, first=True),
        run_trial(shell, alpha=0.5, n_iter=5, solver="saga", name="bigger"),
        run_trial(shell, alpha=2.0, name="huge"),
    ]


def names(view: CompareView, group: str) -> set[str]:
    return {r["name"] for r in view.rows if r["group"] == group}


def test_defaults_to_the_two_latest_trials(shell: InteractiveShell, three: list[int]) -> None:
    view = shell.run_line_magic("compare", "")
    assert view.trial_ids == [three[1], three[2]]
    assert view.result["trials"] == [three[1], three[2]]
    assert names(view, "hyperparam") == {"alpha", "n_iter", "solver"}
    assert "<table" in view.table.value and "bigger" in view.table.value


def test_changing_pickers_and_toggle_updates_the_table(
    shell: InteractiveShell, three: list[int]
) -> None:
    a, b, c = three
    view = shell.run_line_magic("compare", f"{a} {b}")
    assert view.trial_ids == [a, b]
    assert names(view, "hyperparam") == {"alpha", "n_iter", "solver"}
    before = view.table.value
    view.others.value = (c,)
    assert view.trial_ids == [a, c]
    assert names(view, "hyperparam") == {"alpha"}
    assert view.table.value != before
    assert "#3 huge" in view.table.value
    # Highlighting: every shown row is a changed row.
    assert view.table.value.count('class="changed"') == len(view.rows)
    view.only_changed.value = False
    assert "seed" in names(view, "hyperparam")
    assert 'class="same"' in view.table.value
    view.baseline.value = b
    view.others.value = (a, c)
    assert view.trial_ids == [b, a, c]
    alpha = next(r for r in view.rows if r["name"] == "alpha")
    assert alpha["values"] == [0.5, 0.1, 2.0]
    assert "(-0.4, -80.0%)" in view.table.value
    view.others.value = ()
    assert view.rows == []
    assert "pick at least one" in view.message.value


def test_plot_of_a_metric_against_a_hyperparameter(
    shell: InteractiveShell, three: list[int]
) -> None:
    view = shell.run_line_magic("compare", "")
    view.metric.value = "r2"
    view.hyperparam.value = "alpha"
    points = view.plot_points()
    assert sorted(points) == [(1, 0.1, 0.51), (2, 0.5, 0.55), (3, 2.0, 0.7)]
    # A Vega-Lite spec, not hand-drawn SVG; the compared trials are highlighted.
    spec = view.plot_spec
    assert spec is not None and spec["$schema"].endswith("vega-lite/v5.json")
    values = spec["data"]["values"]
    assert sorted((p["id"], p["x"], p["y"]) for p in values) == sorted(points)
    assert sum(p["group"] == "compared" for p in values) == 2  # the two compared trials
    assert spec["encoding"]["x"]["type"] == "quantitative"
    view.hyperparam.value = "solver"  # categorical axis
    spec = view.plot_spec
    assert spec is not None and spec["encoding"]["x"]["type"] == "nominal"
    assert {p["x"] for p in spec["data"]["values"]} == {"lbfgs", "saga"}


def test_parallel_coordinates_next_to_the_scatter(
    shell: InteractiveShell, three: list[int]
) -> None:
    from nbprov.render.vegalite import MIME

    view = shell.run_line_magic("compare", "")
    # Every trial of the notebook, not only the compared ones, one line each.
    spec = view.parallel_spec
    assert spec is not None
    assert {v["id"] for v in spec["data"]["values"]} == set(three)
    assert {"alpha", "r2"} <= {v["axis"] for v in spec["data"]["values"]}
    line = spec["layer"][1]["encoding"]
    assert line["color"] == {"field": "shade", "type": "quantitative", "title": "r2"}
    assert {t["field"] for t in line["tooltip"]} == {"trial", "axis", "role", "value"}
    assert spec["width"] == 300  # an output area has no width to fit to
    # Shown beside the scatter, through the same Vega-Lite mime type.
    assert view.parallel.outputs[0]["data"][MIME] == spec
    charts = view.widget.children[-1]
    assert charts.children == (view.plot, view.parallel)
    assert charts.layout.flex_flow == "row wrap"  # wraps in a narrow notebook, never scrolls


def test_every_user_value_is_escaped(shell: InteractiveShell, store_path: Path) -> None:
    run(shell, "%tag_var note hyperparam\n%tag_var r2 metric")
    run(shell, "note = 'plain'\nr2 = 0.1")
    flush(shell)
    run(shell, "%trial new <b>bold</b>")
    run(shell, "note = '<script>alert(1)</script>'\nr2 = 0.2")
    flush(shell)
    view = shell.run_line_magic("compare", "")
    page = view.table.value
    assert "<script>" not in page and "<b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    result = {
        "trials": [1, 2],
        "trial_info": [{"id": 1, "name": "<img src=x>"}, {"id": 2, "name": None}],
        "rows": [],
        "warnings": ["<script>"],
    }
    assert not re.search(r"<(img|script)", table_html(result))


def test_python_api_and_errors(shell: InteractiveShell, three: list[int], store_path: Path) -> None:
    view = compare(three[0], "huge", db=str(store_path))
    assert view.trial_ids == [three[0], three[2]]
    assert names(view, "hyperparam") == {"alpha"}
    bundle = view._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    view.close()
    # ``nbprov.compare`` is the notebook function, whatever of the core was imported.
    import nbprov.core.compare.rows

    again = nbprov.compare(three[0], "huge", db=str(store_path))
    assert isinstance(again, CompareView) and again.trial_ids == view.trial_ids
    again.close()
    with pytest.raises(UsageError, match="no trial"):
        shell.run_line_magic("compare", "1 nope")
    with pytest.raises(UsageError, match="usage"):
        shell.run_line_magic("compare", "1")


def test_magic_needs_two_trials(shell: InteractiveShell) -> None:
    run(shell, "x = 1")
    with pytest.raises(UsageError, match="need two trials"):
        shell.run_line_magic("compare", "")
    # Through IPython the error is a one-line usage message, not a traceback.
    result = run(shell, "%compare")
    assert isinstance(result.error_in_exec, UsageError)


def test_the_view_writes_nothing_to_a_console(
    shell: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    # Outside a kernel an Output widget's clear_output() and display() write terminal
    # codes and reprs to the console; the plot is set as the widget's output instead.
    a = run_trial(shell, first=True)
    capsys.readouterr()
    view = shell.run_line_magic("compare", f"{a} {a}")
    assert capsys.readouterr().out == ""
    assert view.plot.outputs[0]["data"]["text/plain"].startswith("<")
    view.close()
