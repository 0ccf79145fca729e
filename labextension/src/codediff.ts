/**
 * A unified diff of cell sources, drawn line by line. The sources are what the notebooks
 * ran, stored as is: they go into the page as text nodes only, never as HTML.
 */
import { h } from './dom';

export type DiffLineKind = 'file' | 'hunk' | 'added' | 'removed' | 'context';

export interface IDiffLine {
  kind: DiffLineKind;
  text: string;
}

/** The lines of a unified diff, each with what it is. */
export function diffLines(diff: string): IDiffLine[] {
  const lines = diff.split('\n');
  if (lines.length && lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines.map((text): IDiffLine => {
    if (text.startsWith('+++ ') || text.startsWith('--- ')) {
      return { kind: 'file', text };
    }
    if (text.startsWith('@@')) {
      return { kind: 'hunk', text };
    }
    if (text.startsWith('+')) {
      return { kind: 'added', text };
    }
    if (text.startsWith('-')) {
      return { kind: 'removed', text };
    }
    return { kind: 'context', text };
  });
}

/** The diff as a `<pre>` of one line a line; `truncated` adds a note that it was cut. */
export function renderDiff(diff: string, truncated = false): HTMLElement {
  const lines = diffLines(diff).map(line =>
    h('span', { class: `jp-nbprov-diff-line jp-nbprov-diff-${line.kind}` }, line.text || ' ')
  );
  return h(
    'pre',
    { class: 'jp-nbprov-diff', 'aria-label': 'Code change' },
    lines.length ? lines : h('span', { class: 'jp-nbprov-diff-line' }, '(same code)'),
    truncated
      ? h('span', { class: 'jp-nbprov-diff-line jp-nbprov-diff-cut' }, '… (diff cut)')
      : null
  );
}
