/**
 * The trial table's columns, sort order and cell text (no DOM here).
 */
import type { ICompareRow, ITrial, JSONValue } from './types';

/** A column of the trial table. */
export interface IColumn {
  /** Sort key: a fixed field, or `hyperparam:NAME` / `metric:NAME`. */
  key: string;
  label: string;
  kind: 'fixed' | 'hyperparam' | 'metric';
}

export type SortDirection = 'ascending' | 'descending';

export interface ISort {
  key: string;
  direction: SortDirection;
}

const LEADING: IColumn[] = [
  { key: 'id', label: '#', kind: 'fixed' },
  { key: 'name', label: 'Name', kind: 'fixed' },
  { key: 'status', label: 'Status', kind: 'fixed' }
];

const TRAILING: IColumn[] = [
  { key: 'started_at', label: 'Started', kind: 'fixed' },
  { key: 'duration', label: 'Duration', kind: 'fixed' }
];

/**
 * The table's columns: id, name and status; every hyperparameter, then every metric, by
 * name; then start and duration (the side bar is narrow: tagged values come first).
 */
export function trialColumns(trials: readonly ITrial[]): IColumn[] {
  const hyperparams = new Set<string>();
  const metrics = new Set<string>();
  for (const trial of trials) {
    Object.keys(trial.hyperparams ?? {}).forEach(name => hyperparams.add(name));
    Object.keys(trial.metrics ?? {}).forEach(name => metrics.add(name));
  }
  const byName = (a: string, b: string): number => a.localeCompare(b);
  return [
    ...LEADING,
    ...[...hyperparams]
      .sort(byName)
      .map((name): IColumn => ({ key: `hyperparam:${name}`, label: name, kind: 'hyperparam' })),
    ...[...metrics]
      .sort(byName)
      .map((name): IColumn => ({ key: `metric:${name}`, label: name, kind: 'metric' })),
    ...TRAILING
  ];
}

/** Seconds between start and end, or null while running / when unknown. */
export function trialDuration(trial: ITrial): number | null {
  if (!trial.started_at || !trial.ended_at) {
    return null;
  }
  const start = Date.parse(trial.started_at);
  const end = Date.parse(trial.ended_at);
  return Number.isFinite(start) && Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : null;
}

/** The raw value of a column for a trial (what sorting compares). */
export function columnValue(trial: ITrial, key: string): JSONValue | undefined {
  if (key.startsWith('hyperparam:')) {
    return (trial.hyperparams ?? {})[key.slice('hyperparam:'.length)];
  }
  if (key.startsWith('metric:')) {
    return (trial.metrics ?? {})[key.slice('metric:'.length)];
  }
  if (key === 'duration') {
    return trialDuration(trial);
  }
  const value = (trial as unknown as Record<string, JSONValue | undefined>)[key];
  return value;
}

/**
 * Order two values: missing values last whatever the direction, numbers before text,
 * numbers numerically, everything else by its text.
 */
export function compareValues(
  a: JSONValue | undefined,
  b: JSONValue | undefined,
  direction: SortDirection
): number {
  const aMissing = a === undefined || a === null;
  const bMissing = b === undefined || b === null;
  if (aMissing || bMissing) {
    return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
  }
  const sign = direction === 'ascending' ? 1 : -1;
  const aNumber = typeof a === 'number' || typeof a === 'boolean';
  const bNumber = typeof b === 'number' || typeof b === 'boolean';
  if (aNumber && bNumber) {
    return sign * (Number(a) - Number(b));
  }
  if (aNumber !== bNumber) {
    return sign * (aNumber ? -1 : 1);
  }
  return sign * cellText(a).localeCompare(cellText(b), undefined, { numeric: true });
}

/** Trials sorted by a column; ties keep the id order (the sort is stable). */
export function sortTrials(trials: readonly ITrial[], sort: ISort): ITrial[] {
  return [...trials]
    .sort((x, y) => x.id - y.id)
    .sort((x, y) =>
      compareValues(columnValue(x, sort.key), columnValue(y, sort.key), sort.direction)
    );
}

/** The next sort after a click on a column header. */
export function nextSort(current: ISort, key: string): ISort {
  if (current.key === key) {
    return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
  }
  // Metrics are most often read best-first; everything else starts ascending.
  return { key, direction: key.startsWith('metric:') ? 'descending' : 'ascending' };
}

/** The text shown for a value: numbers compactly, summaries by their repr. */
export function cellText(value: JSONValue | undefined): string {
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'number') {
    return formatNumber(value);
  }
  if (typeof value === 'string') {
    return value;
  }
  if (typeof value === 'boolean') {
    return value ? 'True' : 'False';
  }
  if (
    !Array.isArray(value) &&
    typeof value['repr'] === 'string' &&
    typeof value['type'] === 'string'
  ) {
    return value['repr'];
  }
  return JSON.stringify(value);
}

/** Integers as they are; other numbers to 4 significant digits without noise. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value) || !Number.isFinite(value)) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-4 || magnitude >= 1e6)) {
    return value.toExponential(3);
  }
  return String(Number(value.toPrecision(4)));
}

/** A duration in seconds as `1.2 s`, `3 min 4 s` or `1 h 2 min`. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null) {
    return '';
  }
  if (seconds < 60) {
    return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${Math.round(seconds % 60)} s`;
  }
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A timestamp from the store as local `YYYY-MM-DD HH:MM` (`:SS` too with `seconds`). */
export function formatTime(iso: string | null, seconds = false): string {
  if (!iso) {
    return '';
  }
  // The store writes naive UTC times; read them as UTC.
  const text = /[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`;
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) {
    return iso;
  }
  const pad = (n: number): string => String(n).padStart(2, '0');
  return (
    `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}` +
    (seconds ? `:${pad(time.getSeconds())}` : '')
  );
}

/** The newest trial (latest start, then highest id), or null. */
export function latestTrial<T extends ITrial>(trials: readonly T[]): T | null {
  let best: T | null = null;
  for (const trial of trials) {
    if (
      best === null ||
      String(trial.started_at ?? '') > String(best.started_at ?? '') ||
      (String(trial.started_at ?? '') === String(best.started_at ?? '') && trial.id > best.id)
    ) {
      best = trial;
    }
  }
  return best;
}

/** Compare rows grouped in the order their groups first appear. */
export function groupRows(
  rows: ICompareRow[],
  onlyChanged: boolean
): Array<[string, ICompareRow[]]> {
  const groups = new Map<string, ICompareRow[]>();
  for (const row of rows) {
    if (onlyChanged && !row.changed) {
      continue;
    }
    const list = groups.get(row.group) ?? [];
    list.push(row);
    groups.set(row.group, list);
  }
  return [...groups.entries()];
}

/** A delta as `+0.12` / `−3`, or empty. */
export function formatDelta(delta: number | null): string {
  if (delta === null || delta === 0 || !Number.isFinite(delta)) {
    return '';
  }
  return `${delta > 0 ? '+' : '−'}${formatNumber(Math.abs(delta))}`;
}
