/**
 * The panel's Trials section: the trials as a sortable table with a box to pick each one
 * for comparison, and the choice between this notebook's trials and every notebook's.
 */

import { h } from '../dom';
import { ModelView } from './view';
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
      this._tableHost
    );
    this._allNotebooks.checked = model.scope === 'all';
    this._allNotebooks.addEventListener('change', () => {
      void model.setScope(this._allNotebooks.checked ? 'all' : 'notebook');
    });
    this.renderTable();
  }

  readonly node: HTMLElement;

  protected onChange(change: ProvenanceChange): void {
    if (change === 'trials') {
      this._allNotebooks.checked = this.model.scope === 'all';
      this.renderTable();
    } else if (change === 'picked') {
      for (const box of Array.from(
        this._tableHost.querySelectorAll<HTMLInputElement>('input[data-pick]')
      )) {
        box.checked = this.model.picked.has(Number(box.dataset.pick));
      }
    }
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
          model.loaded
            ? 'No trials recorded yet. Run a cell with %load_ext nbprov to start one.'
            : 'Loading…'
        )
      );
      return;
    }
    const columns = trialColumns(model.trials);
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
