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

/** Compare a cell's current source with what last ran in the trial. */
export function runState(
  cellId: string,
  source: string,
  lastRun: Map<string, string>
): RunState {
  const ran = lastRun.get(cellId);
  if (ran === undefined) {
    return 'not-run';
  }
  return sha256Hex(source) === ran ? 'same' : 'changed';
}
