/**
 * The provenance panel's model: everything the panel shows that comes from the server,
 * for the current notebook. The trial list (this notebook's or every notebook's), the
 * picked trials and their comparison, the trial and variable whose lineage to draw and
 * the graph, what is loading and the last error. The views render it and call its
 * methods; they never talk to the server themselves.
 */
import { type ISignal, Signal } from '@lumino/signaling';

import { ApiError, type NbprovApi } from '../api';
import { dotToSvg } from '../graphviz';
import { type ISort, latestTrial, nextSort } from '../table';
import { withBaseline } from '../comparison';
import type { IGraphCell, IGraphVariable } from '../graphnodes';
import type {
  ICellChange,
  IChartsReply,
  ICompareResult,
  IDepsReply,
  IHistoryReply,
  IInfoReply,
  IPipelineReply,
  IStudyReply,
  ITrial,
  ITrialDetail
} from '../types';
import type { NotebookProvenance } from './notebook';

/** The server calls the model makes (NbprovApi, or a stand-in in tests). */
export type ProvenanceApi = Pick<NbprovApi, 'trials' | 'trial' | 'compare' | 'deps' | 'scriptify'> &
  Partial<Pick<NbprovApi, 'charts' | 'pipeline' | 'studies' | 'study' | 'cellChange' | 'history'>>;

/** Which trials the table lists. */
export type TrialScope = 'notebook' | 'all';

/**
 * What changed, so that each view redraws only its part:
 * - `status`: the notebook, its store, the features, loading, the error;
 * - `trials`: the trial list or its order;
 * - `filter`: the trial filter's text or its error;
 * - `columns`: which of the table's columns show;
 * - `picked`: the trials picked for comparison;
 * - `comparison`: the comparison or the "only changed" choice;
 * - `lineage`: the trial and variable choices;
 * - `graph`: the lineage graph (drawing, drawn, cleared) and its DOT source;
 * - `variable`: the variable node shown under the graph, its value and history;
 * - `charts`: the Vega-Lite charts of the notebook's trials;
 * - `studies`: the searches in the store, the chosen one and its charts.
 */
export type ProvenanceChange =
  | 'status'
  | 'trials'
  | 'filter'
  | 'columns'
  | 'picked'
  | 'comparison'
  | 'lineage'
  | 'graph'
  | 'variable'
  | 'charts'
  | 'studies';

/** An opened code row of the comparison: each trial's change against the baseline. */
export interface ICodeDetail {
  loading: boolean;
  error: string | null;
  changes: ICellChange[];
}

/** A tagged variable of the lineage trial, as the variable choice lists it. */
export interface IVariableChoice {
  name: string;
  role: string;
}

/** A drawn lineage graph. */
export interface ILineageGraph {
  /** The SVG text graphviz laid out (not yet sanitized). */
  svg: string;
  title: string;
  /** The trial it was drawn for. */
  trial: string;
  /** The slice it draws (its activations say which cells the nodes are). */
  deps: IDepsReply['deps'] | null;
}

/** A variable node of the drawn graph, shown under it: its recorded value and history. */
export interface IVariableDetail {
  variable: IGraphVariable;
  loading: boolean;
  error: string | null;
  history: IHistoryReply | null;
}

/** Where a cell of a lineage graph is: its cell id when recorded, else its code's hash. */
export interface ICellTarget {
  cellId: string | null;
  cellHash: string | null;
  executionCount: number | null;
}

/**
 * The DOT laid out for the panel: top to bottom, so a slice grows down the narrow side
 * bar instead of across it.
 */
export function panelDot(dot: string): string {
  return dot.replace(/\brankdir\s*=\s*"?LR"?/, 'rankdir=TB');
}

/** A standalone script, ready to save. */
export interface IScriptFile {
  filename: string;
  script: string;
}

export interface IProvenanceModelOptions {
  /** DOT to SVG text; graphviz in WebAssembly unless given. */
  layout?: (dot: string) => Promise<string>;
}

type Features = IInfoReply['features'];

/** What the panel showed for a notebook, kept while another notebook is on show. */
interface ISavedState {
  picked: number[];
  trialPicked: boolean;
  lineageTrial: string;
  variable: string;
  comparison: ICompareResult | null;
  graph: ILineageGraph | null;
  dot: string | null;
  filter: string;
  columns: Array<[string, boolean]>;
}

const NO_FEATURES: Features = { trials: false, compare: false, deps: false, scriptify: false };

/** Numbers the calls of one kind so that only the latest one's reply is used. */
class LatestCall {
  start(): number {
    return ++this._last;
  }

  isLatest(call: number): boolean {
    return call === this._last;
  }

  cancel(): void {
    this._last++;
  }

  private _last = 0;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class ProvenanceModel {
  constructor(
    private readonly api: ProvenanceApi,
    options: IProvenanceModelOptions = {}
  ) {
    this._layout = options.layout ?? dotToSvg;
  }

  /** Emitted after every change of state, with the part that changed. */
  get changed(): ISignal<this, ProvenanceChange> {
    return this._changed;
  }

  /** The notebook on show, or null when no notebook is current. */
  get notebook(): NotebookProvenance | null {
    return this._notebook;
  }

  /** The notebook's Jupyter path ('' when none). */
  get path(): string {
    return this._notebook?.path ?? '';
  }

  /** The store the notebook's trials come from ('' until known). */
  get store(): string {
    return this._notebook?.store ?? '';
  }

  /** Whether the notebook's trials have been fetched once (successfully or not). */
  get loaded(): boolean {
    return this._notebook?.loaded ?? false;
  }

  /** What the server's nbprov can do (all false until known). */
  get features(): Features {
    return this._notebook?.info?.features ?? NO_FEATURES;
  }

  /** The last failure to show, or null. */
  get error(): string | null {
    return this._error;
  }

  /** The id of the trial the notebook's kernel records, if any. */
  get currentTrial(): number | null {
    return this._notebook?.current?.id ?? null;
  }

  get scope(): TrialScope {
    return this._scope;
  }

  /** The filter the trials listed pass (`nbprov trials --filter`; '' for none). */
  get filter(): string {
    return this._filter;
  }

  /** Why the server refused the filter (its one-line message), or null. */
  get filterError(): string | null {
    return this._filterError;
  }

  /**
   * List only the trials `text` keeps, in the language of `nbprov trials --filter`; the
   * server filters. A filter the server refuses leaves every trial listed and its
   * message in `filterError`. Each notebook keeps its own filter.
   */
  async setFilter(text: string): Promise<void> {
    const filter = text.trim();
    if (filter === this._filter) {
      return;
    }
    this._filter = filter;
    this._filterError = null;
    this.emit('filter');
    await this.loadTrials();
  }

  /** The user's choice of columns: column key → shown (others follow the default). */
  get columnChoices(): ReadonlyMap<string, boolean> {
    return this._columns;
  }

  /** Show or hide a hyperparameter or metric column of the table, for this notebook. */
  setColumnShown(key: string, shown: boolean): void {
    if (this._columns.get(key) !== shown) {
      this._columns.set(key, shown);
      this.emit('columns');
    }
  }

  /** Forget the choice of columns: those that fit show again. */
  resetColumns(): void {
    if (this._columns.size) {
      this._columns.clear();
      this.emit('columns');
    }
  }

  /** The trials listed, in the server's order. */
  get trials(): readonly ITrial[] {
    return this._trials;
  }

  get sort(): ISort {
    return this._sort;
  }

  /** The ids of the trials picked for comparison. */
  get picked(): ReadonlySet<number> {
    return this._picked;
  }

  get comparison(): ICompareResult | null {
    return this._comparison;
  }

  /** Whether the comparison shows only the rows that differ. */
  get onlyChanged(): boolean {
    return this._onlyChanged;
  }

  /** The trial whose variables and lineage to show, as its id in text ('' when none). */
  get lineageTrial(): string {
    return this._lineageTrial;
  }

  /** The tagged variables of the lineage trial. */
  get variables(): readonly IVariableChoice[] {
    return this._variables;
  }

  /** The variable whose lineage to draw ('' when none). */
  get variable(): string {
    return this._variable;
  }

  /** Whether a lineage graph is being fetched and laid out. */
  get drawing(): boolean {
    return this._drawing;
  }

  /** The drawn lineage graph, or null. */
  get graph(): ILineageGraph | null {
    return this._graph;
  }

  /** The variable node shown under the graph, or null. */
  get variableDetail(): IVariableDetail | null {
    return this._variableDetail;
  }

  /** The charts of the notebook's trials (null: none yet, or the server has none). */
  get charts(): IChartsReply | null {
    return this._charts;
  }

  /** The DOT source of the last graph the server sent, or null. */
  get dot(): string | null {
    return this._dot;
  }

  /**
   * Show this notebook (null: none). Each notebook keeps its own picks, comparison,
   * lineage choice and graph: leaving one saves them, coming back restores them (a
   * notebook shown for the first time starts afresh). The scope, sort and "only changed"
   * choices carry over; the error does not.
   */
  setNotebook(notebook: NotebookProvenance | null): void {
    if (notebook === this._notebook) {
      return;
    }
    if (this._notebook) {
      this._saved.set(this._notebook, {
        picked: [...this._picked],
        trialPicked: this._trialPicked,
        lineageTrial: this._lineageTrial,
        variable: this._variable,
        comparison: this._comparison,
        graph: this._graph,
        dot: this._dot,
        filter: this._filter,
        columns: [...this._columns]
      });
      this._notebook.changed.disconnect(this.onNotebookChanged, this);
    }
    this._notebook = notebook;
    this._notebook?.changed.connect(this.onNotebookChanged, this);
    this.cancelCalls();
    const saved = notebook ? this._saved.get(notebook) : undefined;
    this._picked = new Set(saved?.picked ?? []);
    this._trialPicked = saved?.trialPicked ?? false;
    this._lineageTrial = saved?.lineageTrial ?? '';
    this._variable = saved?.variable ?? '';
    this._comparison = saved?.comparison ?? null;
    this._codeDetails.clear();
    this._filter = saved?.filter ?? '';
    this._filterError = null;
    this._columns = new Map(saved?.columns ?? []);
    this._details.clear();
    this._dot = saved?.dot ?? null;
    this._graph = saved?.graph ?? null;
    this._variableDetail = null;
    this._drawing = false;
    this._error = null;
    this.emit('filter', 'columns', 'picked', 'comparison', 'graph', 'variable');
    this.onNotebookChanged();
    if (notebook && !notebook.loaded) {
      void notebook.refresh();
    }
  }

  /** Reload everything from the server. */
  async refresh(): Promise<void> {
    this._details.clear();
    await this._notebook?.refresh();
  }

  /** List this notebook's trials or every notebook's. */
  async setScope(scope: TrialScope): Promise<void> {
    if (scope === this._scope) {
      return;
    }
    this._scope = scope;
    await this.loadTrials();
  }

  /** Sort the table by a column (again: the other way round). */
  sortBy(key: string): void {
    this._sort = nextSort(this._sort, key);
    this.emit('trials');
  }

  /** Pick a trial for comparison, or drop it. */
  pick(id: number, picked: boolean): void {
    if (picked === this._picked.has(id) || (picked && !this._trials.some(t => t.id === id))) {
      return;
    }
    if (picked) {
      this._picked.add(id);
    } else {
      this._picked.delete(id);
    }
    this.emit('picked');
  }

  /** Compare the picked trials (two or more), in the listing's order. */
  async compare(): Promise<void> {
    const notebook = this._notebook;
    if (!notebook || this._picked.size < 2) {
      return;
    }
    const ids = withBaseline(
      this._trials.map(t => t.id).filter(id => this._picked.has(id)),
      this._baseline
    );
    const call = this._compareCalls.start();
    try {
      const result = await this.api.compare(ids, true, notebook.path);
      if (!this._compareCalls.isLatest(call)) {
        return;
      }
      this._comparison = result;
      this._codeDetails.clear();
      this._error = null;
    } catch (error) {
      if (!this._compareCalls.isLatest(call)) {
        return;
      }
      this._comparison = null;
      this._codeDetails.clear();
      this._error = messageOf(error);
    }
    this.emit('comparison', 'status');
  }

  /** The opened code rows of the comparison, by row name. */
  get codeDetails(): ReadonlyMap<string, ICodeDetail> {
    return this._codeDetails;
  }

  /**
   * Open a code row of the comparison (again: close it). Opening fetches, for each trial
   * whose code of that cell differs from the baseline's, the diff and what the why answer
   * of each metric that moved says of the cell; the comparison itself stays cheap.
   */
  async toggleCode(name: string): Promise<void> {
    const result = this._comparison;
    const notebook = this._notebook;
    const row = result?.rows.find(r => r.group === 'code' && r.name === name);
    if (this._codeDetails.delete(name)) {
      this.emit('comparison');
      return;
    }
    const hashes = row?.cell_hashes;
    if (!result || !row || !hashes || !notebook || !this.api.cellChange) {
      return;
    }
    const cellChange = this.api.cellChange.bind(this.api);
    const detail: ICodeDetail = { loading: true, error: null, changes: [] };
    this._codeDetails.set(name, detail);
    this.emit('comparison');
    const others = result.trials
      .map((id, k) => ({ id, k }))
      .filter(({ k }) => k > 0 && hashes[k] !== hashes[0]);
    try {
      detail.changes = await Promise.all(
        others.map(({ id, k }) =>
          cellChange(
            [result.trials[0], id],
            [hashes[0] ?? null, hashes[k] ?? null],
            movedMetrics(result, k),
            notebook.path
          )
        )
      );
    } catch (error) {
      detail.error = messageOf(error);
    }
    detail.loading = false;
    if (this._comparison === result && this._codeDetails.get(name) === detail) {
      this.emit('comparison');
    }
  }

  /** The trial the others are compared against (null: the first picked in the listing). */
  get baseline(): number | null {
    return this._baseline;
  }

  /** Compare against this trial; the comparison on show is redone. */
  async setBaseline(id: number | null): Promise<void> {
    if (id === this._baseline) {
      return;
    }
    this._baseline = id;
    this.emit('picked');
    if (this._comparison) {
      await this.compare();
    }
  }

  setOnlyChanged(onlyChanged: boolean): void {
    if (onlyChanged !== this._onlyChanged) {
      this._onlyChanged = onlyChanged;
      this.emit('comparison');
    }
  }

  /** Show the variables of this trial; from now on it stays chosen while it is listed. */
  async selectTrial(ref: string): Promise<void> {
    this._trialPicked = true;
    this._lineageTrial = ref;
    this.emit('lineage');
    await this.loadVariables();
  }

  selectVariable(name: string): void {
    if (name !== this._variable && this._variables.some(v => v.name === name)) {
      this._variable = name;
      this.emit('lineage');
    }
  }

  /** Fetch the lineage of the chosen variable in the chosen trial, and lay it out. */
  async showGraph(): Promise<void> {
    const notebook = this._notebook;
    const trial = this._lineageTrial;
    const variable = this._variable;
    if (!notebook || !trial || !variable) {
      return;
    }
    const call = this._graphCalls.start();
    this._drawing = true;
    this._graph = null;
    this.clearVariable();
    this.emit('graph');
    try {
      const reply = await this.api.deps(trial, variable, notebook.path);
      if (!this._graphCalls.isLatest(call)) {
        return;
      }
      if (!reply.dot) {
        throw new Error('the server sent no graph for this variable');
      }
      this._dot = reply.dot;
      const svg = await this._layout(panelDot(reply.dot));
      if (!this._graphCalls.isLatest(call)) {
        return;
      }
      this._graph = {
        svg,
        title: `Lineage of ${variable} (trial ${trial})`,
        trial,
        deps: reply.deps ?? null
      };
      this._error = null;
    } catch (error) {
      if (!this._graphCalls.isLatest(call)) {
        return;
      }
      this._graph = null;
      this._error = messageOf(error);
    }
    this._drawing = false;
    this.emit('graph', 'status');
  }

  /**
   * Show a variable node of the drawn graph: fetch the variable's recorded versions in the
   * graph's trial, the node's own version marked. A failure stays in the detail (the
   * graph is still fine).
   */
  async showVariable(variable: IGraphVariable): Promise<void> {
    const notebook = this._notebook;
    const graph = this._graph;
    if (!notebook || !graph || !this.api.history) {
      return;
    }
    const call = this._variableCalls.start();
    this._variableDetail = { variable, loading: true, error: null, history: null };
    this.emit('variable');
    let detail: IVariableDetail;
    try {
      const history = await this.api.history(
        graph.trial,
        variable.name,
        variable.seq,
        notebook.path
      );
      detail = { variable, loading: false, error: null, history };
    } catch (error) {
      detail = { variable, loading: false, error: messageOf(error), history: null };
    }
    if (this._variableCalls.isLatest(call)) {
      this._variableDetail = detail;
      this.emit('variable');
    }
  }

  /** Close the variable detail. */
  clearVariable(): void {
    this._variableCalls.cancel();
    if (this._variableDetail) {
      this._variableDetail = null;
      this.emit('variable');
    }
  }

  /** The standalone script that rebuilds the chosen variable (null if it failed). */
  async exportScript(): Promise<IScriptFile | null> {
    const notebook = this._notebook;
    const trial = this._lineageTrial;
    const variable = this._variable;
    if (!notebook || !trial || !variable) {
      return null;
    }
    try {
      const reply = await this.api.scriptify(trial, variable, notebook.path);
      return { filename: `${variable}_trial${trial}.py`, script: reply.script };
    } catch (error) {
      this.reportError(error);
      return null;
    }
  }

  /**
   * Write the pipeline package of the chosen variable in the lineage trial next to the
   * notebook (``nbprov pipeline``); what the server wrote, or null if it failed.
   */
  async exportPipeline(): Promise<IPipelineReply | null> {
    const notebook = this._notebook;
    const trial = this._lineageTrial;
    const variable = this._variable;
    if (!notebook || !trial || !variable || !this.api.pipeline) {
      return null;
    }
    try {
      return await this.api.pipeline(trial, [variable], notebook.path);
    } catch (error) {
      this.reportError(error);
      return null;
    }
  }

  /**
   * Where a cell node of the drawn graph is in the notebook: the lineage trial's record of
   * that execution gives its cell id; its code's hash is the fallback.
   */
  cellTarget(cell: IGraphCell): ICellTarget {
    const activation = (this._lineageDetail?.activations ?? []).find(
      a =>
        a.execution_count === cell.executionCount &&
        (cell.cellHash === null || a.cell_hash === cell.cellHash)
    );
    return {
      cellId: activation?.cell_id ?? null,
      cellHash: cell.cellHash,
      executionCount: cell.executionCount
    };
  }

  /** Show a failure that happened outside the model (a view's rendering, say). */
  reportError(error: unknown): void {
    this._error = messageOf(error);
    this.emit('status');
  }

  /** Forget what was saved for a notebook that closed. */
  forget(notebook: NotebookProvenance): void {
    this._saved.delete(notebook);
  }

  dispose(): void {
    this._notebook?.changed.disconnect(this.onNotebookChanged, this);
    this._saved.clear();
    this.cancelCalls();
    Signal.clearData(this);
  }

  /** Drop the replies of every call under way. */
  private cancelCalls(): void {
    for (const calls of [
      this._trialsCalls,
      this._detailCalls,
      this._compareCalls,
      this._graphCalls,
      this._variableCalls,
      this._chartCalls
    ]) {
      calls.cancel();
    }
  }

  private onNotebookChanged(): void {
    this._error = this._notebook?.error ?? null;
    this.emit('status');
    void this.loadTrials();
  }

  private async loadTrials(): Promise<void> {
    const notebook = this._notebook;
    const call = this._trialsCalls.start();
    const filter = this._filter;
    let trials: readonly ITrial[] = [];
    let failure: string | null = null;
    let filterError: string | null = null;
    const fetch = async (text: string): Promise<readonly ITrial[]> =>
      notebook ? (await this.api.trials(notebook.path, this._scope, text || undefined)).trials : [];
    if (notebook && (this._scope === 'all' || filter)) {
      try {
        trials = await fetch(filter);
      } catch (error) {
        if (filter && error instanceof ApiError && error.status === 400) {
          // A filter the server refuses: say why, and list every trial meanwhile.
          filterError = error.message;
          try {
            trials = this._scope === 'all' ? await fetch('') : notebook.trials;
          } catch (again) {
            failure = messageOf(again);
          }
        } else {
          failure = messageOf(error);
        }
      }
      if (!this._trialsCalls.isLatest(call)) {
        return;
      }
    } else if (notebook) {
      trials = notebook.trials;
    }
    this._trials = trials;
    if (filterError !== this._filterError) {
      this._filterError = filterError;
      this.emit('filter');
    }
    const ids = new Set(trials.map(t => t.id));
    for (const id of [...this._picked]) {
      if (!ids.has(id)) {
        this._picked.delete(id);
      }
    }
    if (notebook) {
      this._error = notebook.error ?? failure;
    }
    // Follow this kernel's trial (else the latest) until the user chooses another one
    // that is still listed.
    if (!(this._trialPicked && trials.some(t => String(t.id) === this._lineageTrial))) {
      const current = this.currentTrial;
      const follow = trials.find(t => t.id === current) ?? latestTrial(trials);
      this._lineageTrial = follow ? String(follow.id) : '';
    }
    this.emit('status', 'trials', 'picked', 'lineage');
    void this.loadCharts();
    void this.loadStudies();
    await this.loadVariables();
  }

  /** The searches (nbprov sweep) kept in the store; empty on a server without them. */
  get studies(): string[] {
    return this._studies;
  }

  /** The chosen search's summary and charts (null: none chosen, or it failed). */
  get study(): IStudyReply | null {
    return this._study;
  }

  /** Choose a search and fetch its summary and charts ('' chooses none). */
  async selectStudy(name: string): Promise<void> {
    const call = this._studyCalls.start();
    let study: IStudyReply | null = null;
    if (name && this.api.study) {
      try {
        study = await this.api.study(name, this._notebook?.path);
      } catch (error) {
        this.reportError(error);
      }
    }
    if (this._studyCalls.isLatest(call)) {
      this._study = study;
      this.emit('studies');
    }
  }

  private async loadStudies(): Promise<void> {
    // A search adds trials: ask again only when the notebook's trials have changed.
    const key = this._notebook ? `${this._notebook.path}:${this._trials.length}` : '';
    if (!this._trials.length || key === this._studiesKey) {
      return;
    }
    this._studiesKey = key;
    let studies: string[] = [];
    if (this._notebook && this.api.studies) {
      try {
        studies = (await this.api.studies(this._notebook.path)).studies;
      } catch {
        studies = []; // an older server without searches: the section stays hidden
      }
    }
    if (JSON.stringify(studies) !== JSON.stringify(this._studies)) {
      this._studies = studies;
      this.emit('studies');
    }
  }

  /** Fetch the charts of the notebook's trials (the compared ones highlighted). */
  private async loadCharts(): Promise<void> {
    const notebook = this._notebook;
    const call = this._chartCalls.start();
    let charts: IChartsReply | null = null;
    if (notebook && this.api.charts && this._trials.length > 1) {
      try {
        charts = await this.api.charts(notebook.path, [...this._picked]);
      } catch {
        charts = null; // an older server without charts: the section stays empty
      }
    }
    if (this._chartCalls.isLatest(call)) {
      this._charts = charts;
      this.emit('charts');
    }
  }

  private async loadVariables(): Promise<void> {
    const notebook = this._notebook;
    const ref = this._lineageTrial;
    const call = this._detailCalls.start();
    let detail: ITrialDetail | null = null;
    if (notebook && ref) {
      const current = notebook.current;
      detail = current && String(current.id) === ref ? current : (this._details.get(ref) ?? null);
      if (!detail) {
        try {
          detail = await this.api.trial(ref, notebook.path);
          this._details.set(ref, detail);
        } catch (error) {
          if (this._detailCalls.isLatest(call)) {
            this._error = messageOf(error);
            this.emit('status');
          }
        }
        if (!this._detailCalls.isLatest(call)) {
          return;
        }
      }
    }
    this._lineageDetail = detail;
    const roles = new Map<string, string>();
    for (const variable of detail?.variables ?? []) {
      roles.set(variable.name, variable.role);
    }
    this._variables = [...roles].map(([name, role]) => ({ name, role }));
    if (!roles.has(this._variable)) {
      this._variable = this._variables[0]?.name ?? '';
    }
    this.emit('lineage');
  }

  private emit(...changes: ProvenanceChange[]): void {
    for (const change of changes) {
      this._changed.emit(change);
    }
  }

  private readonly _layout: (dot: string) => Promise<string>;
  private _changed = new Signal<this, ProvenanceChange>(this);
  private _notebook: NotebookProvenance | null = null;
  private _error: string | null = null;
  private _scope: TrialScope = 'notebook';
  private _trials: readonly ITrial[] = [];
  private _sort: ISort = { key: 'id', direction: 'descending' };
  private _picked = new Set<number>();
  private _comparison: ICompareResult | null = null;
  private _codeDetails = new Map<string, ICodeDetail>();
  private _filter = '';
  private _filterError: string | null = null;
  private _columns = new Map<string, boolean>();
  private _onlyChanged = true;
  private _baseline: number | null = null;
  private _lineageTrial = '';
  private _trialPicked = false;
  private _details = new Map<string, ITrialDetail>();
  private _saved = new Map<NotebookProvenance, ISavedState>();
  private _lineageDetail: ITrialDetail | null = null;
  private _variables: IVariableChoice[] = [];
  private _variable = '';
  private _drawing = false;
  private _graph: ILineageGraph | null = null;
  private _dot: string | null = null;
  private _trialsCalls = new LatestCall();
  private _detailCalls = new LatestCall();
  private _compareCalls = new LatestCall();
  private _graphCalls = new LatestCall();
  private _variableCalls = new LatestCall();
  private _variableDetail: IVariableDetail | null = null;
  private _chartCalls = new LatestCall();
  private _charts: IChartsReply | null = null;
  private _studies: string[] = [];
  private _study: IStudyReply | null = null;
  private _studyCalls = new LatestCall();
  private _studiesKey = '';
}

/** The metrics whose value in trial `k` of a comparison differs from the baseline's. */
export function movedMetrics(result: ICompareResult, k: number): string[] {
  return result.rows
    .filter(
      row =>
        /^metric/.test(row.group) &&
        JSON.stringify(row.values[0] ?? null) !== JSON.stringify(row.values[k] ?? null)
    )
    .map(row => row.name);
}
