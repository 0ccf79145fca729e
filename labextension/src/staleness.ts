/**
 * Which cells changed since they last ran in the current trial.
 */
import { sha256Hex } from './sha256';
import type { IActivation, IFlow } from './types';

/** For each cell id, the hash of the source its last activation in the trial ran. */
export function lastRunHashes(activations: IActivation[]): Map<string, string> {
  const last = new Map<string, string>();
  // Activations come in execution order: later ones overwrite earlier ones.
  for (const activation of activations) {
    if (activation.cell_id) {
      last.set(activation.cell_id, activation.cell_hash);
    }
  }
  return last;
}

/** How a cell stands against the trial. */
export type RunState = 'not-run' | 'same' | 'changed';

/** Remembers the hash of each cell's latest source, so unchanged cells are not rehashed. */
export class SourceHashes {
  hash(cellId: string, source: string): string {
    const known = this._cache.get(cellId);
    if (known && known.source === source) {
      return known.hash;
    }
    const hash = sha256Hex(source);
    this._cache.set(cellId, { source, hash });
    return hash;
  }

  /** Forget cells that are gone. */
  retain(cellIds: Set<string>): void {
    for (const id of [...this._cache.keys()]) {
      if (!cellIds.has(id)) {
        this._cache.delete(id);
      }
    }
  }

  private _cache = new Map<string, { source: string; hash: string }>();
}

/** Compare a cell's current source with what last ran in the trial. */
export function runState(
  cellId: string,
  source: string,
  lastRun: Map<string, string>,
  hashes?: SourceHashes
): RunState {
  const ran = lastRun.get(cellId);
  if (ran === undefined) {
    return 'not-run';
  }
  const hash = hashes ? hashes.hash(cellId, source) : sha256Hex(source);
  return hash === ran ? 'same' : 'changed';
}

/**
 * The cells whose last run read something from an edited cell, directly or through
 * another stale cell, each with the reason (`reads \`X\` from cell [5], edited`).
 * `edited` holds the ids of the edited cells; `activations` and `flows` are the trial's.
 */
export function staleCells(
  edited: ReadonlySet<string>,
  activations: readonly IActivation[],
  flows: readonly IFlow[]
): Map<string, string> {
  const cellOf = new Map<number, string>();
  const lastCount = new Map<string, number>();
  for (const activation of activations) {
    if (activation.cell_id && activation.execution_count !== null) {
      cellOf.set(activation.execution_count, activation.cell_id);
      lastCount.set(activation.cell_id, activation.execution_count);
    }
  }
  const stale = new Map<string, string>();
  const tainted = new Set(edited);
  // Flows come in execution order, so one pass reaches every cell downstream.
  for (const flow of flows) {
    if (flow.writer_count === null || flow.reader_count === null) {
      continue;
    }
    const writer = cellOf.get(flow.writer_count);
    const reader = cellOf.get(flow.reader_count);
    if (
      !writer ||
      !reader ||
      writer === reader ||
      !tainted.has(writer) ||
      lastCount.get(reader) !== flow.reader_count ||
      edited.has(reader) ||
      stale.has(reader)
    ) {
      continue;
    }
    const why = edited.has(writer) ? 'edited' : 'stale';
    stale.set(reader, `reads \`${flow.name}\` from cell [${flow.writer_count}], ${why}`);
    tainted.add(reader);
  }
  return stale;
}
