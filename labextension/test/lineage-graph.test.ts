// @vitest-environment jsdom
/**
 * The lineage graph: fitted to its box but readable, human tooltips, cells as links.
 */
import { describe, expect, it } from 'vitest';

import { describeNode, sliceCell } from '../src/graphnodes';
import { panelDot } from '../src/model/provenance';
import { linkGraph } from '../src/views/lineage';
import { fitScale, graphSize, GraphZoom, MIN_FIT_SCALE, NATURAL_SCALE } from '../src/zoom';

const DEPS = {
  variable: 'score',
  activations: [
    { seq: 2, execution_count: 21, cell_hash: 'abc', stage: 'score', status: 'ok', source: '' },
    { seq: 1, execution_count: 3, cell_hash: 'def', stage: null, status: 'ok', source: '' }
  ]
};

const SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="1810pt" height="120pt"
  viewBox="0.00 0.00 1810.00 120.00"><g id="graph0" class="graph"><title>nbprov</title>
  <g id="node1" class="node"><title>a2</title><path d="M0 0"/>
    <text>[21] score</text><text>score = model.score(X_test, y_test)</text></g>
  <g id="node2" class="node"><title>v0</title><ellipse/><text>score = 0.43</text>
    <text>(metric)</text></g>
  <g id="edge1" class="edge"><title>a2&#45;&gt;v0</title><path d="M0 0"/></g>
</g></svg>`;

function parse(text: string): SVGSVGElement {
  return new DOMParser().parseFromString(text, 'image/svg+xml')
    .documentElement as unknown as SVGSVGElement;
}

describe('fitting a graph', () => {
  it('fits the box, but never below a readable scale nor above actual size', () => {
    expect(fitScale(400, 300)).toBeCloseTo(NATURAL_SCALE);
    expect(fitScale(400, 400)).toBeCloseTo(1);
    // 1,810 pt wide in a 400 px side bar: not 0.22 (2 px text), but scrollable at 0.8.
    expect(fitScale(400, 1810)).toBe(MIN_FIT_SCALE);
    expect(fitScale(0, 100)).toBe(NATURAL_SCALE);
  });

  it("reads the graph's size in points from its viewBox", () => {
    expect(graphSize(parse(SVG))).toEqual({ width: 1810, height: 120 });
  });

  it('zooms with buttons and keys, and fits again', () => {
    const host = document.createElement('div');
    Object.defineProperty(host, 'clientWidth', { value: 600 });
    document.body.append(host);
    const zoom = new GraphZoom(host);
    const svg = parse(SVG);
    host.append(svg);
    zoom.setSvg(svg);
    expect(zoom.controls.hidden).toBe(false);
    expect(zoom.scale).toBe(MIN_FIT_SCALE);
    expect(svg.style.width).toBe(`${Math.round(1810 * MIN_FIT_SCALE)}px`);
    expect(svg.hasAttribute('width')).toBe(false);
    zoom.controls.querySelector<HTMLButtonElement>('.jp-nbprov-zoom-in')!.click();
    expect(zoom.scale).toBeCloseTo(MIN_FIT_SCALE * 1.25);
    host.dispatchEvent(new KeyboardEvent('keydown', { key: '-', bubbles: true }));
    expect(zoom.scale).toBeCloseTo(MIN_FIT_SCALE);
    host.dispatchEvent(new KeyboardEvent('keydown', { key: '-', bubbles: true }));
    expect(zoom.scale).toBeLessThan(MIN_FIT_SCALE);
    zoom.controls.querySelector<HTMLButtonElement>('.jp-nbprov-zoom-actual')!.click();
    expect(zoom.scale).toBeCloseTo(NATURAL_SCALE);
    expect(zoom.controls.textContent).toContain('100%');
    host.dispatchEvent(new KeyboardEvent('keydown', { key: '0', bubbles: true }));
    expect(zoom.scale).toBe(MIN_FIT_SCALE);
    zoom.dispose();
    host.remove();
  });
});

describe('graph nodes', () => {
  it('lays the panel graph out top to bottom', () => {
    expect(panelDot('digraph nbprov {\n  graph [rankdir=LR, fontsize=10];\n}')).toContain(
      'rankdir=TB'
    );
  });

  it('describes cells and variables without internal ids', () => {
    const cell = describeNode('a2', ['[21] score', 'score = model.score(X, y)'], DEPS);
    expect(cell.kind).toBe('cell');
    expect(cell.cell).toEqual({ seq: 2, executionCount: 21, cellHash: 'abc', stage: 'score' });
    expect(cell.tooltip).toBe(
      'Cell [21], stage score: score = model.score(X, y). Click to show it in the notebook.'
    );
    const variable = describeNode('v0', ['score = 0.43', '(metric)'], DEPS);
    expect(variable).toEqual({
      kind: 'variable',
      cell: null,
      tooltip: 'Variable score = 0.43 (metric)'
    });
    expect(sliceCell(DEPS, 9)).toBeNull();
  });

  it('replaces the ids in tooltips and links cell nodes', () => {
    const svg = parse(SVG);
    const note = document.createElement('p');
    const clicked: unknown[] = [];
    linkGraph(
      svg,
      DEPS,
      cell => {
        clicked.push(cell);
        return 'Cell [21] is no longer in the notebook.';
      },
      note
    );
    const titles = Array.from(svg.querySelectorAll('title'), t => t.textContent ?? '');
    expect(titles.some(t => /\b(a2|v0)\b/.test(t))).toBe(false);
    expect(titles.some(t => t.includes('nbprov'))).toBe(false);
    const node = svg.querySelector<SVGGElement>('.jp-nbprov-node-cell')!;
    expect(node.getAttribute('role')).toBe('button');
    expect(node.getAttribute('tabindex')).toBe('0');
    node.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(clicked).toEqual([{ seq: 2, executionCount: 21, cellHash: 'abc', stage: 'score' }]);
    expect(note.textContent).toBe('Cell [21] is no longer in the notebook.');
    node.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    expect(clicked).toHaveLength(2);
  });

  it('makes variable nodes buttons that name their version, when asked to', () => {
    const deps = { ...DEPS, variables: [{ name: 'score', seq: 2, execution_count: 21 }] };
    const variable = describeNode('v0', ['score = 0.43', '(metric)'], deps);
    expect(variable.variable).toEqual({ name: 'score', seq: 2, executionCount: 21 });
    expect(variable.label).toBe('Variable score, recorded at cell 21');
    expect(variable.tooltip).toBe(
      'Variable score = 0.43 (metric), recorded at cell 21. Click to see its value and history.'
    );
    // Without a handler (an older server), variable nodes stay plain.
    const plain = parse(SVG);
    linkGraph(plain, deps, () => null, document.createElement('p'));
    expect(plain.querySelector('.jp-nbprov-node-variable')!.hasAttribute('role')).toBe(false);
    const svg = parse(SVG);
    const shown: unknown[] = [];
    linkGraph(
      svg,
      deps,
      () => null,
      document.createElement('p'),
      v => shown.push(v)
    );
    const node = svg.querySelector<SVGGElement>('.jp-nbprov-node-variable')!;
    expect(node.getAttribute('role')).toBe('button');
    expect(node.getAttribute('aria-label')).toBe('Variable score, recorded at cell 21');
    node.dispatchEvent(new KeyboardEvent('keydown', { key: ' ', bubbles: true }));
    node.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(shown).toEqual([
      { name: 'score', seq: 2, executionCount: 21 },
      { name: 'score', seq: 2, executionCount: 21 }
    ]);
  });
});
