/**
 * The panel's Lineage section: the choice of a trial and one of its tagged variables, the
 * variable's lineage graph (with its DOT source, and a button that opens it in a tab),
 * the details of a variable node clicked in it, and the export of the standalone script
 * that rebuilds the variable.
 */

import { h } from '../dom';
import { ModelView } from './view';
import { describeNode, type IGraphCell, type IGraphVariable } from '../graphnodes';
import type {
  ICellTarget,
  IScriptFile,
  ProvenanceChange,
  ProvenanceModel
} from '../model/provenance';
import type { IDepsReply } from '../types';
import { parseSafeSvg } from '../svg';
import { GraphZoom } from '../zoom';
import { renderVariableDetail } from './variabledetail';

/** Shows a cell in its notebook; returns why it could not (null: shown). */
export type RevealCell = (target: ICellTarget) => string | null;

/** Opens a copy of a lineage graph in a main-area tab; a click on a cell reveals it. */
export type OpenGraph = (
  title: string,
  svg: SVGSVGElement,
  onCell: (cell: IGraphCell) => string | null
) => void;

/**
 * Give a drawn graph's nodes human tooltips (no internal ids) and make its cell nodes
 * links: a click, Enter or Space calls `onCell`, whose answer (why the cell could not be
 * shown) goes to `note`. With `onVariable`, variable nodes are buttons too: it gets the
 * version the node stands for.
 */
export function linkGraph(
  svg: SVGSVGElement,
  deps: IDepsReply['deps'] | null,
  onCell: (cell: IGraphCell) => string | null,
  note: HTMLElement,
  onVariable?: (variable: IGraphVariable) => void
): void {
  for (const title of Array.from(svg.querySelectorAll('g.edge > title, svg > g > title'))) {
    title.remove();
  }
  for (const node of Array.from(svg.querySelectorAll<SVGGElement>('g.node'))) {
    const title = node.querySelector(':scope > title');
    const lines = Array.from(node.querySelectorAll('text'), text => text.textContent ?? '');
    const info = describeNode(title?.textContent ?? '', lines, deps);
    if (title) {
      title.textContent = info.tooltip;
    }
    node.classList.add(`jp-nbprov-node-${info.kind}`);
    const cell = info.cell;
    if (cell) {
      node.dataset.seq = String(cell.seq);
      node.dataset.count = cell.executionCount === null ? '' : String(cell.executionCount);
      node.dataset.hash = cell.cellHash ?? '';
      node.dataset.stage = cell.stage ?? '';
      node.setAttribute('tabindex', '0');
      node.setAttribute('role', 'button');
      node.setAttribute('aria-label', info.tooltip);
    }
    const variable = info.variable;
    if (variable && onVariable) {
      node.dataset.variable = variable.name;
      node.dataset.version = String(variable.seq);
      node.dataset.count = variable.executionCount === null ? '' : String(variable.executionCount);
      node.setAttribute('tabindex', '0');
      node.setAttribute('role', 'button');
      node.setAttribute('aria-label', info.label ?? info.tooltip);
      onActivate(node, () =>
        onVariable({
          name: variable.name,
          seq: variable.seq,
          executionCount: variable.executionCount
        })
      );
    }
  }
  linkCells(svg, onCell, note);
}

/** Call `activate` on a click, Enter or Space: what a button does. */
function onActivate(node: SVGGElement, activate: () => void): void {
  node.addEventListener('click', activate);
  node.addEventListener('keydown', event => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      activate();
    }
  });
}

/** Make the cell nodes `linkGraph` marked call `onCell` on a click, Enter or Space. */
export function linkCells(
  svg: SVGSVGElement,
  onCell: (cell: IGraphCell) => string | null,
  note: HTMLElement
): void {
  for (const node of Array.from(svg.querySelectorAll<SVGGElement>('g.node[data-seq]'))) {
    const data = node.dataset;
    const cell: IGraphCell = {
      seq: Number(data.seq),
      executionCount: data.count ? Number(data.count) : null,
      cellHash: data.hash || null,
      stage: data.stage || null
    };
    onActivate(node, () => {
      note.textContent = onCell(cell) ?? '';
    });
  }
}

export class LineageView extends ModelView {
  constructor(
    model: ProvenanceModel,
    private readonly openLarge: OpenGraph = () => undefined,
    private readonly revealCell: RevealCell = () => 'The notebook is not open.'
  ) {
    super(model);
    this._zoom = new GraphZoom(this._graphHost);
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
        this._scriptButton,
        this._pipelineButton
      ),
      this._pipelineNote,
      this._zoom.controls,
      this._graphHost,
      this._graphNote,
      this._variableHost,
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
    this._pipelineButton.addEventListener('click', () => void this.exportPipeline());
    this._largeButton.addEventListener('click', () => {
      const svg = this._graphHost.querySelector('svg');
      if (svg && model.graph) {
        const copy = svg.cloneNode(true) as SVGSVGElement;
        // A copy's variable nodes have no details area: plain nodes, their tooltip kept.
        for (const node of Array.from(copy.querySelectorAll('g.node[data-variable]'))) {
          node.removeAttribute('tabindex');
          node.removeAttribute('role');
          node.removeAttribute('aria-label');
        }
        this.openLarge(model.graph.title, copy, cell => this.revealCell(model.cellTarget(cell)));
      }
    });
    this.renderChoices();
    this.renderButtons();
    this.renderGraph();
    this.renderVariable();
  }

  readonly node: HTMLElement;

  protected disposed(): void {
    this._zoom.dispose();
  }

  protected onChange(change: ProvenanceChange): void {
    if (change === 'lineage') {
      this.renderChoices();
      this.renderButtons();
    } else if (change === 'status') {
      this.renderButtons();
    } else if (change === 'graph') {
      this.renderGraph();
    } else if (change === 'variable') {
      this.renderVariable();
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
    this._pipelineButton.hidden = !features.pipeline;
    this._pipelineButton.disabled = !hasVariable;
  }

  private renderGraph(): void {
    const { dot, drawing, graph } = this.model;
    this._dotSource.textContent = dot ?? '';
    this._dotDetails.hidden = dot === null;
    this._largeButton.hidden = true;
    this._graphHost.removeAttribute('aria-label');
    this._graphNote.textContent = '';
    this._zoom.setSvg(null);
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
    svg.setAttribute('role', 'group'); // not 'img': its cell nodes are links
    svg.setAttribute('aria-label', graph.title);
    linkGraph(
      svg,
      graph.deps,
      cell => this.revealCell(this.model.cellTarget(cell)),
      this._graphNote,
      this.model.features.history ? variable => void this.model.showVariable(variable) : undefined
    );
    this._graphHost.replaceChildren(svg);
    this._graphHost.setAttribute('aria-label', graph.title);
    this._zoom.setSvg(svg);
    this._largeButton.hidden = false;
  }

  private renderVariable(): void {
    const detail = this.model.variableDetail;
    renderVariableDetail(this._variableHost, detail, () => this.model.clearVariable());
    if (detail && !detail.loading) {
      // A tall graph would hide the details below the panel's fold.
      this._variableHost.scrollIntoView?.({ block: 'nearest' });
    }
    this._variableHost.setAttribute(
      'aria-label',
      detail ? `Details of ${detail.variable.name}` : 'Variable details'
    );
    for (const node of Array.from(
      this._graphHost.querySelectorAll<SVGGElement>('g.node[data-variable]')
    )) {
      const shown =
        detail !== null &&
        node.dataset.variable === detail.variable.name &&
        node.dataset.version === String(detail.variable.seq);
      node.classList.toggle('jp-nbprov-node-shown', shown);
      if (shown) {
        node.setAttribute('aria-pressed', 'true');
      } else {
        node.removeAttribute('aria-pressed');
      }
    }
  }

  private async exportScript(): Promise<void> {
    const file = await this.model.exportScript();
    if (file) {
      download(file);
    }
  }

  private async exportPipeline(): Promise<void> {
    this._pipelineButton.disabled = true;
    this._pipelineNote.textContent = 'Writing the pipeline package…';
    const reply = await this.model.exportPipeline();
    this._pipelineButton.disabled = !this.model.variable;
    this._pipelineNote.textContent = reply
      ? `Wrote package ${reply.package} in ${reply.folder}: ` +
        `${reply.stages.map(stage => stage.name).join(' → ')}`
      : '';
  }

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
  private _zoom: GraphZoom;
  private _graphNote = h('p', { class: 'jp-nbprov-graph-note', 'aria-live': 'polite' });
  // Under the graph, not a dialog: the graph stays in view and usable.
  private _variableHost = h('div', {
    class: 'jp-nbprov-variable-detail',
    role: 'region',
    'aria-live': 'polite',
    hidden: true
  });
  private _pipelineButton = h(
    'button',
    {
      class: 'jp-nbprov-button jp-nbprov-pipeline-button',
      type: 'button',
      title: 'Write the stages that build the variable as a tested Python package and Luigi DAG'
    },
    'Export pipeline'
  );
  private _pipelineNote = h('p', { class: 'jp-nbprov-pipeline-note', 'aria-live': 'polite' });
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
