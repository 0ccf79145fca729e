/**
 * The right side-bar provenance panel for the current notebook: a header with the
 * notebook, its store and the last error, over three views of one ProvenanceModel — the
 * trials as a sortable table, a comparison of the picked trials, and a tagged variable's
 * lineage graph.
 */
import type { Message } from '@lumino/messaging';
import { SplitPanel, Widget } from '@lumino/widgets';

import { h } from './dom';
import type { ProvenanceChange, ProvenanceModel } from './model/provenance';
import { ChartsView } from './views/charts';
import { StudiesView } from './views/studies';
import { CompareView } from './views/compare';
import { LineageView, type OpenGraph, type RevealCell } from './views/lineage';
import { TrialsView } from './views/trials';

export const PANEL_ID = 'nbprov-provenance-panel';

/** The side bar is widened to this when the panel shows narrower (its table needs it). */
export const PANEL_WIDTH = 440;

/**
 * Widen the split pane that holds `widget` to `width` pixels, taking the room from the
 * widest other pane (the main area). The side bar's split ignores a CSS min-width, so the
 * split's sizes are set instead. Returns whether it changed anything.
 */
export function widenPane(widget: Widget, width: number): boolean {
  let pane: Widget | null = widget;
  while (pane && !(pane.parent instanceof SplitPanel)) {
    pane = pane.parent;
  }
  const split = pane?.parent;
  if (!pane || !(split instanceof SplitPanel)) {
    return false;
  }
  const total = split.node.getBoundingClientRect().width;
  const current = pane.node.getBoundingClientRect().width;
  if (current >= width || total < width * 2) {
    return false;
  }
  const index = split.widgets.indexOf(pane);
  const sizes = split.relativeSizes();
  const sum = sizes.reduce((a, b) => a + b, 0) || 1;
  const pixels = sizes.map(size => (size / sum) * total);
  let donor = -1;
  pixels.forEach((size, i) => {
    if (i !== index && (donor < 0 || size > pixels[donor])) {
      donor = i;
    }
  });
  if (donor < 0) {
    return false;
  }
  pixels[donor] -= width - pixels[index];
  pixels[index] = width;
  split.setRelativeSizes(pixels);
  return true;
}

export class ProvenancePanel extends Widget {
  constructor(
    readonly model: ProvenanceModel,
    openLarge?: OpenGraph,
    revealCell?: RevealCell
  ) {
    super();
    this.id = PANEL_ID;
    this.addClass('jp-nbprov-panel');
    this.title.caption = 'Provenance (nbprov)';
    this.node.tabIndex = -1;
    this._views = [
      new TrialsView(model),
      new CompareView(model),
      new ChartsView(model),
      new StudiesView(model),
      new LineageView(model, openLarge, revealCell)
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

  /** Shown narrower than its table needs: widen the side bar. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    requestAnimationFrame(() => {
      if (this.isVisible) {
        widenPane(this, PANEL_WIDTH);
      }
    });
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

  private _views: Array<TrialsView | CompareView | ChartsView | StudiesView | LineageView>;
  private _refreshButton = h(
    'button',
    { class: 'jp-nbprov-button', type: 'button', title: 'Reload from the store' },
    'Refresh'
  );
  private _subtitle = h('p', { class: 'jp-nbprov-subtitle' });
  private _error = h('div', { class: 'jp-nbprov-error', role: 'alert', hidden: true });
}
