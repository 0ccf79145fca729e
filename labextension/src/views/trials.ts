/**
 * The panel's Trials section: the trials as a sortable table with a box to pick each one
 * for comparison, the choice between this notebook's trials and every notebook's, a
 * filter box (the language of `nbprov trials --filter`, filtered by the server) and a
 * chooser of the hyperparameter and metric columns.
 */

import { h } from '../dom';
import { ModelView } from './view';
import { defaultShown, isShown, shownColumns } from '../columns';
import type { ProvenanceChange, ProvenanceModel } from '../model/provenance';
import {
  cellText,
  columnValue,
  formatDuration,
  formatTime,
  type IColumn,
  sortTrials,
  trialColumns,
  trialDuration
} from '../table';
import type { ITrial } from '../types';

/** How long the filter box waits after the last key before it asks the server. */
export const FILTER_DELAY_MS = 400;

export class TrialsView extends ModelView {
  constructor(model: ProvenanceModel) {
    super(model);
    this.node = h(
      'section',
      { class: 'jp-nbprov-section', 'aria-label': 'Trials' },
      h(
        'div',
        { class: 'jp-nbprov-section-head' },
        h('h3', {}, 'Trials'),
        h('label', { class: 'jp-nbprov-check' }, this._allNotebooks, 'all notebooks')
      ),
      h('div', { class: 'jp-nbprov-filter-row' }, this._filter, this._columns),
      this._filterError,
      this._tableHost
    );
    this._allNotebooks.checked = model.scope === 'all';
    this._allNotebooks.addEventListener('change', () => {
      void model.setScope(this._allNotebooks.checked ? 'all' : 'notebook');
    });
    this._filter.addEventListener('input', () => this.filterSoon());
    this._filter.addEventListener('keydown', event => {
      if (event.key === 'Enter') {
        this.applyFilter();
      }
    });
    this._filter.addEventListener('search', () => this.applyFilter()); // the clear button
    this._columnsReset.addEventListener('click', () => model.resetColumns());
    this.renderFilter();
    this.renderColumnChooser();
    this.renderTable();
  }

  readonly node: HTMLElement;

  protected onChange(change: ProvenanceChange): void {
    if (change === 'trials') {
      this._allNotebooks.checked = this.model.scope === 'all';
      this.renderColumnChooser();
      this.renderTable();
    } else if (change === 'filter') {
      this.renderFilter();
    } else if (change === 'columns') {
      this.renderColumnChooser();
      this.renderTable();
    } else if (change === 'picked') {
      for (const box of Array.from(
        this._tableHost.querySelectorAll<HTMLInputElement>('input[data-pick]')
      )) {
        box.checked = this.model.picked.has(Number(box.dataset.pick));
      }
    }
  }

  protected disposed(): void {
    clearTimeout(this._filterTimer);
  }

  /** Ask the server for the filter once typing pauses. */
  private filterSoon(): void {
    clearTimeout(this._filterTimer);
    this._filterPending = true;
    this._filterTimer = setTimeout(() => this.applyFilter(), FILTER_DELAY_MS);
  }

  private applyFilter(): void {
    clearTimeout(this._filterTimer);
    this._filterPending = false;
    void this.model.setFilter(this._filter.value);
  }

  /** The filter's text (unless the user is typing one) and the server's word on it. */
  private renderFilter(): void {
    const model = this.model;
    if (model.notebook !== this._filterNotebook) {
      // Another notebook: what was typed for the last one is not applied to this one.
      this._filterNotebook = model.notebook;
      clearTimeout(this._filterTimer);
      this._filterPending = false;
    }
    if (!this._filterPending && this._filter.value.trim() !== model.filter) {
      this._filter.value = model.filter;
    }
    this._filter.disabled = !model.notebook;
    const error = model.filterError;
    this._filterError.textContent = error ?? '';
    this._filterError.hidden = error === null;
    if (error === null) {
      this._filter.removeAttribute('aria-invalid');
    } else {
      this._filter.setAttribute('aria-invalid', 'true');
    }
  }

  /**
   * A box per hyperparameter and metric column, to show or hide it. The boxes are made
   * again only when the columns change, so that a click keeps the focus on its box.
   */
  private renderColumnChooser(): void {
    const model = this.model;
    const all = trialColumns(model.trials);
    const columns = all.filter(c => c.kind !== 'fixed');
    const defaults = defaultShown(all);
    const shown = (key: string): boolean => {
      const column = columns.find(c => c.key === key);
      return column !== undefined && isShown(column, model.columnChoices, defaults);
    };
    this._columns.hidden = !columns.length;
    this._columnsSummary.textContent = `Columns (${columns.filter(c => shown(c.key)).length}/${columns.length})`;
    const keys = columns.map(c => c.key).join('\n');
    if (keys !== this._columnKeys) {
      this._columnKeys = keys;
      const boxes = columns.map(column => {
        const box = h('input', { type: 'checkbox', 'data-column': column.key });
        box.addEventListener('change', () => model.setColumnShown(column.key, box.checked));
        return h(
          'label',
          { class: `jp-nbprov-check jp-nbprov-col-${column.kind}` },
          box,
          column.label,
          h('span', { class: 'jp-nbprov-column-kind' }, ` ${column.kind}`)
        );
      });
      this._columnsList.replaceChildren(...boxes, this._columnsReset);
    }
    for (const box of Array.from(
      this._columnsList.querySelectorAll<HTMLInputElement>('input[data-column]')
    )) {
      box.checked = shown(box.dataset.column ?? '');
    }
    this._columnsReset.disabled = !model.columnChoices.size;
  }

  private renderTable(): void {
    const model = this.model;
    if (!model.notebook) {
      this._tableHost.replaceChildren();
      return;
    }
    if (!model.trials.length) {
      this._tableHost.replaceChildren(
        h(
          'p',
          { class: 'jp-nbprov-empty' },
          !model.loaded
            ? 'Loading…'
            : model.filter && !model.filterError
              ? 'No trial matches the filter.'
              : 'No trials recorded yet. Run a cell with %load_ext nbprov to start one.'
        )
      );
      return;
    }
    const columns = shownColumns(trialColumns(model.trials), model.columnChoices);
    const head = h(
      'tr',
      {},
      h(
        'th',
        { class: 'jp-nbprov-pick', scope: 'col' },
        h('span', { class: 'jp-nbprov-sr' }, 'Pick')
      ),
      columns.map(column => this.header(column))
    );
    const current = model.currentTrial;
    const body = sortTrials(model.trials, model.sort).map(trial => {
      const box = h('input', {
        type: 'checkbox',
        'aria-label': `Pick trial ${trial.id}`,
        'data-pick': String(trial.id),
        checked: model.picked.has(trial.id)
      });
      box.addEventListener('change', () => model.pick(trial.id, box.checked));
      const isCurrent = trial.id === current;
      return h(
        'tr',
        {
          'data-trial': String(trial.id),
          class: isCurrent ? 'jp-nbprov-current' : undefined,
          title:
            model.scope === 'notebook'
              ? isCurrent
                ? "This kernel's trial"
                : 'Recorded by another kernel or process'
              : undefined
        },
        h('td', { class: 'jp-nbprov-pick' }, box),
        columns.map(column =>
          h(
            'td',
            { class: `jp-nbprov-col-${column.kind}`, title: fullText(trial, column.key) },
            cell(trial, column.key),
            isCurrent && column.key === 'id'
              ? h('span', { class: 'jp-nbprov-kernel-tag' }, 'kernel')
              : null
          )
        )
      );
    });
    // A redraw (a sort, a refresh) keeps the table where it was scrolled to.
    const old = this._tableHost.querySelector('.jp-nbprov-scroll');
    const scrollLeft = old?.scrollLeft ?? 0;
    this._tableHost.replaceChildren(
      h(
        'div',
        { class: 'jp-nbprov-scroll', role: 'region', 'aria-label': 'Trials table', tabindex: '0' },
        h(
          'table',
          { class: 'jp-nbprov-table jp-nbprov-trials' },
          h('thead', {}, head),
          h('tbody', {}, body)
        )
      )
    );
    const scroller = this._tableHost.querySelector('.jp-nbprov-scroll');
    if (scroller) {
      scroller.scrollLeft = scrollLeft;
    }
  }

  private header(column: IColumn): HTMLElement {
    const sort = this.model.sort;
    const sorted = sort.key === column.key;
    const button = h(
      'button',
      { class: 'jp-nbprov-sort', type: 'button', title: `Sort by ${column.label}` },
      column.label,
      sorted ? (sort.direction === 'ascending' ? ' ▲' : ' ▼') : ''
    );
    button.addEventListener('click', () => this.model.sortBy(column.key));
    return h(
      'th',
      {
        scope: 'col',
        class: `jp-nbprov-col-${column.kind}`,
        'data-key': column.key,
        'aria-sort': sorted ? sort.direction : undefined
      },
      button
    );
  }

  private _allNotebooks = h('input', { type: 'checkbox', class: 'jp-nbprov-all' });
  private _filter = h('input', {
    type: 'search',
    class: 'jp-nbprov-filter',
    'aria-label': 'Filter trials',
    placeholder: 'Filter: metric.r2 > 0.4 and alpha < 1',
    title: 'The filter of nbprov trials --filter: comparisons joined by and / or / not',
    spellcheck: 'false',
    autocomplete: 'off'
  });
  private _filterError = h('div', {
    class: 'jp-nbprov-filter-error',
    role: 'alert',
    hidden: true
  });
  private _filterTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _filterPending = false;
  private _filterNotebook: ProvenanceModel['notebook'] = null;
  private _columnsSummary = h('summary', {}, 'Columns');
  private _columnKeys: string | null = null;
  private _columnsReset = h(
    'button',
    { class: 'jp-nbprov-button', type: 'button', title: 'Show the columns that fit' },
    'Those that fit'
  );
  private _columnsList = h('div', { class: 'jp-nbprov-columns-list' });
  private _columns = h(
    'details',
    { class: 'jp-nbprov-columns' },
    this._columnsSummary,
    this._columnsList
  );
  private _tableHost = h('div', { class: 'jp-nbprov-table-host' });
}

/** A cell's whole text as its tooltip, when it may be cut (long names and values). */
function fullText(trial: ITrial, key: string): string | undefined {
  if (key === 'started_at' || key === 'duration' || key === 'status' || key === 'id') {
    return undefined;
  }
  const text = cellText(columnValue(trial, key));
  return text.length > 12 ? text : undefined;
}

/** What a table cell shows for a column. */
function cell(trial: ITrial, key: string): string | HTMLElement {
  switch (key) {
    case 'started_at':
      return formatTime(trial.started_at);
    case 'duration':
      return formatDuration(trialDuration(trial));
    case 'status':
      return h(
        'span',
        { class: `jp-nbprov-status jp-nbprov-status-${trial.status}` },
        trial.status
      );
    default:
      return cellText(columnValue(trial, key));
  }
}
