/**
 * The JSON the nbprov server extension returns (the core's documented CLI JSON shapes).
 */

export type JSONScalar = string | number | boolean | null;
export type JSONValue = JSONScalar | JSONValue[] | { [key: string]: JSONValue };

export interface ITrial {
  id: number;
  name: string | null;
  notebook: string | null;
  status: string;
  started_at: string | null;
  ended_at: string | null;
  hyperparams: Record<string, JSONValue>;
  metrics: Record<string, JSONValue>;
}

export interface IActivation {
  execution_count: number | null;
  cell_id: string | null;
  cell_hash: string;
  stage: string | null;
  status: string;
  started_at: string | null;
  duration_s: number | null;
}

export interface IVariable {
  name: string;
  role: string;
  value: JSONValue;
  execution_count: number | null;
}

export interface ITrialDetail extends ITrial {
  activations: IActivation[];
  variables: IVariable[];
}

export interface ITrialsReply {
  store: string;
  store_exists: boolean;
  notebook: string | null;
  scope: 'notebook' | 'all';
  trials: ITrial[];
  /** The filter the trials passed (`nbprov trials --filter`), when one was given. */
  filter?: string;
}

export interface IInfoReply {
  version: string;
  store: string;
  store_exists: boolean;
  features: {
    trials: boolean;
    compare: boolean;
    deps: boolean;
    scriptify: boolean;
    pipeline?: boolean;
    studies?: boolean;
    /** The trial listing takes `?filter=` (the `nbprov trials --filter` language). */
    filter?: boolean;
    /** `nbprov/api/cellchange`: a changed cell's diff and the why answer. */
    cellchange?: boolean;
    /** `nbprov/api/history`: a variable's recorded versions in a trial. */
    history?: boolean;
  };
}

export interface ICompareRow {
  group: string;
  name: string;
  values: JSONValue[];
  changed: boolean;
  /** Last against first (older servers send only this). */
  delta: number | null;
  /** Each trial against the first (the baseline), absolute and relative. */
  deltas?: Array<number | null>;
  relative_deltas?: Array<number | null>;
  present?: boolean[];
  /**
   * Metric rows: which way is better, resolved by the server, as tagged (`stored`) or
   * guessed from the name (`name`); older servers send neither.
   */
  direction?: 'max' | 'min' | null;
  direction_source?: 'stored' | 'name' | null;
  /** Code rows: the cell's stage and the first line of its code. */
  stage?: string | null;
  source_line?: string | null;
  /** Cell rows: the hash of the cell's source in each trial (null where it did not run). */
  cell_hashes?: Array<string | null>;
}

export interface ICompareTrial {
  id: number;
  name: string | null;
  notebook?: string | null;
  status?: string;
}

export interface ICompareResult {
  trials: number[];
  trial_info?: ICompareTrial[];
  rows: ICompareRow[];
  warnings?: string[];
}

/** The why answer for one metric, as it concerns one changed cell. */
export interface ICellWhy {
  metric: string;
  /** Why there is no answer (the metric was not computed in one of the trials). */
  error: string | null;
  /** `why r2 moved between trials 1 and 2: 0.8 -> 0.9 (+0.1)`. */
  heading: string | null;
  /** This cell's line of the answer; null when the cell is not among the reasons. */
  text: string | null;
  /** How many other cells the answer lists. */
  others: number;
}

/** ``GET nbprov/api/cellchange``: one changed cell between two trials. */
export interface ICellChange {
  trials: number[];
  cell_hashes: Array<string | null>;
  source_line: string;
  /** A unified diff, cut when long (`truncated`). */
  diff: string;
  truncated: boolean;
  why: ICellWhy[];
}

/** A read of `name` by one activation from an earlier one that wrote it. */
export interface IFlow {
  name: string;
  writer_seq: number;
  writer_count: number | null;
  reader_seq: number;
  reader_count: number | null;
}

export interface IFlowsReply {
  trial: number;
  flows: IFlow[];
}

/** A Vega-Lite spec (the core builds them; the panel only renders). */
export type VegaLiteSpec = Record<string, unknown>;

export interface IChartsReply {
  notebook: string | null;
  trials: number;
  parallel: VegaLiteSpec | null;
  scatter: Array<{ title: string; x: string; y: string; spec: VegaLiteSpec }>;
}

/** ``GET nbprov/api/studies``: the searches (``nbprov sweep``) kept in the store. */
export interface IStudiesReply {
  store: string;
  studies: string[];
}

/** ``GET nbprov/api/studies/NAME``: ``nbprov study NAME --format json`` and its charts. */
export interface IStudyReply {
  summary: {
    study: string;
    metric: string;
    direction: string;
    best: { value: number; trial: number | null; params: Record<string, JSONValue> } | null;
  };
  charts: { history: VegaLiteSpec; parallel: VegaLiteSpec };
}

export interface IDepsReply {
  deps: {
    trial?: JSONValue;
    variable?: string;
    activations?: JSONValue[];
    variables?: JSONValue[];
    edges?: JSONValue[];
  };
  dot: string | null;
}

/** One recorded value of a variable (``nbprov/api/history``). */
export interface IVariableVersion {
  /** The activation that recorded it (a lineage node's version). */
  seq: number;
  execution_count: number | null;
  /** The exact JSON value, or a summary object ({type, repr?, len?, shape?, dtype?}). */
  value: JSONValue;
  exact: boolean;
  fingerprint: string | null;
  /** One line of text for the value. */
  summary: string;
  /** When the cell that recorded it started (ISO 8601), null outside a cell. */
  started_at: string | null;
}

/** A variable's recorded values in a trial, oldest first. */
export interface IHistoryReply {
  trial: number;
  variable: string;
  role: string | null;
  tagged: boolean;
  /** What the store keeps of an untagged variable's values (null when tagged). */
  note: string | null;
  seq: number | null;
  /** The index of the version the asked-for node stands for, or null. */
  current: number | null;
  versions: IVariableVersion[];
}

/** What ``POST nbprov/api/pipeline`` wrote: ``nbprov pipeline --format json``, and where. */
export interface IPipelineReply {
  package: string;
  folder: string;
  stages: Array<{ name: string }>;
  targets: Record<string, string>;
}

export interface IScriptReply {
  trial: string;
  variable: string;
  script: string;
}
