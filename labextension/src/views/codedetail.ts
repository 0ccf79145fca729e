/**
 * A code row of the comparison, opened: for each trial whose code of the cell differs
 * from the baseline's, the unified diff of the two sources and what the why answer of
 * each metric that moved says of the cell. Everything the store holds goes in as text.
 */
import { h } from '../dom';
import { renderDiff } from '../codediff';
import type { ICodeDetail, ProvenanceModel } from '../model/provenance';
import type { ICellChange, ICellWhy, ICompareResult, ICompareRow } from '../types';

/** Whether a row is a cell whose code differs between the compared trials. */
export function hasCodeChange(row: ICompareRow): boolean {
  const hashes = row.cell_hashes;
  return Boolean(row.changed && hashes && hashes.some(hash => hash !== hashes[0]));
}

/** The button that opens or closes a changed cell's row (null for other rows). */
export function codeToggle(model: ProvenanceModel, row: ICompareRow): HTMLElement | null {
  if (!model.features.cellchange || !hasCodeChange(row)) {
    return null;
  }
  const open = model.codeDetails.has(row.name);
  const button = h(
    'button',
    {
      class: 'jp-nbprov-code-toggle',
      type: 'button',
      'aria-expanded': open ? 'true' : 'false',
      'data-row': row.name,
      title: open ? 'Hide the code change' : 'Show the code change and why the metrics moved'
    },
    open ? '▾' : '▸',
    h('span', { class: 'jp-nbprov-sr' }, ` code change of ${row.name}`)
  );
  button.addEventListener('click', () => void model.toggleCode(row.name));
  return button;
}

function whyItem(answer: ICellWhy): HTMLElement {
  let text: string;
  if (answer.error) {
    text = answer.error;
  } else if (answer.text) {
    text = answer.text;
  } else {
    text =
      answer.others > 0
        ? `not among the reasons; ${answer.others} other cell${answer.others > 1 ? 's' : ''} explain it`
        : 'not among the reasons';
  }
  return h(
    'li',
    {},
    h('span', { class: 'jp-nbprov-why-heading' }, answer.heading ?? answer.metric),
    h('br', {}),
    h('span', { class: 'jp-nbprov-why-cell' }, text)
  );
}

function changeBlock(change: ICellChange, several: boolean): HTMLElement {
  const [a, b] = change.trials;
  return h(
    'div',
    { class: 'jp-nbprov-code-change' },
    several ? h('div', { class: 'jp-nbprov-code-pair' }, `#${a} → #${b}`) : null,
    renderDiff(change.diff, change.truncated),
    change.why.length
      ? h(
          'ul',
          { class: 'jp-nbprov-why', 'aria-label': 'Why the metrics moved' },
          change.why.map(whyItem)
        )
      : null
  );
}

/** The table row under an opened code row. */
export function renderCodeDetail(
  detail: ICodeDetail,
  result: ICompareResult,
  columns: number
): HTMLElement {
  let content: Array<HTMLElement>;
  if (detail.loading) {
    content = [h('p', { class: 'jp-nbprov-empty' }, 'Loading the code change…')];
  } else if (detail.error) {
    content = [h('p', { class: 'jp-nbprov-filter-error' }, detail.error)];
  } else {
    content = detail.changes.map(change => changeBlock(change, result.trials.length > 2));
  }
  return h(
    'tr',
    { class: 'jp-nbprov-code-detail' },
    h('td', { colspan: String(columns) }, content)
  );
}
