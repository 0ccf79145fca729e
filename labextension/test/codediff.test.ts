// @vitest-environment jsdom
/**
 * Cell diffs are drawn from stored sources, which are untrusted: only as text.
 */
import { describe, expect, it } from 'vitest';

import { diffLines, renderDiff } from '../src/codediff';

const DIFF = [
  '--- trial 1',
  '+++ trial 2',
  '@@ -1,2 +1,2 @@',
  ' x = 1',
  '-y = "<b>old</b>"',
  '+y = "<img src=x onerror=alert(1)>"',
  ''
].join('\n');

describe('cell diffs', () => {
  it('says what each line is', () => {
    expect(diffLines(DIFF).map(l => l.kind)).toEqual([
      'file',
      'file',
      'hunk',
      'context',
      'removed',
      'added'
    ]);
  });

  it('draws the lines as text, never as HTML', () => {
    const pre = renderDiff(DIFF);
    expect(pre.querySelector('img, b')).toBeNull();
    const added = pre.querySelector('.jp-nbprov-diff-added');
    expect(added?.textContent).toBe('+y = "<img src=x onerror=alert(1)>"');
    expect(pre.querySelector('.jp-nbprov-diff-removed')?.textContent).toBe('-y = "<b>old</b>"');
    expect(pre.querySelectorAll('.jp-nbprov-diff-line')).toHaveLength(6);
  });

  it('says when the diff was cut', () => {
    expect(renderDiff(DIFF, true).lastElementChild?.textContent).toContain('diff cut');
    expect(renderDiff(DIFF).textContent).not.toContain('diff cut');
  });
});
