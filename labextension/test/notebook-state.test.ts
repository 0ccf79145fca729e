/**
 * Each notebook keeps its picks, comparison, lineage choice and graph in the panel.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { NotebookProvenance } from '../src/model/notebook';
import { ProvenanceModel } from '../src/model/provenance';
import { apiFor, FakeServer, settle } from './fake-server';

const disposables: Array<{ dispose(): void }> = [];

afterEach(() => {
  disposables.splice(0).forEach(d => d.dispose());
});

describe('switching notebooks', () => {
  it("keeps each notebook's picks, comparison and graph", async () => {
    const server = new FakeServer();
    const api = apiFor(server);
    const model = new ProvenanceModel(api, {
      layout: dot => Promise.resolve(`<svg><text>${dot}</text></svg>`)
    });
    const a = new NotebookProvenance(api, 'a.ipynb');
    const b = new NotebookProvenance(api, 'b.ipynb');
    disposables.push(model, a, b);
    model.setNotebook(a);
    await settle();
    model.pick(1, true);
    model.pick(2, true);
    await model.compare();
    await model.selectTrial('1');
    model.selectVariable('r2');
    await model.showGraph();
    expect(model.graph?.title).toBe('Lineage of r2 (trial 1)');

    model.setNotebook(b);
    await settle();
    expect(model.picked.size).toBe(0);
    expect(model.comparison).toBeNull();
    expect(model.graph).toBeNull();
    expect(model.lineageTrial).toBe('3');

    model.setNotebook(a);
    await settle();
    expect([...model.picked].sort()).toEqual([1, 2]);
    expect(model.comparison?.trials).toEqual([1, 2]);
    expect(model.graph?.title).toBe('Lineage of r2 (trial 1)');
    expect(model.lineageTrial).toBe('1');
    expect(model.variable).toBe('r2');

    // A closed notebook's state goes.
    model.setNotebook(b);
    model.forget(a);
    model.setNotebook(a);
    expect(model.picked.size).toBe(0);
  });

  it('compares against the chosen baseline', async () => {
    const server = new FakeServer();
    const api = apiFor(server);
    const model = new ProvenanceModel(api);
    const a = new NotebookProvenance(api, 'a.ipynb');
    disposables.push(model, a);
    model.setNotebook(a);
    await settle();
    model.pick(1, true);
    model.pick(2, true);
    await model.compare();
    expect(model.comparison?.trials).toEqual([1, 2]);
    await model.setBaseline(2);
    expect(model.comparison?.trials).toEqual([2, 1]);
    expect(server.requests.slice(-1)[0]).toMatch(/^compare trials=2%2C1/);
  });
});
