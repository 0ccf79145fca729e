/**
 * The details under a lineage graph of the variable node last clicked: the value recorded
 * at that node (the version it stands for) and every version the trial recorded. Stored
 * values are the user's text: they only ever go in as text nodes.
 */

import { h } from '../dom';
import type { IVariableDetail } from '../model/provenance';
import { formatTime } from '../table';
import type { IVariableVersion, JSONValue } from '../types';

/** `[5]`, or `[?]` for a value recorded outside a cell. */
function cellLabel(count: number | null): string {
  return `[${count ?? '?'}]`;
}

/**
 * The full stored text of a value: a summary's repr when it has one, else the server's
 * text (for an exact value its JSON as Python wrote it: 1.0 stays 1.0).
 */
export function valueText(version: IVariableVersion): string {
  const value: JSONValue = version.value;
  if (!version.exact && value && typeof value === 'object' && !Array.isArray(value)) {
    const repr = value.repr;
    if (typeof repr === 'string' && repr) {
      return repr;
    }
  }
  return version.summary;
}

/** Fill `host` with the detail (empty and hidden when there is none). */
export function renderVariableDetail(
  host: HTMLElement,
  detail: IVariableDetail | null,
  onClose: () => void
): void {
  host.hidden = detail === null;
  if (!detail) {
    host.replaceChildren();
    return;
  }
  const { variable, history } = detail;
  const close = h(
    'button',
    {
      class: 'jp-nbprov-button jp-nbprov-variable-close',
      type: 'button',
      'aria-label': `Close the details of ${variable.name}`,
      title: 'Close these details'
    },
    'Close'
  );
  close.addEventListener('click', onClose);
  const head = h(
    'div',
    { class: 'jp-nbprov-section-head' },
    h(
      'h4',
      { class: 'jp-nbprov-variable-title' },
      `${variable.name} at cell ${cellLabel(variable.executionCount)}`
    ),
    close
  );
  const body: Array<Node | null> = [];
  if (detail.loading) {
    body.push(h('p', { class: 'jp-nbprov-empty' }, 'Loading its values…'));
  } else if (detail.error !== null) {
    body.push(h('p', { class: 'jp-nbprov-error' }, detail.error));
  } else if (history) {
    body.push(
      h(
        'p',
        { class: 'jp-nbprov-variable-role' },
        history.tagged ? `Tagged ${history.role ?? ''}` : (history.note ?? 'untagged')
      )
    );
    const current = history.current === null ? null : history.versions[history.current];
    body.push(
      current
        ? h(
            'div',
            { class: 'jp-nbprov-variable-value' },
            h('span', {}, 'Value here'),
            h('pre', {}, valueText(current))
          )
        : h('p', { class: 'jp-nbprov-empty' }, 'No value was recorded for this node.')
    );
    body.push(historyTable(history.versions, history.current));
  }
  host.replaceChildren(head, ...body.filter((node): node is Node => node !== null));
}

/** Every recorded version: the cell that recorded it, its value, when; this node's marked. */
function historyTable(versions: IVariableVersion[], current: number | null): HTMLElement {
  if (!versions.length) {
    return h('p', { class: 'jp-nbprov-empty' }, 'The trial recorded no value of it.');
  }
  const rows = versions.map((version, index) => {
    const here = index === current;
    return h(
      'tr',
      {
        class: here ? 'jp-nbprov-current' : undefined,
        'aria-current': here ? 'true' : undefined,
        title: version.fingerprint ? `fingerprint ${version.fingerprint.slice(0, 12)}` : undefined
      },
      h('td', {}, cellLabel(version.execution_count)),
      h('td', { class: 'jp-nbprov-variable-summary' }, version.summary),
      h('td', {}, formatTime(version.started_at, true))
    );
  });
  return h(
    'table',
    { class: 'jp-nbprov-table jp-nbprov-variable-history' },
    h('caption', {}, `History (${versions.length} recorded)`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Cell'),
        h('th', { scope: 'col' }, 'Value'),
        h('th', { scope: 'col' }, 'Time')
      )
    ),
    h('tbody', {}, rows)
  );
}
