/**
 * Which of the trial table's hyperparameter and metric columns show (no DOM here). The
 * fixed columns always show. Until the user chooses, the tagged columns that fit show:
 * all of them when there are few, else the first hyperparameters and metrics, half and
 * half. A choice is kept per column, so a column that appears later shows by default.
 */
import type { IColumn } from './table';

/** How many tagged columns fit in the side bar before the table scrolls far. */
export const FIT_TAGGED = 6;

/** The user's choices: column key → shown. */
export type ColumnChoices = ReadonlyMap<string, boolean>;

function isTagged(column: IColumn): boolean {
  return column.kind !== 'fixed';
}

/** The keys of the tagged columns shown when nothing was chosen. */
export function defaultShown(columns: readonly IColumn[], fit: number = FIT_TAGGED): Set<string> {
  const tagged = columns.filter(isTagged);
  if (tagged.length <= fit) {
    return new Set(tagged.map(c => c.key));
  }
  const hyperparams = tagged.filter(c => c.kind === 'hyperparam');
  const metrics = tagged.filter(c => c.kind === 'metric');
  const half = Math.ceil(fit / 2);
  const takeHyper = Math.min(hyperparams.length, Math.max(half, fit - metrics.length));
  const takeMetric = Math.min(metrics.length, fit - takeHyper);
  return new Set([
    ...hyperparams.slice(0, takeHyper).map(c => c.key),
    ...metrics.slice(0, takeMetric).map(c => c.key)
  ]);
}

/** Whether a column shows, given the choices and the defaults. */
export function isShown(column: IColumn, choices: ColumnChoices, defaults: Set<string>): boolean {
  if (!isTagged(column)) {
    return true;
  }
  return choices.get(column.key) ?? defaults.has(column.key);
}

/** The columns to draw, in their order. */
export function shownColumns(
  columns: readonly IColumn[],
  choices: ColumnChoices,
  fit: number = FIT_TAGGED
): IColumn[] {
  const defaults = defaultShown(columns, fit);
  return columns.filter(column => isShown(column, choices, defaults));
}
