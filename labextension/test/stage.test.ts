import { describe, expect, it } from 'vitest';

import {
  cellStage,
  isValidStage,
  stageClass,
  stageFromMetadata,
  stageFromSource,
  withStage
} from '../src/stage';

describe('stageFromSource', () => {
  it('reads %tag at the start of a line', () => {
    expect(stageFromSource('%tag features\nx = 1')).toBe('features');
    expect(stageFromSource('x = 1\n  %tag score  # the score')).toBe('score');
  });

  it('ignores %tag_var, other magics and text that is not a line magic', () => {
    expect(stageFromSource('%tag_var alpha hyperparam')).toBeNull();
    expect(stageFromSource('%tagged read')).toBeNull();
    expect(stageFromSource('s = "%tag read"')).toBeNull();
    expect(stageFromSource('%tag')).toBeNull();
    expect(stageFromSource('')).toBeNull();
  });

  it('lets the last %tag win, as the kernel does', () => {
    expect(stageFromSource('%tag read\n%tag features\n')).toBe('features');
  });

  it('handles Windows line endings and tabs', () => {
    expect(stageFromSource('x = 1\r\n%tag\tevaluate\r\n')).toBe('evaluate');
  });

  it('skips option-like words', () => {
    expect(stageFromSource('%tag -h')).toBeNull();
  });
});

describe('stageFromMetadata', () => {
  it('reads nbprov.stage', () => {
    expect(stageFromMetadata({ nbprov: { stage: 'read' } })).toBe('read');
  });

  it('ignores anything malformed', () => {
    expect(stageFromMetadata(undefined)).toBeNull();
    expect(stageFromMetadata({ nbprov: 'read' })).toBeNull();
    expect(stageFromMetadata({ nbprov: { stage: 3 } })).toBeNull();
    expect(stageFromMetadata({ nbprov: { stage: 'two words' } })).toBeNull();
    expect(stageFromMetadata({ nbprov: [] })).toBeNull();
  });
});

describe('cellStage', () => {
  it('prefers %tag in the code over metadata', () => {
    expect(cellStage('%tag score', { nbprov: { stage: 'read' } })).toEqual({
      stage: 'score',
      source: 'tag'
    });
  });

  it('falls back to metadata, then to nothing', () => {
    expect(cellStage('x = 1', { nbprov: { stage: 'read' } })).toEqual({
      stage: 'read',
      source: 'metadata'
    });
    expect(cellStage('x = 1', {})).toBeNull();
  });
});

describe('withStage', () => {
  it('sets the stage and keeps other keys', () => {
    expect(withStage({ other: 1 }, 'read')).toEqual({ other: 1, stage: 'read' });
    expect(withStage(undefined, 'score')).toEqual({ stage: 'score' });
  });

  it('clears the stage, and the whole entry when nothing is left', () => {
    expect(withStage({ stage: 'read', other: 1 }, null)).toEqual({ other: 1 });
    expect(withStage({ stage: 'read' }, null)).toBeUndefined();
  });

  it('refuses names that are not one word', () => {
    expect(() => withStage({}, 'two words')).toThrow();
    expect(() => withStage({}, '')).toThrow();
  });
});

describe('stage names', () => {
  it('accepts one word of up to 64 characters', () => {
    expect(isValidStage('feature-engineering_2')).toBe(true);
    expect(isValidStage('x'.repeat(65))).toBe(false);
    expect(isValidStage('a/b')).toBe(false);
  });

  it('gives the standard stages their own class', () => {
    expect(stageClass('read')).toBe('jp-nbprov-stage-read');
    expect(stageClass('tuning')).toBe('jp-nbprov-stage-other');
  });
});
