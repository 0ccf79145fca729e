import { describe, expect, it } from 'vitest';

import { sha256Hex } from '../src/sha256';
import { lastRunHashes, runState, SourceHashes, staleCells } from '../src/staleness';
import type { IActivation, IFlow } from '../src/types';

function activation(cellId: string | null, source: string, count: number): IActivation {
  return {
    execution_count: count,
    cell_id: cellId,
    cell_hash: sha256Hex(source),
    stage: null,
    status: 'ok',
    started_at: null,
    duration_s: 0.01
  };
}

describe('run state of a cell against the current trial', () => {
  const activations = [
    activation('a', 'x = 1', 1),
    activation('b', 'y = 2', 2),
    activation('a', 'x = 10', 3),
    activation(null, 'z = 3', 4)
  ];
  const lastRun = lastRunHashes(activations);

  it('keeps the last activation of each cell', () => {
    expect(lastRun.get('a')).toBe(sha256Hex('x = 10'));
    expect(lastRun.size).toBe(2);
  });

  it('tells same, changed and not run apart', () => {
    expect(runState('a', 'x = 10', lastRun)).toBe('same');
    expect(runState('a', 'x = 1', lastRun)).toBe('changed');
    expect(runState('b', 'y = 2 ', lastRun)).toBe('changed');
    expect(runState('c', 'anything', lastRun)).toBe('not-run');
  });
});

describe('SourceHashes', () => {
  it('gives the same hashes as hashing afresh, across edits', () => {
    const hashes = new SourceHashes();
    expect(hashes.hash('a', 'x = 1')).toBe(sha256Hex('x = 1'));
    expect(hashes.hash('a', 'x = 1')).toBe(sha256Hex('x = 1'));
    expect(hashes.hash('a', 'x = 2')).toBe(sha256Hex('x = 2'));
    const lastRun = new Map([['a', sha256Hex('x = 2')]]);
    expect(runState('a', 'x = 2', lastRun, hashes)).toBe('same');
    expect(runState('a', 'x = 3', lastRun, hashes)).toBe('changed');
  });

  it('forgets cells that are gone', () => {
    const hashes = new SourceHashes();
    hashes.hash('a', 'x');
    hashes.hash('b', 'y');
    hashes.retain(new Set(['b']));
    expect(hashes.hash('b', 'y')).toBe(sha256Hex('y'));
    expect((hashes as unknown as { _cache: Map<string, unknown> })._cache.size).toBe(1);
  });
});

describe('staleCells', () => {
  const act = (cell: string, count: number): IActivation => ({
    execution_count: count,
    cell_id: cell,
    cell_hash: `h${count}`,
    stage: null,
    status: 'ok',
    started_at: null,
    duration_s: null
  });
  const flow = (name: string, writer: number, reader: number): IFlow => ({
    name,
    writer_seq: writer,
    writer_count: writer,
    reader_seq: reader,
    reader_count: reader
  });

  it('marks the cells downstream of an edited one, with the reason', () => {
    const activations = [act('a', 1), act('b', 2), act('c', 3), act('d', 4)];
    const flows = [flow('X', 1, 2), flow('Y', 2, 3), flow('Z', 1, 1)];
    const stale = staleCells(new Set(['a']), activations, flows);
    expect([...stale]).toEqual([
      ['b', 'reads `X` from cell [1], edited'],
      ['c', 'reads `Y` from cell [2], stale']
    ]);
    expect(staleCells(new Set(['c']), activations, flows).size).toBe(0);
  });

  it('looks only at the last run of each reader', () => {
    // b read X from a at [2], then ran again at [5] without reading it.
    const activations = [act('a', 1), act('b', 2), act('b', 5)];
    expect(staleCells(new Set(['a']), activations, [flow('X', 1, 2)]).size).toBe(0);
  });
});
