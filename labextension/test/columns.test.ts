/**
 * Which tagged columns of the trial table show: those that fit until the user chooses,
 * then as chosen.
 */
import { describe, expect, it } from 'vitest';

import { defaultShown, shownColumns } from '../src/columns';
import type { IColumn } from '../src/table';

function columns(hyperparams: number, metrics: number): IColumn[] {
  return [
    { key: 'id', label: '#', kind: 'fixed' },
    ...Array.from({ length: hyperparams }, (_, i): IColumn => ({
      key: `hyperparam:h${i}`,
      label: `h${i}`,
      kind: 'hyperparam'
    })),
    ...Array.from({ length: metrics }, (_, i): IColumn => ({
      key: `metric:m${i}`,
      label: `m${i}`,
      kind: 'metric'
    })),
    { key: 'duration', label: 'Duration', kind: 'fixed' }
  ];
}

describe('column choice', () => {
  it('shows every column when the tagged ones fit', () => {
    const all = columns(2, 3);
    expect(shownColumns(all, new Map())).toEqual(all);
  });

  it('shows the first hyperparameters and metrics, half and half, when they do not', () => {
    const shown = defaultShown(columns(8, 8), 6);
    expect([...shown]).toEqual([
      'hyperparam:h0',
      'hyperparam:h1',
      'hyperparam:h2',
      'metric:m0',
      'metric:m1',
      'metric:m2'
    ]);
    // Few metrics: the room goes to hyperparameters.
    expect([...defaultShown(columns(8, 1), 6)].filter(k => k.startsWith('hyper'))).toHaveLength(5);
  });

  it('keeps fixed columns, follows choices and defaults new columns', () => {
    const choices = new Map([
      ['hyperparam:h0', false],
      ['metric:m7', true]
    ]);
    const keys = shownColumns(columns(8, 8), choices, 6).map(c => c.key);
    expect(keys[0]).toBe('id');
    expect(keys[keys.length - 1]).toBe('duration');
    expect(keys).not.toContain('hyperparam:h0');
    expect(keys).toContain('metric:m7');
    expect(keys).toContain('hyperparam:h1');
  });
});
