"""The notebook front of trial comparison: ``%compare`` and ``nbprov.compare(...)``.

An ipywidgets view over :func:`nbprov.core.compare.rows.compare_trials`: trial pickers (a baseline
and the trials to compare with it), an only-changed toggle, the grouped table with changes
highlighted, and two Vega-Lite charts of the notebook's trials side by side (drawn by the
front end's Vega-Lite renderer): a metric against a hyperparameter, and the parallel
coordinates the JupyterLab panel shows (the same spec, from :mod:`nbprov.render.vegalite`).
The view holds no comparison logic; every user value is HTML-escaped before display.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from nbprov.core.compare.choices import comparison_choices
from nbprov.core.compare.direction import row_direction, verdict
from nbprov.core.compare.facts import CompareError
from nbprov.core.compare.filters import Ref
from nbprov.core.compare.rows import compare_trials
from nbprov.core.compare.selection import lookup_values
from nbprov.kernel.attach import recorder_of
from nbprov.kernel.recorder import Recorder
from nbprov.render.tables import format_value
from nbprov.render.vegalite import MIME as VEGALITE_MIME
from nbprov.render.vegalite import parallel_spec, points_spec
from nbprov.store import Store, StoreError
from nbprov.store.queries import list_trials, resolve_trial

MAX_CHOICES = 200
GROUP_TITLES = {"hyperparam": "hyperparams", "metric": "metrics"}
# Every colour comes from JupyterLab's theme variables, so the widget reads the same in
# light, dark and high-contrast themes; outside JupyterLab the CSS system colours stand in.
STYLE = (
    "<style>"
    ".nbprov-compare{border-collapse:collapse;color:var(--jp-ui-font-color1,CanvasText)}"
    ".nbprov-compare th,.nbprov-compare td{padding:2px 8px;text-align:left;"
    "border-bottom:1px solid var(--jp-border-color2,GrayText)}"
    ".nbprov-compare tr.changed td{color:var(--jp-ui-font-color0,CanvasText);"
    "background:color-mix(in srgb,var(--jp-warn-color1,Mark) 22%,"
    "var(--jp-layout-color1,Canvas))}"
    ".nbprov-compare tr.changed td:first-child{box-shadow:inset 3px 0 var(--jp-warn-color1,Mark)}"
    ".nbprov-compare .nbprov-missing,.nbprov-compare .nbprov-delta"
    "{color:var(--jp-ui-font-color1,CanvasText);font-style:italic}"
    # Better and worse carry a mark too, so they do not rest on colour alone.
    ".nbprov-compare td.nbprov-better{box-shadow:inset 0 -3px var(--jp-success-color1,Mark)}"
    ".nbprov-compare td.nbprov-worse{box-shadow:inset 0 -3px var(--jp-error-color1,Mark)}"
    ".nbprov-compare .nbprov-verdict{font-weight:bold}"
    ".nbprov-warning{color:var(--jp-ui-font-color0,CanvasText);"
    "border-left:3px solid var(--jp-warn-color1,Mark);padding-left:6px}"
    ".nbprov-failure{color:var(--jp-ui-font-color0,CanvasText);"
    "border-left:3px solid var(--jp-error-color1,Mark);padding-left:6px}"
    "</style>"
)


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _signed(value: float | int, precision: int = 4) -> str:
    return f"{value:+d}" if isinstance(value, int) else f"{value:+.{precision}g}"


def _cell(row: dict[str, Any], k: int) -> str:
    if not row["present"][k]:
        return '<span class="nbprov-missing">missing</span>'
    text = _e(format_value(row["values"][k]) or "None")
    delta = row["deltas"][k]
    if k > 0 and row["changed"] and delta is not None:
        relative = row["relative_deltas"][k]
        extra = _signed(delta) + (f", {relative * 100:+.1f}%" if relative is not None else "")
        text += f' <span class="nbprov-delta">({_e(extra)})</span>'
    return text


_MARKS = {"better": "✓", "worse": "✗"}


def _verdict_cell(row: dict[str, Any], k: int) -> str:
    """A ``<td>``; a metric's trial that did better or worse than the baseline is marked,
    by the direction the core resolved (as tagged, else from the metric's name)."""
    found = verdict(row, k) if row["present"][k] else None
    if found is None:
        return f"<td>{_cell(row, k)}</td>"
    way = "higher" if row_direction(row) == "max" else "lower"
    how = "as tagged" if row.get("direction_source") == "stored" else "from its name"
    title = _e(f"{found}: {way} is better ({how})")
    mark = f' <span class="nbprov-verdict" title="{title}">{_MARKS[found]}</span>'
    return f'<td class="nbprov-{found}" title="{title}">{_cell(row, k)}{mark}</td>'


def table_html(result: dict[str, Any]) -> str:
    """The comparison as an HTML table: a section per group, changed rows highlighted."""
    infos = result["trial_info"]
    head = "".join(
        f'<th title="{_e(t.get("notebook") or "")}">#{_e(t["id"])}'
        + (f" {_e(t['name'])}" if t.get("name") else "")
        + "</th>"
        for t in infos
    )
    parts = [
        STYLE,
        '<table class="nbprov-compare">',
        f"<thead><tr><th></th>{head}</tr></thead><tbody>",
    ]
    group = None
    for row in result["rows"]:
        if row["group"] != group:
            group = row["group"]
            title = GROUP_TITLES.get(group, group)
            parts.append(
                f'<tr><th colspan="{len(infos) + 1}" scope="rowgroup">{_e(title)}</th></tr>'
            )
        label = _e(row["name"])
        if row.get("stage"):
            label += f" <i>[{_e(row['stage'])}]</i>"
        if row.get("source_line"):
            label += f" <code>{_e(row['source_line'])}</code>"
        css = "changed" if row["changed"] else "same"
        cells = "".join(_verdict_cell(row, k) for k in range(len(infos)))
        parts.append(f'<tr class="{css}"><td>{label}</td>{cells}</tr>')
    if not result["rows"]:
        parts.append(
            f'<tr><td colspan="{len(infos) + 1}"><i>no differences '
            "(untick “only changed” to see every row)</i></td></tr>"
        )
    parts.append("</tbody></table>")
    for warning in result.get("warnings", []):
        parts.append(f'<p class="nbprov-warning">{_e(warning)}</p>')
    return "".join(parts)


class CompareView:
    """The widget and its model. ``widget`` is what is displayed; the attributes named
    after controls are the ipywidgets themselves, so tests can drive them."""

    def __init__(
        self,
        store: Store,
        *,
        notebook: str | None = None,
        refs: Sequence[str | int] = (),
        owns_store: bool = False,
    ) -> None:
        import ipywidgets as widgets

        self.store = store
        self.notebook = notebook
        self._owns_store = owns_store
        self.result: dict[str, Any] = {"trials": [], "trial_info": [], "rows": []}
        with store.session() as session:
            picks = comparison_choices(session, notebook, refs, limit=MAX_CHOICES)
        chosen, recent = picks.chosen, picks.recent
        options = [
            (
                f"#{tid}"
                + (f" {name}" if name else "")
                + (f" · {started:%m-%d %H:%M}" if started else ""),
                tid,
            )
            for tid, name, started in sorted(recent, key=lambda r: -r[0])
        ]
        metrics, hyper = picks.metrics, picks.hyperparams
        self.baseline = widgets.Dropdown(options=options, value=chosen[0], description="baseline")
        self.others = widgets.SelectMultiple(
            options=options, value=tuple(chosen[1:]), description="compare with", rows=5
        )
        self.only_changed = widgets.Checkbox(value=True, description="only changed")
        self.table = widgets.HTML()
        self.metric = widgets.Dropdown(
            options=metrics, value=metrics[0] if metrics else None, description="metric"
        )
        self.hyperparam = widgets.Dropdown(
            options=hyper, value=hyper[0] if hyper else None, description="against"
        )
        # A Vega-Lite chart, drawn by the front end's renderer (JupyterLab's own).
        self.plot = widgets.Output()
        self.plot_spec: dict[str, Any] | None = None
        self.parallel = widgets.Output()
        self.parallel_spec: dict[str, Any] | None = None
        self.message = widgets.HTML()
        for control in (self.baseline, self.others, self.only_changed):
            control.observe(self._on_pick, names="value")
        for control in (self.metric, self.hyperparam):
            control.observe(self._on_plot, names="value")
        self.widget = widgets.VBox(
            [
                widgets.HBox([self.baseline, self.others, self.only_changed]),
                self.message,
                self.table,
                widgets.HBox([self.metric, self.hyperparam]),
                # Side by side when there is room, one under the other when not: wrapping,
                # never a scrolling box (a scrollable region with nothing to focus cannot
                # be scrolled from the keyboard).
                widgets.HBox(
                    [self.plot, self.parallel],
                    layout=widgets.Layout(flex_flow="row wrap", overflow="visible"),
                ),
            ]
        )
        self.refresh()

    # -- model ---------------------------------------------------------------------------

    @property
    def trial_ids(self) -> list[int]:
        """The compared trials: the baseline, then the others (oldest first)."""
        base = self.baseline.value
        return [base, *sorted(i for i in self.others.value if i != base)]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.result["rows"])

    def refresh(self) -> None:
        """Recompute the table and the plot from the controls."""
        ids = self.trial_ids
        if len(ids) < 2:
            self.result = {"trials": ids, "trial_info": [], "rows": []}
            self.message.value = "<i>pick at least one trial to compare with the baseline</i>"
            self.table.value = ""
        else:
            try:
                with self.store.session() as session:
                    self.result = compare_trials(session, ids, show_all=not self.only_changed.value)
            except (CompareError, StoreError) as exc:
                self.message.value = f'{STYLE}<span class="nbprov-failure">{_e(exc)}</span>'
                return
            self.message.value = ""
            self.table.value = table_html(self.result)
        self.refresh_plot()
        self.refresh_parallel()

    def plot_points(self) -> list[tuple[int, Any, Any]]:
        """(trial id, hyperparameter, metric) for every trial of this notebook."""
        metric, hyper = self.metric.value, self.hyperparam.value
        if metric is None or hyper is None:
            return []
        y_ref, x_ref = Ref("var", "metric", metric), Ref("var", "hyperparam", hyper)
        with self.store.session() as session:
            ids, values = lookup_values(session, self.notebook, {x_ref, y_ref})
        return [(i, values[i].get(x_ref), values[i].get(y_ref)) for i in ids]

    def refresh_plot(self) -> None:
        metric, hyper = self.metric.value, self.hyperparam.value
        self.plot_spec = None
        if metric is None or hyper is None:
            self._show_plot(
                "<i>tag a metric and a hyperparameter to plot one against the other</i>"
            )
            return
        self.plot_spec = points_spec(
            [(i, f"#{i}", x, y) for i, x, y in self.plot_points()],
            str(hyper),
            str(metric),
            highlight=self.trial_ids,
            width=300,  # an output area has no fixed width to fit to
        )
        if self.plot_spec is None:
            self._show_plot(f"<i>no trial has both {_e(hyper)} and {_e(metric)}</i>")
        else:
            self._show_plot(None, {VEGALITE_MIME: self.plot_spec})

    def refresh_parallel(self) -> None:
        """Parallel coordinates of every trial of this notebook (they need no controls)."""
        with self.store.session() as session:
            trials = list_trials(session, notebook=self.notebook)
        self.parallel_spec = parallel_spec(trials, width=300)  # as wide as the scatter
        if self.parallel_spec is None:
            shown: dict[str, Any] = {
                "text/html": "<i>parallel coordinates need two trials with two tagged numbers</i>"
            }
        else:
            shown = {VEGALITE_MIME: self.parallel_spec}
        self.parallel.outputs = (
            {
                "output_type": "display_data",
                "data": {**shown, "text/plain": "<parallel coordinates of the trials>"},
                "metadata": {},
            },
        )

    def _show_plot(self, html: str | None, data: dict[str, Any] | None = None) -> None:
        # The output is set, not printed through clear_output() and display(): outside a
        # kernel those write terminal codes and reprs to the console.
        shown = data if data is not None else {"text/html": html}
        text = f"<{self.metric.value} against {self.hyperparam.value}>"
        self.plot.outputs = (
            {"output_type": "display_data", "data": {**shown, "text/plain": text}, "metadata": {}},
        )

    def _on_pick(self, change: Any) -> None:
        self.refresh()

    def _on_plot(self, change: Any) -> None:
        self.refresh_plot()

    def close(self) -> None:
        self.widget.close()
        if self._owns_store:
            self.store.close()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def compare(*refs: str | int, db: str | None = None) -> CompareView:
    """Compare trials in the notebook: ``nbprov.compare()`` (the two latest trials of this
    notebook), ``nbprov.compare(3, 7)``, ``nbprov.compare("baseline", -1)``.

    Inside a kernel recording with nbprov (and ``db`` not given) it reads the kernel's own
    store and the current notebook's trials; otherwise the store named by ``db`` (else
    ``$NBPROV_DB`` or the default) and the notebook of the first trial named.
    """
    recorder = recorder_of() if db is None else None
    if recorder is not None:
        recorder.flush()
        return CompareView(recorder.store, notebook=recorder.trial.notebook, refs=refs)
    store = Store.open(db)
    try:
        with store.session() as session:
            first = resolve_trial(session, refs[0] if refs else "latest")
            notebook = first.notebook
        return CompareView(store, notebook=notebook, refs=refs, owns_store=True)
    except BaseException:
        store.close()
        raise


def view_in_kernel(recorder: Recorder, refs: list[str]) -> CompareView:
    """``%compare [A B ...]``: the view over the recorder's store and notebook."""
    from IPython.core.error import UsageError

    recorder.flush()
    try:
        return CompareView(recorder.store, notebook=recorder.trial.notebook, refs=refs)
    except (CompareError, StoreError) as exc:
        raise UsageError(f"%compare: {exc}") from exc
    except Exception as exc:
        from nbprov.store.damage import damage_note

        note = damage_note(recorder.store.engine, recorder.store.description)
        if note is None:
            raise
        raise UsageError(f"%compare: {note}") from exc
