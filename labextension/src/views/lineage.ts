/**
 * The panel's Lineage section: the choice of a trial and one of its tagged variables, the
 * variable's lineage graph (with its DOT source, and a button that opens it in a tab),
 * and the export of the standalone script that rebuilds the variable.
 */
import type { IDisposable } from '@lumino/disposable';

import { h } from '../dom';
import type { IScriptFile, ProvenanceChange, ProvenanceModel } from '../model/provenance';
import { parseSafeSvg } from '../svg';

/** Opens a copy of a lineage graph in a main-area tab. */
export type OpenGraph = (title: string, svg: SVGSVGElement) => void;

export class LineageView implements IDisposable {
  constructor(
    private readonly model: ProvenanceModel,
    private readonly openLarge: OpenGraph = () => undefined
  ) {
    this.node = h(
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
    );
    this._trialSelect.addEventListener(
      'change',
      () => void model.selectTrial(this._trialSelect.value)
    );
    this._variableSelect.addEventListener('change', () =>
      model.selectVariable(this._variableSelect.value)
    );
    this._graphButton.addEventListener('click', () => void model.showGraph());
    this._scriptButton.addEventListener('click', () => void this.exportScript());
    this._largeButton.addEventListener('click', () => {
      const svg = this._graphHost.querySelector('svg');
      if (svg && model.graph) {
        this.openLarge(model.graph.title, svg.cloneNode(true) as SVGSVGElement);
      }
    });
    model.changed.connect(this.onChange, this);
    this.renderChoices();
    this.renderButtons();
    this.renderGraph();
  }

  readonly node: HTMLElement;

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (!this._disposed) {
      this._disposed = true;
      this.model.changed.disconnect(this.onChange, this);
    }
  }

  private onChange(_: ProvenanceModel, change: ProvenanceChange): void {
    if (change === 'lineage') {
      this.renderChoices();
      this.renderButtons();
    } else if (change === 'status') {
      this.renderButtons();
    } else if (change === 'graph') {
      this.renderGraph();
    }
  }

  /** The trial and variable choices (options rebuilt only when they change). */
  private renderChoices(): void {
    const model = this.model;
    const trials = [...model.trials]
      .sort((a, b) => b.id - a.id)
      .map((trial): [string, string] => [
        String(trial.id),
        `#${trial.id}${trial.name ? ` ${trial.name}` : ''}`
      ]);
    setOptions(this._trialSelect, trials, model.lineageTrial);
    const variables = model.variables.map(({ name, role }): [string, string] => [
      name,
      `${name} (${role})`
    ]);
    setOptions(this._variableSelect, variables, model.variable);
  }

  private renderButtons(): void {
    const features = this.model.features;
    const hasVariable = Boolean(this.model.variable);
    this._graphButton.disabled = !hasVariable || !features.deps;
    this._graphButton.title = features.deps
      ? 'Draw the lineage of the variable'
      : 'This nbprov has no lineage yet';
    this._scriptButton.hidden = !features.scriptify;
    this._scriptButton.disabled = !hasVariable;
  }

  private renderGraph(): void {
    const { dot, drawing, graph } = this.model;
    this._dotSource.textContent = dot ?? '';
    this._dotDetails.hidden = dot === null;
    this._largeButton.hidden = true;
    this._graphHost.removeAttribute('aria-label');
    if (drawing) {
      this._graphHost.replaceChildren(h('p', { class: 'jp-nbprov-empty' }, 'Drawing…'));
      return;
    }
    if (!graph) {
      this._graphHost.replaceChildren();
      return;
    }
    let svg: SVGSVGElement;
    try {
      svg = parseSafeSvg(graph.svg, this._graphHost.ownerDocument);
    } catch (error) {
      this._graphHost.replaceChildren();
      this.model.reportError(error);
      return;
    }
    svg.classList.add('jp-nbprov-graph-svg');
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', graph.title);
    this._graphHost.replaceChildren(svg);
    this._graphHost.setAttribute('aria-label', graph.title);
    this._largeButton.hidden = false;
  }

  private async exportScript(): Promise<void> {
    const file = await this.model.exportScript();
    if (file) {
      download(file);
    }
  }

  private _disposed = false;
  private _trialSelect = h('select', { class: 'jp-nbprov-trial-select', 'aria-label': 'Trial' });
  private _variableSelect = h('select', {
    class: 'jp-nbprov-variable-select',
    'aria-label': 'Tagged variable'
  });
  private _graphButton = h(
    'button',
    { class: 'jp-nbprov-button jp-nbprov-graph-button', type: 'button' },
    'Show lineage'
  );
  private _largeButton = h(
    'button',
    { class: 'jp-nbprov-button jp-nbprov-large-button', type: 'button', hidden: true },
    'Open in tab'
  );
  private _scriptButton = h(
    'button',
    { class: 'jp-nbprov-button jp-nbprov-script-button', type: 'button' },
    'Export script'
  );
  // It scrolls, so it takes the keyboard focus (arrow keys scroll it).
  private _graphHost = h('div', {
    class: 'jp-nbprov-graph',
    'aria-live': 'polite',
    role: 'group',
    tabindex: '0'
  });
  private _dotSource = h('pre', { class: 'jp-nbprov-dot' });
  private _dotDetails = h(
    'details',
    { hidden: true },
    h('summary', {}, 'DOT source'),
    this._dotSource
  );
}

/** Give a select these [value, label] options, rebuilding them only if they differ. */
function setOptions(
  select: HTMLSelectElement,
  options: Array<[string, string]>,
  value: string
): void {
  const current = Array.from(select.options, option => [option.value, option.text]);
  if (JSON.stringify(current) !== JSON.stringify(options)) {
    select.replaceChildren(
      ...options.map(([optionValue, label]) => h('option', { value: optionValue }, label))
    );
  }
  select.value = value;
}

/** Save a script through the browser's download. */
function download(file: IScriptFile): void {
  const blob = new Blob([file.script], { type: 'text/x-python' });
  const link = h('a', { href: URL.createObjectURL(blob), download: file.filename });
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}
