import { describe, expect, it } from 'vitest';

import {
  cellText,
  compareValues,
  formatDelta,
  formatDuration,
  formatNumber,
  formatTime,
  groupRows,
  latestTrial,
  nextSort,
  sortTrials,
  trialColumns,
  trialDuration
} from '../src/table';
import type { ICompareRow, ITrial } from '../src/types';

function trial(id: number, extra: Partial<ITrial> = {}): ITrial {
  return {
    id,
    name: null,
    notebook: 'nb.ipynb',
    status: 'ok',
    started_at: `2026-01-0${id}T10:00:00`,
    ended_at: `2026-01-0${id}T10:00:30`,
    hyperparams: {},
    metrics: {},
    ...extra
  };
}

const trials = [
  trial(1, { hyperparams: { alpha: 0.5 }, metrics: { r2: 0.4 } }),
  trial(2, { hyperparams: { alpha: 1, depth: 3 }, metrics: { r2: 0.61 } }),
  trial(3, { hyperparams: { alpha: 0.1 }, metrics: {} }),
  trial(4, { name: 'baseline', hyperparams: { alpha: 'auto' }, metrics: { r2: 0.5 } })
];

describe('trialColumns', () => {
  it('puts tagged values between the fixed columns, hyperparameters first, by name', () => {
    expect(trialColumns(trials).map(c => c.key)).toEqual([
      'id',
      'name',
      'status',
      'hyperparam:alpha',
      'hyperparam:depth',
      'metric:r2',
      'started_at',
      'duration'
    ]);
  });
});

describe('sortTrials', () => {
  it('sorts numbers numerically and puts missing values last either way', () => {
    const up = sortTrials(trials, { key: 'metric:r2', direction: 'ascending' }).map(t => t.id);
    expect(up).toEqual([1, 4, 2, 3]);
    const down = sortTrials(trials, { key: 'metric:r2', direction: 'descending' }).map(t => t.id);
    expect(down).toEqual([2, 4, 1, 3]);
  });

  it('puts numbers before text', () => {
    const up = sortTrials(trials, { key: 'hyperparam:alpha', direction: 'ascending' });
    expect(up.map(t => t.id)).toEqual([3, 1, 2, 4]);
  });

  it('is stable by id for ties and does not change its input', () => {
    const copy = [...trials].reverse();
    const sorted = sortTrials(copy, { key: 'status', direction: 'ascending' });
    expect(sorted.map(t => t.id)).toEqual([1, 2, 3, 4]);
    expect(copy[0].id).toBe(4);
  });

  it('sorts by duration', () => {
    const mixed = [
      trial(1),
      trial(2, { ended_at: '2026-01-02T10:05:00' }),
      trial(3, { ended_at: null })
    ];
    expect(sortTrials(mixed, { key: 'duration', direction: 'descending' }).map(t => t.id)).toEqual([
      2, 1, 3
    ]);
  });
});

describe('compareValues', () => {
  it('orders text naturally', () => {
    expect(compareValues('run 2', 'run 10', 'ascending')).toBeLessThan(0);
  });

  it('treats booleans as numbers', () => {
    expect(compareValues(true, false, 'ascending')).toBeGreaterThan(0);
  });
});

describe('nextSort', () => {
  it('flips the direction on the same column', () => {
    expect(nextSort({ key: 'id', direction: 'ascending' }, 'id').direction).toBe('descending');
  });

  it('starts metrics best-first and other columns ascending', () => {
    expect(nextSort({ key: 'id', direction: 'ascending' }, 'metric:r2').direction).toBe(
      'descending'
    );
    expect(nextSort({ key: 'id', direction: 'ascending' }, 'name').direction).toBe('ascending');
  });
});

describe('cell text', () => {
  it('formats numbers compactly', () => {
    expect(formatNumber(3)).toBe('3');
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(0.1 + 0.2)).toBe('0.3');
    expect(formatNumber(0.00001234)).toBe('1.234e-5');
    expect(formatNumber(12345678.9)).toBe('1.235e+7');
  });

  it('shows value summaries by their repr and other JSON as JSON', () => {
    expect(cellText({ type: 'DataFrame', repr: '<DataFrame 10x3>', shape: [10, 3] })).toBe(
      '<DataFrame 10x3>'
    );
    expect(cellText([1, 2])).toBe('[1,2]');
    expect(cellText(null)).toBe('');
    expect(cellText(true)).toBe('True');
    expect(cellText('<b>x</b>')).toBe('<b>x</b>');
  });

  it('formats durations', () => {
    expect(formatDuration(null)).toBe('');
    expect(formatDuration(1.25)).toBe('1.3 s');
    expect(formatDuration(42)).toBe('42 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(7260)).toBe('2 h 1 min');
    expect(trialDuration(trial(1))).toBe(30);
  });

  it('reads naive store times as UTC', () => {
    const shown = formatTime('2026-03-04T05:06:07');
    const expected = new Date(Date.UTC(2026, 2, 4, 5, 6, 7));
    expect(shown).toContain(String(expected.getMinutes()).padStart(2, '0'));
    expect(shown).toMatch(/^2026-03-0[345] \d\d:\d\d$/);
    expect(formatTime(null)).toBe('');
    expect(formatTime('not a time')).toBe('not a time');
  });
});

describe('latestTrial', () => {
  it('takes the latest start, then the highest id', () => {
    expect(latestTrial(trials)?.id).toBe(4);
    expect(latestTrial([trial(2), { ...trial(1), started_at: trial(2).started_at }])?.id).toBe(2);
    expect(latestTrial([])).toBeNull();
  });
});

describe('compare rows', () => {
  const rows: ICompareRow[] = [
    { group: 'hyperparam', name: 'alpha', values: [0.5, 1], changed: true, delta: 0.5 },
    { group: 'hyperparam', name: 'depth', values: [3, 3], changed: false, delta: 0 },
    { group: 'metric', name: 'r2', values: [0.6, 0.5], changed: true, delta: -0.1 },
    { group: 'environment', name: 'python', values: ['3.11', '3.11'], changed: false, delta: null }
  ];

  it('groups in order of appearance and hides unchanged rows when asked', () => {
    expect(groupRows(rows, true).map(([g, r]) => [g, r.length])).toEqual([
      ['hyperparam', 1],
      ['metric', 1]
    ]);
    expect(groupRows(rows, false).map(([g]) => g)).toEqual(['hyperparam', 'metric', 'environment']);
  });

  it('signs deltas and leaves none for zero or missing', () => {
    expect(formatDelta(0.5)).toBe('+0.5');
    expect(formatDelta(-0.1)).toBe('−0.1');
    expect(formatDelta(0)).toBe('');
    expect(formatDelta(null)).toBe('');
  });
});
