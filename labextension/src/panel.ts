/**
 * The right side-bar provenance panel for the current notebook: a header with the
 * notebook, its store and the last error, over three views of one ProvenanceModel — the
 * trials as a sortable table, a comparison of the picked trials, and a tagged variable's
 * lineage graph.
 */
import { Widget } from '@lumino/widgets';

import { h } from './dom';
import type { ProvenanceChange, ProvenanceModel } from './model/provenance';
import { CompareView } from './views/compare';
import { LineageView, type OpenGraph } from './views/lineage';
import { TrialsView } from './views/trials';

export const PANEL_ID = 'nbprov-provenance-panel';

export class ProvenancePanel extends Widget {
  constructor(
    readonly model: ProvenanceModel,
    openLarge?: OpenGraph
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-nbprov-panel');
    this.title.caption = 'Provenance (nbprov)';
    this.node.tabIndex = -1;
    this._views = [
      new TrialsView(model),
      new CompareView(model),
      new LineageView(model, openLarge)
    ];
    this.node.append(
      h('header', { class: 'jp-nbprov-header' }, h('h2', {}, 'Provenance'), this._refreshButton),
      this._subtitle,
      this._error,
      ...this._views.map(view => view.node)
    );
    this._refreshButton.addEventListener('click', () => void model.refresh());
    model.changed.connect(this.onChange, this);
    this.renderStatus();
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.model.changed.disconnect(this.onChange, this);
    for (const view of this._views) {
      view.dispose();
    }
    super.dispose();
  }

  private onChange(_: ProvenanceModel, change: ProvenanceChange): void {
    if (change === 'status') {
      this.renderStatus();
    }
  }

  /** The notebook and its store, and the last error. */
  private renderStatus(): void {
    const model = this.model;
    if (!model.notebook) {
      this._subtitle.textContent = 'Open a notebook to see its trials.';
      this._subtitle.removeAttribute('title');
    } else {
      const store = model.store ? ` · store ${model.store}` : '';
      this._subtitle.textContent = `${model.path}${store}`;
      this._subtitle.title = this._subtitle.textContent;
    }
    this._error.textContent = model.error ?? '';
    this._error.hidden = model.error === null;
  }

  private _views: Array<TrialsView | CompareView | LineageView>;
  private _refreshButton = h(
    'button',
    { class: 'jp-nbprov-button', type: 'button', title: 'Reload from the store' },
    'Refresh'
  );
  private _subtitle = h('p', { class: 'jp-nbprov-subtitle' });
  private _error = h('div', { class: 'jp-nbprov-error', role: 'alert', hidden: true });
}
