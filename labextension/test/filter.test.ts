// @vitest-environment jsdom
/**
 * The trial filter, the column chooser and the opened code rows of the comparison: in
 * the model (per notebook) and in the panel.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { NotebookProvenance } from '../src/model/notebook';
import { movedMetrics, ProvenanceModel } from '../src/model/provenance';
import { ProvenancePanel } from '../src/panel';
import type { ICompareResult } from '../src/types';
import { FILTER_DELAY_MS } from '../src/views/trials';
import { apiFor, FakeServer, settle } from './fake-server';

vi.hoisted(() => {
  if (typeof globalThis.DragEvent === 'undefined') {
    globalThis.DragEvent = class extends MouseEvent {} as typeof DragEvent;
  }
});

const disposables: Array<{ dispose(): void }> = [];

afterEach(() => {
  vi.useRealTimers();
  disposables.splice(0).forEach(d => d.dispose());
});

function setUp(): {
  server: FakeServer;
  model: ProvenanceModel;
  panel: ProvenancePanel;
  notebook(path: string): NotebookProvenance;
} {
  const server = new FakeServer();
  server.features = {
    ...server.features,
    filter: true,
    cellchange: true
  } as typeof server.features;
  const api = apiFor(server);
  const model = new ProvenanceModel(api, { layout: () => Promise.resolve('<svg></svg>') });
  const panel = new ProvenancePanel(model);
  disposables.push(panel, model);
  return {
    server,
    model,
    panel,
    notebook: path => {
      const notebook = new NotebookProvenance(api, path);
      disposables.push(notebook);
      return notebook;
    }
  };
}

function rows(panel: ProvenancePanel): string[] {
  return Array.from(
    panel.node.querySelectorAll<HTMLElement>('.jp-nbprov-trials tbody tr'),
    tr => tr.dataset.trial ?? ''
  );
}

function find<T extends Element = HTMLElement>(panel: ProvenancePanel, selector: string): T {
  const found = panel.node.querySelector<T>(selector);
  if (!found) {
    throw new Error(`no ${selector} in the panel`);
  }
  return found;
}

describe('the trial filter', () => {
  it('asks the server to filter and keeps each notebook its own filter', async () => {
    const f = setUp();
    const a = f.notebook('a.ipynb');
    const b = f.notebook('b.ipynb');
    f.model.setNotebook(a);
    await settle();
    expect(f.model.trials.map(t => t.id)).toEqual([1, 2]);
    await f.model.setFilter(' r2 > 0.9 ');
    expect(f.model.filter).toBe('r2 > 0.9');
    expect(f.model.trials.map(t => t.id)).toEqual([2]);
    expect(f.server.requests).toContain('trials notebook=a.ipynb&scope=notebook&filter=r2+%3E+0.9');
    f.model.setNotebook(b);
    await settle();
    expect(f.model.filter).toBe('');
    expect(f.model.trials.map(t => t.id)).toEqual([3]);
    f.model.setNotebook(a);
    await settle();
    expect(f.model.filter).toBe('r2 > 0.9');
    expect(f.model.trials.map(t => t.id)).toEqual([2]);
  });

  it("shows the server's message for a bad filter and lists every trial", async () => {
    const f = setUp();
    f.model.setNotebook(f.notebook('a.ipynb'));
    await settle();
    await f.model.setFilter('r2 >');
    expect(f.model.filterError).toBe("cannot parse filter 'r2 >'");
    expect(f.model.error).toBeNull();
    expect(f.model.trials.map(t => t.id)).toEqual([1, 2]);
    const message = find(f.panel, '.jp-nbprov-filter-error');
    expect(message.hidden).toBe(false);
    expect(message.textContent).toBe("cannot parse filter 'r2 >'");
    expect(find(f.panel, '.jp-nbprov-filter').getAttribute('aria-invalid')).toBe('true');
    await f.model.setFilter('r2 > 0.9');
    expect(f.model.filterError).toBeNull();
    expect(message.hidden).toBe(true);
  });

  it('waits for typing to pause before it asks', async () => {
    const f = setUp();
    f.model.setNotebook(f.notebook('a.ipynb'));
    await settle();
    vi.useFakeTimers();
    const box = find<HTMLInputElement>(f.panel, '.jp-nbprov-filter');
    for (const text of ['r', 'r2', 'r2 > 0.9']) {
      box.value = text;
      box.dispatchEvent(new Event('input'));
      vi.advanceTimersByTime(FILTER_DELAY_MS / 2);
    }
    const asked = (): string[] => f.server.requests.filter(r => r.includes('filter='));
    expect(asked()).toEqual([]);
    vi.advanceTimersByTime(FILTER_DELAY_MS);
    vi.useRealTimers();
    await settle();
    expect(asked()).toHaveLength(1);
    expect(rows(f.panel)).toEqual(['2']);
    box.value = 'r2 > 5';
    box.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await settle();
    expect(rows(f.panel)).toEqual([]);
    expect(find(f.panel, '.jp-nbprov-table-host .jp-nbprov-empty').textContent).toBe(
      'No trial matches the filter.'
    );
  });
});

describe('the column chooser', () => {
  it('hides and shows columns, per notebook', async () => {
    const f = setUp();
    const a = f.notebook('a.ipynb');
    f.model.setNotebook(a);
    await settle();
    const headers = (): string[] =>
      Array.from(
        f.panel.node.querySelectorAll<HTMLElement>('.jp-nbprov-trials thead th[data-key]'),
        th => th.dataset.key ?? ''
      );
    expect(headers()).toContain('hyperparam:alpha');
    expect(find(f.panel, '.jp-nbprov-columns summary').textContent).toBe('Columns (2/2)');
    const box = find<HTMLInputElement>(f.panel, "input[data-column='hyperparam:alpha']");
    box.checked = false;
    box.dispatchEvent(new Event('change'));
    expect(headers()).not.toContain('hyperparam:alpha');
    expect(headers()).toContain('metric:r2');
    expect(find(f.panel, '.jp-nbprov-columns summary').textContent).toBe('Columns (1/2)');
    // The same box (the focus stays on it), now unticked.
    expect(find(f.panel, "input[data-column='hyperparam:alpha']")).toBe(box);
    expect(box.checked).toBe(false);
    f.model.setNotebook(f.notebook('b.ipynb'));
    await settle();
    expect(headers()).toContain('hyperparam:alpha');
    f.model.setNotebook(a);
    await settle();
    expect(headers()).not.toContain('hyperparam:alpha');
    f.model.resetColumns();
    expect(headers()).toContain('hyperparam:alpha');
  });
});

describe('code rows of the comparison', () => {
  const codeRow = {
    group: 'code',
    name: 'cell 2',
    values: ['aaa', 'bbb'],
    changed: true,
    delta: null,
    source_line: 'r2 = score(model)',
    cell_hashes: ['aaa', 'bbb']
  };

  it('open on demand with the diff and the why answer, as text', async () => {
    const f = setUp();
    f.server.extraRows = [
      codeRow,
      { group: 'metric', name: 'r2', values: [0.875, 0.9375], changed: true, delta: 0.0625 }
    ];
    f.server.cellChange = {
      ...f.server.cellChange,
      diff: '--- trial 1\n+++ trial 2\n@@ -1 +1 @@\n-x = 1\n+x = "<img src=x onerror=alert(1)>"\n'
    };
    f.model.setNotebook(f.notebook('a.ipynb'));
    await settle();
    f.model.pick(1, true);
    f.model.pick(2, true);
    await f.model.compare();
    expect(f.server.requests.some(r => r.startsWith('cellchange'))).toBe(false);
    const toggle = find<HTMLButtonElement>(
      f.panel,
      "button.jp-nbprov-code-toggle[data-row='cell 2']"
    );
    expect(toggle.getAttribute('aria-expanded')).toBe('false');
    toggle.click();
    await settle();
    expect(f.server.requests).toContain(
      'cellchange trials=1%2C2&cells=aaa%2Cbbb&metrics=r2&notebook=a.ipynb'
    );
    const detail = find(f.panel, '.jp-nbprov-code-detail');
    expect(detail.querySelector('img')).toBeNull();
    expect(detail.querySelector('.jp-nbprov-diff-added')?.textContent).toBe(
      '+x = "<img src=x onerror=alert(1)>"'
    );
    expect(detail.querySelector('.jp-nbprov-why')?.textContent).toContain('why r2 moved');
    expect(
      find(f.panel, "button.jp-nbprov-code-toggle[data-row='cell 2']").getAttribute('aria-expanded')
    ).toBe('true');
    find<HTMLButtonElement>(f.panel, "button.jp-nbprov-code-toggle[data-row='cell 2']").click();
    expect(f.panel.node.querySelector('.jp-nbprov-code-detail')).toBeNull();
  });

  it('asks about the metrics that moved for each trial', () => {
    const result: ICompareResult = {
      trials: [1, 2, 3],
      rows: [
        { group: 'metric', name: 'r2', values: [1, 2, 1], changed: true, delta: 0 },
        { group: 'metric', name: 'mae', values: [1, 1, 3], changed: true, delta: 2 },
        { group: 'hyperparam', name: 'alpha', values: [1, 2, 3], changed: true, delta: 2 }
      ]
    };
    expect(movedMetrics(result, 1)).toEqual(['r2']);
    expect(movedMetrics(result, 2)).toEqual(['mae']);
  });
});
