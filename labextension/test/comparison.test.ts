import { describe, expect, it } from 'vitest';

import {
  changeText,
  codeText,
  metricDirection,
  trialHeader,
  verdict,
  withBaseline
} from '../src/comparison';
import type { ICompareRow } from '../src/types';

const r2: ICompareRow = {
  group: 'metric',
  name: 'r2',
  values: [0.875, 0.9375, 0.8],
  changed: true,
  delta: -0.075,
  deltas: [0, 0.0625, -0.075],
  relative_deltas: [0, 0.0714285714, -0.0857142857]
};

describe('comparison against a baseline', () => {
  it('gives each trial its absolute and relative change', () => {
    expect(changeText(r2, 0)).toBe('');
    expect(changeText(r2, 1)).toBe('+0.0625 (+7.1%)');
    expect(changeText(r2, 2)).toBe('−0.075 (−8.6%)');
    // An older server's single delta is the last trial's.
    const old: ICompareRow = { ...r2, deltas: undefined, relative_deltas: undefined };
    expect(changeText(old, 1)).toBe('');
    expect(changeText(old, 2)).toBe('−0.075');
  });

  it('colours metrics by their direction, never hyperparameters', () => {
    expect(verdict(r2, 1)).toBe('better');
    expect(verdict(r2, 2)).toBe('worse');
    const loss = { ...r2, name: 'val_loss' };
    expect(metricDirection('val_loss')).toBe('min');
    expect(metricDirection('rmse')).toBe('min');
    expect(metricDirection('accuracy')).toBe('max');
    expect(metricDirection('accuracy', 'min')).toBe('min');
    expect(verdict(loss, 1)).toBe('worse');
    expect(verdict({ ...r2, group: 'hyperparam' }, 1)).toBeNull();
  });

  it('puts the chosen baseline first', () => {
    expect(withBaseline([1, 2, 3], 3)).toEqual([3, 1, 2]);
    expect(withBaseline([1, 2], 7)).toEqual([1, 2]);
    expect(withBaseline([1, 2], null)).toEqual([1, 2]);
  });

  it('names the columns and tells code rows apart', () => {
    const result = {
      trials: [2, 5],
      trial_info: [
        { id: 2, name: 'base' },
        { id: 5, name: null }
      ],
      rows: []
    };
    expect(trialHeader(result, 0)).toBe('#2 base');
    expect(trialHeader(result, 1)).toBe('#5');
    const code: ICompareRow = {
      group: 'code',
      name: 'cell 2',
      values: ['aa', 'bb', 'aa'],
      present: [true, true, true],
      changed: true,
      delta: null
    };
    expect([0, 1, 2].map(k => codeText(code, k))).toEqual(['ran', 'edited', 'same']);
    expect(codeText({ ...code, present: [true, false, true] }, 1)).toBe('—');
  });
});
