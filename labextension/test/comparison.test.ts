import { describe, expect, it } from 'vitest';

import {
  changeText,
  codeText,
  directionText,
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

  it("follows the server's direction, and the name only when there is none", () => {
    // A loss tagged --max: higher is better, whatever its name says.
    const tagged: ICompareRow = {
      ...r2,
      name: 'val_loss',
      direction: 'max',
      direction_source: 'stored'
    };
    expect(verdict(tagged, 1)).toBe('better');
    expect(verdict(tagged, 2)).toBe('worse');
    expect(directionText(tagged)).toBe('higher is better (as tagged)');
    // An accuracy tagged --min turns the other way.
    const lowAccuracy: ICompareRow = { ...r2, direction: 'min', direction_source: 'stored' };
    expect(verdict(lowAccuracy, 1)).toBe('worse');
    // The server's guess from the name is used as sent.
    const guessed: ICompareRow = {
      ...r2,
      name: 'rmse',
      direction: 'min',
      direction_source: 'name'
    };
    expect(verdict(guessed, 2)).toBe('better');
    expect(directionText(guessed)).toBe('lower is better (from its name)');
    // No direction (an older server): the name rule.
    expect(verdict({ ...r2, name: 'val_loss', direction: null }, 1)).toBe('worse');
    expect(directionText({ ...r2, name: 'val_loss' })).toBe('lower is better (from its name)');
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
