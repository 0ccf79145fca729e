/**
 * The panel's Searches section: the studies ``nbprov sweep`` kept in the store; the chosen
 * one's best value and parameters, optimisation history and parallel coordinates (the
 * Vega-Lite charts the server builds), drawn in the theme's colours.
 */

import { h } from '../dom';
import { ModelView } from './view';
import type { ProvenanceChange, ProvenanceModel } from '../model/provenance';
import { drawSpec } from './charts';

export class StudiesView extends ModelView {
  constructor(model: ProvenanceModel) {
    super(model);
    this.node = h(
      'section',
      { class: 'jp-nbprov-section jp-nbprov-studies', 'aria-label': 'Searches', hidden: true },
      h('div', { class: 'jp-nbprov-section-head' }, h('h3', {}, 'Searches')),
      h('div', { class: 'jp-nbprov-actions' }, h('label', {}, 'Study ', this._select)),
      this._best,
      this._historyHost,
      this._parallelHost
    );
    this._select.addEventListener('change', () => void model.selectStudy(this._select.value));
  }

  readonly node: HTMLElement;

  protected disposed(): void {
    this._finalize.forEach(free => free());
  }

  protected onChange(change: ProvenanceChange): void {
    if (change === 'studies') {
      void this.render();
    }
  }

  private async render(): Promise<void> {
    const { studies, study } = this.model;
    this.node.hidden = studies.length === 0;
    const chosen = this._select.value;
    this._select.replaceChildren(
      h('option', { value: '' }, 'choose a search'),
      ...studies.map(name => h('option', { value: name }, name))
    );
    this._select.value = studies.includes(chosen) ? chosen : '';
    const summary = study?.summary;
    const best = summary?.best;
    this._best.textContent = best
      ? `best ${summary.metric} = ${best.value}` +
        (best.trial !== null ? ` (trial #${best.trial})` : '') +
        `: ${Object.entries(best.params)
          .map(([name, value]) => `${name} = ${JSON.stringify(value)}`)
          .join(', ')}`
      : '';
    this._finalize.forEach(free => free());
    this._finalize = [];
    try {
      for (const [host, spec, label] of [
        [this._historyHost, study?.charts.history ?? null, 'Optimisation history'],
        [this._parallelHost, study?.charts.parallel ?? null, 'Parameters and the metric']
      ] as const) {
        const free = await drawSpec(host, spec, label, this.node);
        if (free) {
          this._finalize.push(free);
        }
      }
    } catch (error) {
      this.model.reportError(error);
    }
  }

  private _finalize: Array<() => void> = [];
  private _select = h('select', { class: 'jp-nbprov-study-select', 'aria-label': 'Study' });
  private _best = h('p', { class: 'jp-nbprov-study-best', 'aria-live': 'polite' });
  private _historyHost = h('div', {
    class: 'jp-nbprov-chart jp-nbprov-study-history',
    role: 'figure',
    hidden: true
  });
  private _parallelHost = h('div', {
    class: 'jp-nbprov-chart jp-nbprov-study-parallel',
    role: 'figure',
    hidden: true
  });
}
