// @vitest-environment jsdom
/**
 * The panel's DOM over a model and a fake server: the elements, classes and texts the
 * browser tests (tests/ui/test_lab.py) and users rely on.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

import { NotebookProvenance } from '../src/model/notebook';
import { ProvenanceModel } from '../src/model/provenance';
import { ProvenancePanel } from '../src/panel';
import { apiFor, FakeServer, settle } from './fake-server';

// Lumino's drag and drop (loaded with its widgets) subclasses DragEvent, which jsdom lacks.
vi.hoisted(() => {
  if (typeof globalThis.DragEvent === 'undefined') {
    globalThis.DragEvent = class extends MouseEvent {} as typeof DragEvent;
  }
});

const SVG = '<svg xmlns="http://www.w3.org/2000/svg"><g><text>score = 2.75</text></g></svg>';

const panels: ProvenancePanel[] = [];

afterEach(() => {
  panels.splice(0).forEach(panel => {
    panel.model.notebook?.dispose();
    panel.model.dispose();
    panel.dispose();
  });
});

function setUp(): { panel: ProvenancePanel; server: FakeServer; opened: string[] } {
  const server = new FakeServer();
  const api = apiFor(server);
  const model = new ProvenanceModel(api, { layout: () => Promise.resolve(SVG) });
  const opened: string[] = [];
  const panel = new ProvenancePanel(model, title => opened.push(title));
  panels.push(panel);
  return { panel, server, opened };
}

async function showing(
  path: string
): Promise<{ panel: ProvenancePanel; server: FakeServer; opened: string[] }> {
  const fixture = setUp();
  const { model } = fixture.panel;
  model.setNotebook(new NotebookProvenance(apiFor(fixture.server), path));
  await settle();
  return fixture;
}

function find<T extends Element = HTMLElement>(panel: ProvenancePanel, selector: string): T {
  const found = panel.node.querySelector<T>(selector);
  if (!found) {
    throw new Error(`no ${selector} in the panel`);
  }
  return found;
}

function texts(panel: ProvenancePanel, selector: string): string[] {
  return Array.from(panel.node.querySelectorAll(selector), node => node.textContent ?? '');
}

function change(element: HTMLInputElement | HTMLSelectElement): void {
  element.dispatchEvent(new Event('change'));
}

describe('ProvenancePanel', () => {
  it('asks for a notebook when none is current', () => {
    const { panel } = setUp();
    expect(panel.id).toBe('nbprov-provenance-panel');
    expect(find(panel, 'h2').textContent).toBe('Provenance');
    expect(texts(panel, 'section h3')).toEqual([
      'Trials',
      'Compare',
      'Charts',
      'Searches',
      'Lineage'
    ]);
    expect(find(panel, '.jp-nbprov-subtitle').textContent).toBe(
      'Open a notebook to see its trials.'
    );
    expect(find(panel, '.jp-nbprov-table-host').childElementCount).toBe(0);
    const compare = find<HTMLButtonElement>(panel, '.jp-nbprov-compare-button');
    expect(compare.textContent).toBe('Compare picked (0)');
    expect(compare.disabled).toBe(true);
    expect(find(panel, '.jp-nbprov-script-button').hidden).toBe(true);
    expect(find(panel, '.jp-nbprov-large-button').hidden).toBe(true);
    expect(find<HTMLInputElement>(panel, '.jp-nbprov-only-changed').checked).toBe(true);
    expect(find(panel, '.jp-nbprov-error[role=alert]').hidden).toBe(true);
  });

  it('says it is loading, then that there are no trials yet', async () => {
    const { panel, server } = setUp();
    server.trials = [];
    panel.model.setNotebook(new NotebookProvenance(apiFor(server), 'new.ipynb'));
    expect(find(panel, '.jp-nbprov-empty').textContent).toBe('Loading…');
    await settle();
    expect(find(panel, '.jp-nbprov-empty').textContent).toMatch(/^No trials recorded yet/);
    expect(find(panel, '.jp-nbprov-subtitle').textContent).toBe('new.ipynb · store /tmp/s.db');
  });

  it('lists the trials, sorts them by a column and compares two', async () => {
    const { panel } = await showing('a.ipynb');
    const rows = (): string[] => texts(panel, '.jp-nbprov-trials tbody tr');
    expect(rows()).toHaveLength(2);
    expect(find(panel, '.jp-nbprov-trials tbody tr.jp-nbprov-current').dataset.trial).toBe('2');
    const headers = texts(panel, '.jp-nbprov-trials thead th');
    expect(headers.some(h => h.startsWith('alpha'))).toBe(true);
    expect(headers.some(h => h.startsWith('r2'))).toBe(true);
    // Newest first; a click on the metric puts the best first, another click the worst.
    expect(rows()[0]).toContain('0.9375');
    find(panel, ".jp-nbprov-trials thead th[data-key='metric:r2'] button").click();
    expect(rows()[0]).toContain('0.9375');
    expect(find(panel, "th[data-key='metric:r2']").getAttribute('aria-sort')).toBe('descending');
    find(panel, ".jp-nbprov-trials thead th[data-key='metric:r2'] button").click();
    expect(rows()[0]).toContain('0.875');

    const boxes = panel.node.querySelectorAll<HTMLInputElement>(
      '.jp-nbprov-trials tbody input[type=checkbox]'
    );
    const button = find<HTMLButtonElement>(panel, '.jp-nbprov-compare-button');
    boxes[0].checked = true;
    change(boxes[0]);
    expect(button.disabled).toBe(true);
    boxes[1].checked = true;
    change(boxes[1]);
    expect(button.textContent).toBe('Compare picked (2)');
    expect(button.disabled).toBe(false);
    button.click();
    await settle();
    const changed = texts(panel, '.jp-nbprov-compare tbody tr.jp-nbprov-changed-row');
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatch(/^alpha/);
    const shown = (): number =>
      panel.node.querySelectorAll('.jp-nbprov-compare tbody tr:not(.jp-nbprov-group)').length;
    expect(shown()).toBe(1);
    const onlyChanged = find<HTMLInputElement>(panel, '.jp-nbprov-only-changed');
    onlyChanged.checked = false;
    change(onlyChanged);
    expect(shown()).toBe(2);
  });

  it('lists every notebook on request', async () => {
    const { panel } = await showing('a.ipynb');
    const all = find<HTMLInputElement>(panel, '.jp-nbprov-all');
    all.checked = true;
    change(all);
    await settle();
    expect(panel.node.querySelectorAll('.jp-nbprov-trials tbody tr')).toHaveLength(3);
  });

  it('shows errors in the panel until the store answers again', async () => {
    const { panel, server } = await showing('a.ipynb');
    const alert = find(panel, '.jp-nbprov-error[role=alert]');
    server.fail('trials', 'OperationalError: database is locked');
    const refresh = Array.from(panel.node.querySelectorAll('button')).find(
      b => b.textContent === 'Refresh'
    );
    refresh?.click();
    await settle();
    expect(alert.hidden).toBe(false);
    expect(alert.textContent).toContain('database is locked');
    server.failures.clear();
    refresh?.click();
    await settle();
    expect(alert.hidden).toBe(true);
  });

  it("draws a variable's lineage and opens it in a tab", async () => {
    const { panel, opened } = await showing('a.ipynb');
    const trial = find<HTMLSelectElement>(panel, '.jp-nbprov-trial-select');
    expect(texts(panel, '.jp-nbprov-trial-select option')).toEqual(['#2', '#1']);
    expect(trial.value).toBe('2');
    const variable = find<HTMLSelectElement>(panel, '.jp-nbprov-variable-select');
    expect(texts(panel, '.jp-nbprov-variable-select option')).toEqual([
      'alpha (hyperparam)',
      'r2 (metric)',
      'model2 (artifact)'
    ]);
    variable.value = 'r2';
    change(variable);
    expect(panel.model.variable).toBe('r2');
    const graphButton = find<HTMLButtonElement>(panel, '.jp-nbprov-graph-button');
    expect(graphButton.disabled).toBe(false);
    graphButton.click();
    expect(find(panel, '.jp-nbprov-graph').textContent).toBe('Drawing…');
    await settle();
    const svg = find(panel, '.jp-nbprov-graph svg');
    expect(svg.classList.contains('jp-nbprov-graph-svg')).toBe(true);
    expect(texts(panel, '.jp-nbprov-graph svg text')).toEqual(['score = 2.75']);
    expect(find(panel, '.jp-nbprov-graph').getAttribute('aria-label')).toBe(
      'Lineage of r2 (trial 2)'
    );
    expect(find(panel, 'details:has(.jp-nbprov-dot)').hidden).toBe(false);
    expect(find(panel, '.jp-nbprov-dot').textContent).toBe('digraph { alpha -> r2 }');
    const large = find(panel, '.jp-nbprov-large-button');
    expect(large.hidden).toBe(false);
    large.click();
    expect(opened).toEqual(['Lineage of r2 (trial 2)']);
    // Choosing another trial lists its variables and keeps the chosen one.
    trial.value = '1';
    change(trial);
    await settle();
    expect(variable.value).toBe('r2');
    expect(texts(panel, '.jp-nbprov-variable-select option')).toContain('model1 (artifact)');
  });

  it('clears the picks, comparison and graph for another notebook', async () => {
    const { panel, server } = await showing('a.ipynb');
    find(panel, '.jp-nbprov-graph-button').click();
    await settle();
    expect(panel.node.querySelector('.jp-nbprov-graph svg')).not.toBeNull();
    panel.model.setNotebook(new NotebookProvenance(apiFor(server), 'b.ipynb'));
    await settle();
    expect(panel.node.querySelector('.jp-nbprov-graph svg')).toBeNull();
    expect(find(panel, 'details:has(.jp-nbprov-dot)').hidden).toBe(true);
    expect(find(panel, '.jp-nbprov-large-button').hidden).toBe(true);
    expect(find(panel, '.jp-nbprov-subtitle').textContent).toBe('b.ipynb · store /tmp/s.db');
    expect(texts(panel, '.jp-nbprov-trial-select option')).toEqual(['#3']);
  });

  it("shows a variable node's value and history under the graph, as text", async () => {
    const server = new FakeServer();
    server.deps = {
      variable: 'r2',
      activations: [{ seq: 7, execution_count: 9, cell_hash: 'abc', stage: null }],
      variables: [
        { name: 'alpha', seq: 2, execution_count: 2, value: 0.25, role: 'hyperparam' },
        { name: 'r2', seq: 7, execution_count: 9, value: 'x', role: 'metric' }
      ]
    };
    const svg =
      '<svg xmlns="http://www.w3.org/2000/svg"><g class="graph">' +
      '<g class="node"><title>a7</title><path d="M0 0"/><text>[9]</text></g>' +
      '<g class="node"><title>v1</title><ellipse/><text>r2 = x</text></g></g></svg>';
    const model = new ProvenanceModel(apiFor(server), { layout: () => Promise.resolve(svg) });
    const copies: SVGSVGElement[] = [];
    const panel = new ProvenancePanel(model, (_title, copy) => copies.push(copy));
    panels.push(panel);
    model.setNotebook(new NotebookProvenance(apiFor(server), 'a.ipynb'));
    await settle();
    find(panel, '.jp-nbprov-graph-button').click();
    await settle();
    const node = find(panel, '.jp-nbprov-graph .jp-nbprov-node-variable');
    expect(node.getAttribute('role')).toBe('button');
    expect(node.getAttribute('tabindex')).toBe('0');
    expect(node.getAttribute('aria-label')).toBe('Variable r2, recorded at cell 9');
    expect(node.querySelector('title')?.textContent).toBe(
      'Variable r2 = x, recorded at cell 9. Click to see its value and history.'
    );
    const detail = find(panel, '.jp-nbprov-variable-detail');
    expect(detail.hidden).toBe(true);
    server.requests.length = 0;
    node.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(detail.hidden).toBe(false);
    expect(detail.textContent).toContain('Loading');
    await settle();
    expect(server.requests).toEqual(['history trial=2&variable=r2&seq=7&notebook=a.ipynb']);
    expect(find(panel, '.jp-nbprov-variable-title').textContent).toBe('r2 at cell [9]');
    expect(node.getAttribute('aria-pressed')).toBe('true');
    // The value is the user's text: shown as typed, never parsed as HTML.
    expect(detail.querySelector('img')).toBeNull();
    expect(find(panel, '.jp-nbprov-variable-value pre').textContent).toBe(
      '"<img src=x onerror=\\"alert(1)\\">"'
    );
    const rows = Array.from(detail.querySelectorAll('tbody tr'));
    expect(rows.map(row => row.querySelector('td')?.textContent)).toEqual(['[4]', '[9]']);
    expect(rows[1].getAttribute('aria-current')).toBe('true');
    expect(rows[0].hasAttribute('aria-current')).toBe(false);
    expect(rows[1].textContent).toContain('<img src=x');
    expect(find(panel, '.jp-nbprov-variable-role').textContent).toBe('Tagged metric');
    // An untagged variable says what the store keeps of it.
    server.history = (variable, seq) => ({
      trial: 2,
      variable,
      role: null,
      tagged: false,
      note: 'untagged: text only as type, length and fingerprint',
      seq,
      current: null,
      versions: []
    });
    node.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await settle();
    expect(find(panel, '.jp-nbprov-variable-role').textContent).toBe(
      'untagged: text only as type, length and fingerprint'
    );
    expect(detail.textContent).toContain('No value was recorded for this node.');
    find(panel, '.jp-nbprov-variable-close').click();
    expect(detail.hidden).toBe(true);
    expect(node.hasAttribute('aria-pressed')).toBe(false);
    // The copy opened in a tab has no details area: its variable nodes are plain.
    find(panel, '.jp-nbprov-large-button').click();
    expect(copies).toHaveLength(1);
    expect(copies[0].querySelector('.jp-nbprov-node-variable')?.hasAttribute('role')).toBe(false);
    expect(copies[0].querySelector('.jp-nbprov-node-cell')?.getAttribute('role')).toBe('button');
    // A reply that comes after the graph was drawn again is dropped with the details.
    server.hold('history');
    node.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(detail.hidden).toBe(false);
    find(panel, '.jp-nbprov-graph-button').click();
    expect(detail.hidden).toBe(true);
    server.release('history');
    await settle();
    expect(model.variableDetail).toBeNull();
    expect(detail.hidden).toBe(true);
  });
});
