/**
 * The panel's Compare section: the button that compares the picked trials, and the
 * comparison as a table of values per trial, grouped, with the change between them.
 */

import { h } from '../dom';
import { ModelView } from './view';
import type { ProvenanceChange, ProvenanceModel } from '../model/provenance';
import { changeText, codeText, directionText, trialHeader, verdict } from '../comparison';
import { cellText, groupRows } from '../table';
import { codeToggle, renderCodeDetail } from './codedetail';

export class CompareView extends ModelView {
  constructor(model: ProvenanceModel) {
    super(model);
    this.node = h(
      'section',
      { class: 'jp-nbprov-section', 'aria-label': 'Compare' },
      h(
        'div',
        { class: 'jp-nbprov-section-head' },
        h('h3', {}, 'Compare'),
        h('label', { class: 'jp-nbprov-check' }, this._onlyChanged, 'only changed')
      ),
      h(
        'div',
        { class: 'jp-nbprov-actions' },
        this._compareButton,
        h('label', {}, 'against ', this._baselineSelect)
      ),
      this._compareHost
    );
    this._onlyChanged.checked = model.onlyChanged;
    this._onlyChanged.addEventListener('change', () =>
      model.setOnlyChanged(this._onlyChanged.checked)
    );
    this._compareButton.addEventListener('click', () => void model.compare());
    this._baselineSelect.addEventListener('change', () => {
      const value = this._baselineSelect.value;
      void model.setBaseline(value ? Number(value) : null);
    });
    this.renderButton();
    this.renderComparison();
  }

  readonly node: HTMLElement;

  protected onChange(change: ProvenanceChange): void {
    if (change === 'status' || change === 'picked') {
      this.renderButton();
    } else if (change === 'comparison') {
      this._onlyChanged.checked = this.model.onlyChanged;
      this.renderComparison();
    }
  }

  private renderButton(): void {
    const canCompare = this.model.features.compare;
    const count = this.model.picked.size;
    this._compareButton.disabled = !canCompare || count < 2;
    this._compareButton.textContent = `Compare picked (${count})`;
    this._compareButton.title = canCompare
      ? 'Pick two or more trials in the table'
      : 'This nbprov has no trial comparison yet';
    const picked = this.model.trials.filter(t => this.model.picked.has(t.id));
    const options = [
      h('option', { value: '' }, 'first picked'),
      ...picked.map(t =>
        h('option', { value: String(t.id) }, `#${t.id}${t.name ? ` ${t.name}` : ''}`)
      )
    ];
    this._baselineSelect.replaceChildren(...options);
    const baseline = this.model.baseline;
    this._baselineSelect.value =
      baseline !== null && picked.some(t => t.id === baseline) ? String(baseline) : '';
  }

  private renderComparison(): void {
    const result = this.model.comparison;
    if (!result) {
      this._compareHost.replaceChildren();
      return;
    }
    const groups = groupRows(result.rows, this.model.onlyChanged);
    if (!groups.length) {
      this._compareHost.replaceChildren(
        h('p', { class: 'jp-nbprov-empty' }, 'No differences between these trials.')
      );
      return;
    }
    const head = h(
      'tr',
      {},
      h('th', { scope: 'col' }, h('span', { class: 'jp-nbprov-sr' }, 'Row')),
      result.trials.map((_, k) =>
        h(
          'th',
          {
            scope: 'col',
            title: k === 0 ? 'The baseline: the others are compared with it' : undefined
          },
          trialHeader(result, k),
          k === 0 ? h('span', { class: 'jp-nbprov-baseline-tag' }, 'baseline') : null
        )
      )
    );
    const body: HTMLElement[] = [];
    for (const [group, rows] of groups) {
      body.push(
        h(
          'tr',
          { class: 'jp-nbprov-group' },
          h('th', { scope: 'rowgroup', colspan: String(result.trials.length + 1) }, group)
        )
      );
      for (const row of rows) {
        const isCode = row.group === 'code';
        body.push(
          h(
            'tr',
            { class: row.changed ? 'jp-nbprov-changed-row' : undefined },
            h(
              'th',
              { scope: 'row' },
              isCode ? codeToggle(this.model, row) : null,
              row.name,
              row.stage ? h('span', { class: 'jp-nbprov-row-stage' }, ` [${row.stage}]`) : null,
              row.source_line
                ? h(
                    'code',
                    { class: 'jp-nbprov-row-code', title: row.source_line },
                    row.source_line
                  )
                : null
            ),
            row.values.map((value, k) => {
              if (isCode) {
                return h('td', { title: cellText(value) || undefined }, codeText(row, k));
              }
              const better = verdict(row, k);
              const delta = changeText(row, k);
              return h(
                'td',
                { class: better ? `jp-nbprov-${better}` : undefined },
                row.present && !row.present[k] ? '—' : cellText(value),
                delta ? h('span', { class: 'jp-nbprov-delta' }, ` ${delta}`) : null,
                better
                  ? h(
                      'span',
                      { class: 'jp-nbprov-verdict', title: `${better}: ${directionText(row)}` },
                      better === 'better' ? ' ✓' : ' ✗',
                      h('span', { class: 'jp-nbprov-sr' }, ` ${better}`)
                    )
                  : null
              );
            })
          )
        );
        const detail = isCode ? this.model.codeDetails.get(row.name) : undefined;
        if (detail) {
          body.push(renderCodeDetail(detail, result, result.trials.length + 1));
        }
      }
    }
    this._compareHost.replaceChildren(
      h(
        'div',
        { class: 'jp-nbprov-scroll', role: 'region', 'aria-label': 'Comparison', tabindex: '0' },
        h(
          'table',
          { class: 'jp-nbprov-table jp-nbprov-compare' },
          h('thead', {}, head),
          h('tbody', {}, body)
        )
      )
    );
  }

  private _onlyChanged = h('input', { type: 'checkbox', class: 'jp-nbprov-only-changed' });
  private _compareButton = h(
    'button',
    { class: 'jp-nbprov-button jp-nbprov-compare-button', type: 'button' },
    'Compare'
  );
  private _compareHost = h('div', { class: 'jp-nbprov-compare-host' });
  private _baselineSelect = h('select', {
    class: 'jp-nbprov-baseline',
    'aria-label': 'Baseline trial'
  });
}
