/**
 * The panel's Charts section: the Vega-Lite specs the server builds for the notebook's
 * trials (parallel coordinates of hyperparameters and metrics, and a metric against a
 * hyperparameter), drawn by vega-embed with colours from the JupyterLab theme.
 */

import { h } from '../dom';
import { ModelView } from './view';
import type { ProvenanceChange, ProvenanceModel } from '../model/provenance';
import type { VegaLiteSpec } from '../types';

/** A Vega config whose colours are the theme's CSS variables, read when drawing. */
export function themeConfig(style: CSSStyleDeclaration): Record<string, unknown> {
  const v = (name: string, fallback: string): string =>
    style.getPropertyValue(name).trim() || fallback;
  const text = v('--jp-ui-font-color1', 'currentColor');
  const grid = v('--jp-border-color2', 'currentColor');
  const font = v('--jp-ui-font-family', 'sans-serif');
  return {
    background: 'transparent',
    font,
    axis: {
      labelColor: text,
      titleColor: text,
      domainColor: grid,
      gridColor: grid,
      tickColor: grid
    },
    legend: { labelColor: text, titleColor: text },
    title: { color: text },
    view: { stroke: grid },
    rule: { color: grid },
    range: {
      category: [
        v('--jp-brand-color1', '#1976d2'),
        v('--jp-warn-color1', '#f57c00'),
        v('--jp-success-color1', '#388e3c'),
        v('--jp-error-color1', '#d32f2f'),
        v('--jp-accent-color1', '#00796b'),
        v('--jp-brand-color3', '#bbdefb')
      ]
    }
  };
}

/**
 * Draw a Vega-Lite spec into ``host`` with the theme's colours read from ``styled``; the
 * function that frees the drawing (null when nothing was drawn).
 */
export async function drawSpec(
  host: HTMLElement,
  spec: VegaLiteSpec | null,
  label: string,
  styled: HTMLElement
): Promise<(() => void) | null> {
  host.replaceChildren();
  host.hidden = spec === null;
  if (!spec) {
    return null;
  }
  host.setAttribute('aria-label', label);
  const { default: embed } = await import('vega-embed');
  const result = await embed(host, spec, {
    actions: false,
    renderer: 'svg',
    config: themeConfig(getComputedStyle(styled)) as never
  });
  return () => result.finalize();
}

export class ChartsView extends ModelView {
  constructor(model: ProvenanceModel) {
    super(model);
    this.node = h(
      'section',
      { class: 'jp-nbprov-section jp-nbprov-charts', 'aria-label': 'Charts' },
      h('div', { class: 'jp-nbprov-section-head' }, h('h3', {}, 'Charts')),
      h('div', { class: 'jp-nbprov-actions' }, h('label', {}, 'Scatter ', this._scatterSelect)),
      this._parallelHost,
      this._scatterHost
    );
    this._scatterSelect.addEventListener('change', () => void this.drawScatter());
    // The charts' colours are the theme's: draw them again when the theme changes.
    this._themeWatch = new MutationObserver(() => void this.render());
    this._themeWatch.observe(document.body, {
      attributes: true,
      attributeFilter: ['data-jp-theme-name']
    });
    void this.render();
  }

  readonly node: HTMLElement;

  protected disposed(): void {
    this._themeWatch.disconnect();
    this._finalize.forEach(f => f());
  }

  protected onChange(change: ProvenanceChange): void {
    if (change === 'charts') {
      void this.render();
    }
  }

  private async render(): Promise<void> {
    const charts = this.model.charts;
    this.node.hidden = !charts || (!charts.parallel && !charts.scatter.length);
    if (!charts || this.node.hidden) {
      return;
    }
    const choice = this._scatterSelect.value;
    this._scatterSelect.replaceChildren(
      ...charts.scatter.map((chart, i) => h('option', { value: String(i) }, chart.title))
    );
    const kept = charts.scatter.findIndex(chart => chart.title === choice);
    this._scatterSelect.value = String(Math.max(0, kept));
    this._scatterSelect.parentElement!.hidden = charts.scatter.length < 2;
    await this.draw(this._parallelHost, charts.parallel, 'Parallel coordinates of all trials');
    await this.drawScatter();
  }

  private async drawScatter(): Promise<void> {
    const chart = this.model.charts?.scatter[Number(this._scatterSelect.value)];
    await this.draw(this._scatterHost, chart?.spec ?? null, chart?.title ?? '');
  }

  private async draw(host: HTMLElement, spec: VegaLiteSpec | null, label: string): Promise<void> {
    const index = host === this._parallelHost ? 0 : 1;
    this._finalize[index]?.();
    try {
      this._finalize[index] = (await drawSpec(host, spec, label, this.node)) ?? (() => undefined);
    } catch (error) {
      this.model.reportError(error);
    }
  }

  private _themeWatch: MutationObserver;
  private _finalize: Array<() => void> = [];
  private _scatterSelect = h('select', {
    class: 'jp-nbprov-scatter-select',
    'aria-label': 'Scatter plot'
  });
  private _parallelHost = h('div', {
    class: 'jp-nbprov-chart jp-nbprov-parallel',
    role: 'figure'
  });
  private _scatterHost = h('div', { class: 'jp-nbprov-chart jp-nbprov-scatter', role: 'figure' });
}
