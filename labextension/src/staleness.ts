/**
 * Which cells changed since they last ran in the current trial.
 */
import { sha256Hex } from './sha256';
import type { IActivation } from './types';

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
