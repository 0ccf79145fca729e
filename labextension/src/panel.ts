/**
 * The right side-bar provenance panel for the current notebook: its trials as a sortable
 * table, a comparison of the picked trials, and a tagged variable's lineage graph.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';

import { NbprovApi } from './api';
import { h } from './dom';
import { renderDot } from './graphviz';
import type { NotebookProvenance } from './model';
import {
  cellText,
  columnValue,
  formatDelta,
  formatDuration,
  formatTime,
  groupRows,
  ISort,
  latestTrial,
  nextSort,
  sortTrials,
  trialColumns,
  trialDuration
} from './table';
import type { ICompareResult, ITrial, ITrialDetail } from './types';

export const PANEL_ID = 'nbprov-provenance-panel';

export class ProvenancePanel extends Widget {
  constructor(
    private readonly api: NbprovApi,
    private readonly openLarge: (title: string, svg: SVGSVGElement) => void = () => undefined
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-nbprov-panel');
    this.title.caption = 'Provenance (nbprov)';
    this.node.tabIndex = -1;
    this.node.append(
      h(
        'header',
        { class: 'jp-nbprov-header' },
        h('h2', {}, 'Provenance'),
        this._refreshButton
      ),
      this._subtitle,
      this._error,
      h(
        'section',
        { class: 'jp-nbprov-section', 'aria-label': 'Trials' },
        h(
          'div',
          { class: 'jp-nbprov-section-head' },
          h('h3', {}, 'Trials'),
          h('label', { class: 'jp-nbprov-check' }, this._allNotebooks, 'all notebooks')
        ),
        this._tableHost
      ),
      h(
        'section',
        { class: 'jp-nbprov-section', 'aria-label': 'Compare' },
        h(
          'div',
          { class: 'jp-nbprov-section-head' },
          h('h3', {}, 'Compare'),
          h('label', { class: 'jp-nbprov-check' }, this._onlyChanged, 'only changed')
        ),
        h('div', { class: 'jp-nbprov-actions' }, this._compareButton),
        this._compareHost
      ),
      h(
        'section',
        { class: 'jp-nbprov-section', 'aria-label': 'Lineage' },
        h('div', { class: 'jp-nbprov-section-head' }, h('h3', {}, 'Lineage')),
        h(
          'div',
          { class: 'jp-nbprov-actions' },
          h('label', {}, 'Trial ', this._trialSelect),
          h('label', {}, 'Variable ', this._variableSelect)
        ),
        h(
          'div',
          { class: 'jp-nbprov-actions' },
          this._graphButton,
          this._largeButton,
          this._scriptButton
        ),
        this._graphHost,
        this._dotDetails
      )
    );
    this._onlyChanged.checked = true;
    this._refreshButton.addEventListener('click', () => void this.refresh());
    this._allNotebooks.addEventListener('change', () => void this.loadTrials());
    this._onlyChanged.addEventListener('change', () => this.renderCompare());
    this._compareButton.addEventListener('click', () => void this.compare());
    this._trialSelect.addEventListener('change', () => {
      this._trialPicked = true;
      void this.loadVariables();
    });
    this._graphButton.addEventListener('click', () => void this.showGraph());
    this._scriptButton.addEventListener('click', () => void this.exportScript());
    this._largeButton.addEventListener('click', () => {
      const svg = this._graphHost.querySelector('svg');
      if (svg) {
        this.openLarge(this._graphTitle, svg.cloneNode(true) as SVGSVGElement);
      }
    });
    this.renderAll();
  }

  /** Show the provenance of this notebook (null: no notebook is current). */
  setNotebook(panel: NotebookPanel | null, model: NotebookProvenance | null): void {
    if (this._model === model) {
      return;
    }
    this._model?.changed.disconnect(this.onModelChanged, this);
    this._panel = panel;
    this._model = model;
    this._model?.changed.connect(this.onModelChanged, this);
    this._selected.clear();
    this._trialPicked = false;
    this._compare = null;
    this._details.clear();
    this._graphHost.replaceChildren();
    this._largeButton.hidden = true;
    this._dotDetails.hidden = true;
    this._error.hidden = true;
    this.onModelChanged();
    if (model && !model.loaded) {
      void model.refresh();
    }
  }

  /** Reload everything from the server. */
  async refresh(): Promise<void> {
    this._details.clear();
    await this._model?.refresh();
  }

  private onModelChanged(): void {
    const model = this._model;
    if (model?.error) {
      this.showError(model.error);
    }
    void this.loadTrials();
  }

  private async loadTrials(): Promise<void> {
    const model = this._model;
    if (!model) {
      this._trials = [];
      this.renderAll();
      return;
    }
    if (this._allNotebooks.checked) {
      try {
        const reply = await this.api.trials(model.path, 'all');
        this._trials = reply.trials;
      } catch (error) {
        this.showError(error);
        this._trials = [];
      }
    } else {
      this._trials = model.trials;
    }
    const ids = new Set(this._trials.map(t => t.id));
    for (const id of [...this._selected]) {
      if (!ids.has(id)) {
        this._selected.delete(id);
      }
    }
    if (!model.error) {
      this._error.hidden = true;
    }
    this.renderAll();
    await this.loadVariables();
  }

  private renderAll(): void {
    const model = this._model;
    const name = this._panel?.context.path ?? '';
    if (!model) {
      this._subtitle.textContent = 'Open a notebook to see its trials.';
    } else {
      const store = model.store ? ` · store ${model.store}` : '';
      this._subtitle.textContent = `${name}${store}`;
      this._subtitle.title = this._subtitle.textContent;
    }
    this.renderTable();
    this.renderTrialSelect();
    this.renderCompare();
    this.updateButtons();
  }

  private renderTable(): void {
    if (!this._model) {
      this._tableHost.replaceChildren();
      return;
    }
    if (!this._trials.length) {
      this._tableHost.replaceChildren(
        h(
          'p',
          { class: 'jp-nbprov-empty' },
          this._model.loaded
            ? 'No trials recorded yet. Run a cell with %load_ext nbprov to start one.'
            : 'Loading…'
        )
      );
      return;
    }
    const columns = trialColumns(this._trials);
    const rows = sortTrials(this._trials, this._sort);
    const head = h(
      'tr',
      {},
      h('th', { class: 'jp-nbprov-pick', scope: 'col' }, h('span', { class: 'jp-nbprov-sr' }, 'Pick')),
      columns.map(column => {
        const sorted = this._sort.key === column.key;
        const button = h(
          'button',
          { class: 'jp-nbprov-sort', type: 'button', title: `Sort by ${column.label}` },
          column.label,
          sorted ? (this._sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''
        );
        button.addEventListener('click', () => {
          this._sort = nextSort(this._sort, column.key);
          this.renderTable();
        });
        return h(
          'th',
          {
            scope: 'col',
            class: `jp-nbprov-col-${column.kind}`,
            'data-key': column.key,
            'aria-sort': sorted ? this._sort.direction : undefined
          },
          button
        );
      })
    );
    const current = this._model.current?.id;
    const body = rows.map(trial => {
      const box = h('input', {
        type: 'checkbox',
        'aria-label': `Pick trial ${trial.id}`,
        checked: this._selected.has(trial.id)
      });
      box.addEventListener('change', () => {
        if (box.checked) {
          this._selected.add(trial.id);
        } else {
          this._selected.delete(trial.id);
        }
        this.updateButtons();
      });
      return h(
        'tr',
        { 'data-trial': String(trial.id), class: trial.id === current ? 'jp-nbprov-current' : undefined },
        h('td', { class: 'jp-nbprov-pick' }, box),
        columns.map(column => h('td', { class: `jp-nbprov-col-${column.kind}` }, this.cell(trial, column.key)))
      );
    });
    this._tableHost.replaceChildren(
      h(
        'div',
        { class: 'jp-nbprov-scroll' },
        h('table', { class: 'jp-nbprov-table jp-nbprov-trials' }, h('thead', {}, head), h('tbody', {}, body))
      )
    );
  }

  private cell(trial: ITrial, key: string): string | HTMLElement {
    switch (key) {
      case 'started_at':
        return formatTime(trial.started_at);
      case 'duration':
        return formatDuration(trialDuration(trial));
      case 'status':
        return h('span', { class: `jp-nbprov-status jp-nbprov-status-${trial.status}` }, trial.status);
      default:
        return cellText(columnValue(trial, key));
    }
  }

  private updateButtons(): void {
    const features = this._model?.info?.features;
    const canCompare = features?.compare ?? false;
    this._compareButton.disabled = !canCompare || this._selected.size < 2;
    this._compareButton.textContent = `Compare picked (${this._selected.size})`;
    this._compareButton.title = canCompare
      ? 'Pick two or more trials in the table'
      : 'This nbprov has no trial comparison yet';
    const hasVariable = Boolean(this._variableSelect.value);
    this._graphButton.disabled = !hasVariable || !(features?.deps ?? false);
    this._graphButton.title = features?.deps ? 'Draw the lineage of the variable' : 'This nbprov has no lineage yet';
    this._scriptButton.hidden = !(features?.scriptify ?? false);
    this._scriptButton.disabled = !hasVariable;
  }

  private async compare(): Promise<void> {
    const model = this._model;
    if (!model || this._selected.size < 2) {
      return;
    }
    const ids = this._trials.map(t => t.id).filter(id => this._selected.has(id));
    try {
      this._compare = await this.api.compare(ids, true, model.path);
      this._error.hidden = true;
    } catch (error) {
      this._compare = null;
      this.showError(error);
    }
    this.renderCompare();
  }

  private renderCompare(): void {
    const result: ICompareResult | null = this._compare;
    if (!result) {
      this._compareHost.replaceChildren();
      return;
    }
    const groups = groupRows(result.rows, this._onlyChanged.checked);
    if (!groups.length) {
      this._compareHost.replaceChildren(
        h('p', { class: 'jp-nbprov-empty' }, 'No differences between these trials.')
      );
      return;
    }
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col' }, ''),
      result.trials.map(id => h('th', { scope: 'col' }, `#${id}`)),
      h('th', { scope: 'col' }, 'Δ')
    );
    const body: HTMLElement[] = [];
    for (const [group, rows] of groups) {
      body.push(
        h('tr', { class: 'jp-nbprov-group' }, h('th', { scope: 'rowgroup', colspan: String(result.trials.length + 2) }, group))
      );
      for (const row of rows) {
        body.push(
          h(
            'tr',
            { class: row.changed ? 'jp-nbprov-changed-row' : undefined },
            h('th', { scope: 'row' }, row.name),
            row.values.map(value => h('td', {}, cellText(value))),
            h('td', { class: 'jp-nbprov-delta' }, formatDelta(row.delta))
          )
        );
      }
    }
    this._compareHost.replaceChildren(
      h(
        'div',
        { class: 'jp-nbprov-scroll' },
        h('table', { class: 'jp-nbprov-table jp-nbprov-compare' }, h('thead', {}, head), h('tbody', {}, body))
      )
    );
  }

  private renderTrialSelect(): void {
    const previous = this._trialSelect.value;
    const latest = latestTrial(this._trials);
    const options = [...this._trials]
      .sort((a, b) => b.id - a.id)
      .map(trial =>
        h('option', { value: String(trial.id) }, `#${trial.id}${trial.name ? ` ${trial.name}` : ''}`)
      );
    this._trialSelect.replaceChildren(...options);
    // Follow the latest trial until the user picks another one.
    if (this._trialPicked && previous && this._trials.some(t => String(t.id) === previous)) {
      this._trialSelect.value = previous;
    } else if (latest) {
      this._trialSelect.value = String(latest.id);
    }
  }

  private async loadVariables(): Promise<void> {
    const model = this._model;
    const ref = this._trialSelect.value;
    if (!model || !ref) {
      this._variableSelect.replaceChildren();
      this.updateButtons();
      return;
    }
    let detail: ITrialDetail | undefined = this._details.get(ref);
    if (!detail) {
      try {
        detail =
          model.current && String(model.current.id) === ref
            ? model.current
            : await this.api.trial(ref, model.path);
        this._details.set(ref, detail);
      } catch (error) {
        this.showError(error);
        return;
      }
    }
    const previous = this._variableSelect.value;
    const names = new Map<string, string>();
    for (const variable of detail.variables) {
      names.set(variable.name, variable.role);
    }
    this._variableSelect.replaceChildren(
      ...[...names.entries()].map(([name, role]) => h('option', { value: name }, `${name} (${role})`))
    );
    if (previous && names.has(previous)) {
      this._variableSelect.value = previous;
    }
    this.updateButtons();
  }

  private async showGraph(): Promise<void> {
    const model = this._model;
    const trial = this._trialSelect.value;
    const variable = this._variableSelect.value;
    if (!model || !trial || !variable) {
      return;
    }
    this._graphHost.replaceChildren(h('p', { class: 'jp-nbprov-empty' }, 'Drawing…'));
    this._largeButton.hidden = true;
    try {
      const reply = await this.api.deps(trial, variable, model.path);
      if (!reply.dot) {
        throw new Error('the server sent no graph for this variable');
      }
      this._dotSource.textContent = reply.dot;
      this._dotDetails.hidden = false;
      await renderDot(reply.dot, this._graphHost);
      this._graphTitle = `Lineage of ${variable} (trial ${trial})`;
      this._graphHost.setAttribute('aria-label', this._graphTitle);
      this._largeButton.hidden = false;
      this._error.hidden = true;
    } catch (error) {
      this._graphHost.replaceChildren();
      this.showError(error);
    }
  }

  private async exportScript(): Promise<void> {
    const model = this._model;
    const trial = this._trialSelect.value;
    const variable = this._variableSelect.value;
    if (!model || !trial || !variable) {
      return;
    }
    try {
      const reply = await this.api.scriptify(trial, variable, model.path);
      const blob = new Blob([reply.script], { type: 'text/x-python' });
      const link = h('a', {
        href: URL.createObjectURL(blob),
        download: `${variable}_trial${trial}.py`
      });
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10000);
    } catch (error) {
      this.showError(error);
    }
  }

  private showError(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this._error.textContent = message;
    this._error.hidden = false;
  }

  private _panel: NotebookPanel | null = null;
  private _model: NotebookProvenance | null = null;
  private _trials: ITrial[] = [];
  private _sort: ISort = { key: 'id', direction: 'descending' };
  private _selected = new Set<number>();
  private _compare: ICompareResult | null = null;
  private _details = new Map<string, ITrialDetail>();
  private _graphTitle = '';
  private _trialPicked = false;

  private _refreshButton = h('button', { class: 'jp-nbprov-button', type: 'button', title: 'Reload from the store' }, 'Refresh');
  private _subtitle = h('p', { class: 'jp-nbprov-subtitle' });
  private _error = h('div', { class: 'jp-nbprov-error', role: 'alert', hidden: true });
  private _allNotebooks = h('input', { type: 'checkbox', class: 'jp-nbprov-all' });
  private _tableHost = h('div', { class: 'jp-nbprov-table-host' });
  private _onlyChanged = h('input', { type: 'checkbox', class: 'jp-nbprov-only-changed' });
  private _compareButton = h('button', { class: 'jp-nbprov-button jp-nbprov-compare-button', type: 'button' }, 'Compare');
  private _compareHost = h('div', { class: 'jp-nbprov-compare-host' });
  private _trialSelect = h('select', { class: 'jp-nbprov-trial-select', 'aria-label': 'Trial' });
  private _variableSelect = h('select', { class: 'jp-nbprov-variable-select', 'aria-label': 'Tagged variable' });
  private _graphButton = h('button', { class: 'jp-nbprov-button jp-nbprov-graph-button', type: 'button' }, 'Show lineage');
  private _largeButton = h(
    'button',
    { class: 'jp-nbprov-button jp-nbprov-large-button', type: 'button', hidden: true },
    'Open in tab'
  );
  private _scriptButton = h('button', { class: 'jp-nbprov-button jp-nbprov-script-button', type: 'button' }, 'Export script');
  private _graphHost = h('div', { class: 'jp-nbprov-graph', 'aria-live': 'polite' });
  private _dotSource = h('pre', { class: 'jp-nbprov-dot' });
  private _dotDetails = h('details', { hidden: true }, h('summary', {}, 'DOT source'), this._dotSource);
}
