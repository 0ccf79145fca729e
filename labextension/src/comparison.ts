/**
 * How a comparison reads: each trial against the baseline (the first column), absolute
 * and relative change, and whether a metric's change is better or worse.
 */
import { formatNumber } from './table';
import type { ICompareResult, ICompareRow } from './types';

export type Direction = 'max' | 'min';

/**
 * Metrics whose names say that lower is better (losses, errors, costs, times): a copy of
 * the server's rule (nbprov/core/compare/direction.py), used only when a server sends no
 * direction.
 */
const LOWER_IS_BETTER =
  /(loss|err(or)?s?\b|error|mse|mae|mape|rmse|cost|time|latency|regret|perplexity)/i;

/** Which way a metric improves: as the server says when it does, else from its name. */
export function metricDirection(name: string, stored?: string | null): Direction {
  if (stored === 'max' || stored === 'min') {
    return stored;
  }
  return LOWER_IS_BETTER.test(name) ? 'min' : 'max';
}

function isMetric(row: ICompareRow): boolean {
  return /^metric/.test(row.group);
}

/** Trial `k`'s change against the baseline, for numbers: absolute, relative. */
export function change(
  row: ICompareRow,
  k: number
): { delta: number; relative: number | null } | null {
  if (k === 0) {
    return null;
  }
  const delta = row.deltas?.[k] ?? (k === row.values.length - 1 ? row.delta : null);
  if (delta === null || delta === undefined || !Number.isFinite(delta) || delta === 0) {
    return null;
  }
  const relative = row.relative_deltas?.[k] ?? null;
  return { delta, relative: relative !== null && Number.isFinite(relative) ? relative : null };
}

/** `+0.0625 (+7.1%)`: trial `k` against the baseline ('' when it is the same or not a number). */
export function changeText(row: ICompareRow, k: number): string {
  const found = change(row, k);
  if (!found) {
    return '';
  }
  const sign = (x: number): string => (x > 0 ? '+' : '−');
  const relative =
    found.relative === null ? '' : ` (${sign(found.relative)}${formatPercent(found.relative)})`;
  return `${sign(found.delta)}${formatNumber(Math.abs(found.delta))}${relative}`;
}

function formatPercent(relative: number): string {
  const percent = Math.abs(relative) * 100;
  return `${percent >= 10 ? percent.toFixed(0) : percent.toFixed(1)}%`;
}

/** `higher is better (as tagged)`: how a metric row is judged, for a tooltip. */
export function directionText(row: ICompareRow): string {
  const way = metricDirection(row.name, row.direction) === 'max' ? 'higher' : 'lower';
  return `${way} is better (${row.direction_source === 'stored' ? 'as tagged' : 'from its name'})`;
}

/** For a metric, whether trial `k` did better or worse than the baseline. */
export function verdict(
  row: ICompareRow,
  k: number,
  direction: Direction = metricDirection(row.name, row.direction)
): 'better' | 'worse' | null {
  const found = isMetric(row) ? change(row, k) : null;
  if (!found) {
    return null;
  }
  return found.delta > 0 === (direction === 'max') ? 'better' : 'worse';
}

/** The ids to compare, the baseline first, the others in the listing's order. */
export function withBaseline(ids: number[], baseline: number | null): number[] {
  return baseline !== null && ids.includes(baseline)
    ? [baseline, ...ids.filter(id => id !== baseline)]
    : ids;
}

/** `#2 tuned` for a compared trial's column. */
export function trialHeader(result: ICompareResult, k: number): string {
  const id = result.trials[k];
  const name = result.trial_info?.find(t => t.id === id)?.name;
  return `#${id}${name ? ` ${name}` : ''}`;
}

/** A code row's value for trial `k`: whether it ran that cell, and as the baseline did. */
export function codeText(row: ICompareRow, k: number): string {
  if (row.present && !row.present[k]) {
    return '—';
  }
  if (k === 0) {
    return 'ran';
  }
  return row.values[k] === row.values[0] ? 'same' : 'edited';
}
