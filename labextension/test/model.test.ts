/**
 * The panel's model over the real API client, with the server replaced by a fake fetch.
 */
import { afterEach, describe, expect, it } from 'vitest';

import type { NbprovApi } from '../src/api';
import { NotebookProvenance } from '../src/model/notebook';
import { type ProvenanceChange, ProvenanceModel } from '../src/model/provenance';
import { apiFor, FakeServer, settle, trial } from './fake-server';

interface IFixture {
  server: FakeServer;
  api: NbprovApi;
  model: ProvenanceModel;
  changes: ProvenanceChange[];
  layouts: string[];
  notebook(path: string): NotebookProvenance;
}

const disposables: Array<{ dispose(): void }> = [];

afterEach(() => {
  disposables.splice(0).forEach(d => d.dispose());
});

function fixture(): IFixture {
  const server = new FakeServer();
  const api = apiFor(server);
  const layouts: string[] = [];
  const model = new ProvenanceModel(api, {
    layout: dot => {
      layouts.push(dot);
      if (dot.includes('bad')) {
        return Promise.reject(new Error('syntax error in line 1'));
      }
      return Promise.resolve(`<svg><text>${dot}</text></svg>`);
    }
  });
  const changes: ProvenanceChange[] = [];
  model.changed.connect((_, change) => changes.push(change));
  disposables.push(model);
  return {
    server,
    api,
    model,
    changes,
    layouts,
    notebook: path => {
      const notebook = new NotebookProvenance(api, path);
      disposables.push(notebook);
      return notebook;
    }
  };
}

/** A model showing a.ipynb, loaded. */
async function loaded(): Promise<IFixture> {
  const f = fixture();
  f.model.setNotebook(f.notebook('a.ipynb'));
  await settle();
  return f;
}

describe('ProvenanceModel: loading', () => {
  it('starts empty, with no notebook and no features', () => {
    const { model } = fixture();
    expect(model.notebook).toBeNull();
    expect(model.path).toBe('');
    expect(model.loaded).toBe(false);
    expect(model.trials).toEqual([]);
    expect(model.features.compare).toBe(false);
    expect(model.error).toBeNull();
  });

  it("loads the notebook's trials, follows the latest and lists its variables", async () => {
    const f = fixture();
    f.model.setNotebook(f.notebook('a.ipynb'));
    expect(f.model.loaded).toBe(false);
    await settle();
    const { model } = f;
    expect(model.loaded).toBe(true);
    expect(model.store).toBe('/tmp/s.db');
    expect(model.features.deps).toBe(true);
    expect(model.trials.map(t => t.id)).toEqual([1, 2]);
    expect(model.currentTrial).toBe(2);
    expect(model.lineageTrial).toBe('2');
    expect(model.variables).toEqual([
      { name: 'alpha', role: 'hyperparam' },
      { name: 'r2', role: 'metric' },
      { name: 'model2', role: 'artifact' }
    ]);
    expect(model.variable).toBe('alpha');
    expect(f.changes).toContain('trials');
    expect(f.changes).toContain('lineage');
    // The latest trial's detail comes with the notebook's refresh: no second fetch.
    expect(f.server.requests).toEqual([
      'info notebook=a.ipynb',
      'trials notebook=a.ipynb&scope=notebook',
      'trials/2 notebook=a.ipynb',
      'flows trial=2&notebook=a.ipynb',
      'charts notebook=a.ipynb',
      'studies notebook=a.ipynb'
    ]);
  });

  it("lists every notebook's trials, and this notebook's again", async () => {
    const { model } = await loaded();
    await model.setScope('all');
    expect(model.scope).toBe('all');
    expect(model.trials.map(t => t.id)).toEqual([1, 2, 3]);
    // The notebook's current trial stays the one to draw, though b.ipynb's is later.
    expect(model.lineageTrial).toBe('2');
    await model.setScope('notebook');
    expect(model.trials.map(t => t.id)).toEqual([1, 2]);
    expect(model.lineageTrial).toBe('2');
  });

  it('sorts without asking the server', async () => {
    const f = await loaded();
    const before = f.server.requests.length;
    f.changes.length = 0;
    f.model.sortBy('metric:r2');
    expect(f.model.sort).toEqual({ key: 'metric:r2', direction: 'descending' });
    f.model.sortBy('metric:r2');
    expect(f.model.sort.direction).toBe('ascending');
    expect(f.changes).toEqual(['trials', 'trials']);
    expect(f.server.requests.length).toBe(before);
  });
});

describe('ProvenanceModel: picking and comparing', () => {
  it('compares two picked trials in the listing order', async () => {
    const f = await loaded();
    const { model } = f;
    model.pick(2, true);
    model.pick(1, true);
    model.pick(99, true); // not listed: ignored
    expect([...model.picked].sort()).toEqual([1, 2]);
    await model.compare();
    expect(f.server.requests.slice(-1)[0]).toBe('compare trials=1%2C2&all=1&notebook=a.ipynb');
    expect(model.comparison?.trials).toEqual([1, 2]);
    expect(model.error).toBeNull();
    expect(f.changes).toContain('comparison');
  });

  it('needs two picks to compare', async () => {
    const f = await loaded();
    f.model.pick(1, true);
    const before = f.server.requests.length;
    await f.model.compare();
    expect(f.server.requests.length).toBe(before);
    expect(f.model.comparison).toBeNull();
    f.model.pick(1, false);
    expect(f.model.picked.size).toBe(0);
  });

  it('shows a failed comparison as an error, and clears it on success', async () => {
    const f = await loaded();
    const { model, server } = f;
    model.pick(1, true);
    model.pick(2, true);
    server.fail('compare', 'no such trial: 2');
    await model.compare();
    expect(model.comparison).toBeNull();
    expect(model.error).toBe('no such trial: 2');
    server.failures.clear();
    await model.compare();
    expect(model.comparison).not.toBeNull();
    expect(model.error).toBeNull();
  });

  it('keeps "only changed" as a choice of the view', async () => {
    const f = await loaded();
    expect(f.model.onlyChanged).toBe(true);
    f.changes.length = 0;
    f.model.setOnlyChanged(false);
    f.model.setOnlyChanged(false);
    expect(f.model.onlyChanged).toBe(false);
    expect(f.changes).toEqual(['comparison']);
  });

  it('drops picks of trials no longer listed', async () => {
    const f = await loaded();
    f.model.pick(1, true);
    f.model.pick(2, true);
    f.server.trials = f.server.trials.filter(t => t.id !== 1);
    await f.model.refresh();
    await settle();
    expect([...f.model.picked]).toEqual([2]);
  });
});

describe('ProvenanceModel: errors', () => {
  it("shows the store's failure, and clears it once the store answers", async () => {
    const f = await loaded();
    f.server.fail('trials', 'OperationalError: database is locked');
    await f.model.refresh();
    await settle();
    expect(f.model.error).toBe('OperationalError: database is locked');
    // What was listed stays listed.
    expect(f.model.trials.map(t => t.id)).toEqual([1, 2]);
    f.server.failures.clear();
    await f.model.refresh();
    await settle();
    expect(f.model.error).toBeNull();
  });

  it('says when the server extension is missing', async () => {
    const f = fixture();
    f.server.failures.set('info', { status: 404, body: '<html>404: Not Found</html>' });
    f.model.setNotebook(f.notebook('a.ipynb'));
    await settle();
    expect(f.model.loaded).toBe(true);
    expect(f.model.error).toMatch(/server extension is not enabled/);
    expect(f.model.trials).toEqual([]);
  });

  it("shows a failure to list every notebook's trials", async () => {
    const f = await loaded();
    f.server.fail('trials', 'store gone');
    await f.model.setScope('all');
    expect(f.model.error).toBe('store gone');
    expect(f.model.trials).toEqual([]);
  });

  it("shows a failure to load a trial's variables, with none listed", async () => {
    const f = await loaded();
    f.server.fail('trials/1', 'no such trial');
    await f.model.selectTrial('1');
    expect(f.model.error).toBe('no such trial');
    expect(f.model.variables).toEqual([]);
    expect(f.model.variable).toBe('');
  });

  it('takes failures reported from outside', async () => {
    const f = await loaded();
    f.model.reportError(new Error('bad SVG'));
    expect(f.model.error).toBe('bad SVG');
    expect(f.changes.slice(-1)[0]).toBe('status');
  });
});

describe('ProvenanceModel: lineage', () => {
  it('keeps a chosen trial while it is listed, and fetches its detail once', async () => {
    const f = await loaded();
    const { model, server } = f;
    await model.selectTrial('1');
    expect(model.lineageTrial).toBe('1');
    expect(model.variables.map(v => v.name)).toEqual(['alpha', 'r2', 'model1']);
    model.selectVariable('r2');
    model.selectVariable('nonesuch');
    expect(model.variable).toBe('r2');
    await model.selectTrial('2');
    expect(model.variable).toBe('r2'); // still a variable of trial 2
    await model.selectTrial('1');
    expect(server.requests.filter(r => r.startsWith('trials/1 '))).toHaveLength(1);
    // A new trial arrives: the choice holds.
    server.trials.push(trial(4, 'a.ipynb', 0.1, 0.99));
    await model.notebook?.refresh();
    await settle();
    expect(model.lineageTrial).toBe('1');
    // Refresh forgets the cached details.
    await model.refresh();
    await settle();
    expect(server.requests.filter(r => r.startsWith('trials/1 '))).toHaveLength(2);
  });

  it('follows the latest trial until one is chosen', async () => {
    const f = await loaded();
    f.server.trials.push(trial(4, 'a.ipynb', 0.1, 0.99));
    await f.model.refresh();
    await settle();
    expect(f.model.lineageTrial).toBe('4');
    expect(f.model.variables.map(v => v.name)).toContain('model4');
  });

  it("draws the chosen variable's lineage", async () => {
    const f = await loaded();
    const { model } = f;
    model.selectVariable('r2');
    const drawing = model.showGraph();
    expect(model.drawing).toBe(true);
    await drawing;
    expect(f.server.requests.slice(-1)[0]).toBe('deps trial=2&variable=r2&notebook=a.ipynb');
    expect(model.drawing).toBe(false);
    expect(model.dot).toBe('digraph { alpha -> r2 }');
    expect(model.graph).toMatchObject({
      svg: '<svg><text>digraph { alpha -> r2 }</text></svg>',
      title: 'Lineage of r2 (trial 2)'
    });
    expect(model.error).toBeNull();
  });

  it('shows why a graph could not be drawn, keeping the DOT source', async () => {
    const f = await loaded();
    const { model, server } = f;
    server.dot = null;
    await model.showGraph();
    expect(model.graph).toBeNull();
    expect(model.error).toBe('the server sent no graph for this variable');
    server.dot = 'digraph { bad';
    await model.showGraph();
    expect(model.graph).toBeNull();
    expect(model.dot).toBe('digraph { bad');
    expect(model.error).toBe('syntax error in line 1');
    expect(model.drawing).toBe(false);
  });

  it('lists the searches and fetches the chosen one', async () => {
    const f = await loaded();
    await settle();
    expect(f.model.studies).toEqual(['diabetes-alpha']);
    await f.model.selectStudy('diabetes-alpha');
    expect(f.model.study?.summary.best?.params).toEqual({ alpha: 0.1 });
    expect(f.model.study?.charts.history).toEqual({ mark: 'line' });
    await f.model.selectStudy('');
    expect(f.model.study).toBeNull();
    await f.model.selectStudy('nope');
    expect(f.model.study).toBeNull();
    expect(f.model.error).toBe("no study named 'nope'");
  });

  it('exports the pipeline of the variable through a POST', async () => {
    const f = await loaded();
    f.model.selectVariable('r2');
    const reply = await f.model.exportPipeline();
    expect(reply?.package).toBe('exp_pipeline');
    expect(reply?.targets).toEqual({ r2: 'score' });
    expect(f.server.requests[f.server.requests.length - 1]).toMatch(/^pipeline .*targets=r2/);
    f.server.fail('pipeline', 'no value named r2');
    expect(await f.model.exportPipeline()).toBeNull();
    expect(f.model.error).toBe('no value named r2');
  });

  it('exports the script that rebuilds the variable', async () => {
    const f = await loaded();
    f.model.selectVariable('r2');
    expect(await f.model.exportScript()).toEqual({ filename: 'r2_trial2.py', script: 'r2 = 1\n' });
    f.server.fail('scriptify', 'cannot slice');
    expect(await f.model.exportScript()).toBeNull();
    expect(f.model.error).toBe('cannot slice');
  });
});

describe('ProvenanceModel: switching notebooks', () => {
  it('starts afresh on another notebook and keeps the view choices', async () => {
    const f = await loaded();
    const { model } = f;
    model.pick(1, true);
    model.pick(2, true);
    await model.compare();
    await model.showGraph();
    model.sortBy('metric:r2');
    model.setOnlyChanged(false);
    model.reportError('old failure');
    const other = f.notebook('b.ipynb');
    model.setNotebook(other);
    expect(model.picked.size).toBe(0);
    expect(model.comparison).toBeNull();
    expect(model.graph).toBeNull();
    expect(model.dot).toBeNull();
    expect(model.error).toBeNull();
    expect(model.sort.key).toBe('metric:r2');
    expect(model.onlyChanged).toBe(false);
    await settle();
    expect(model.path).toBe('b.ipynb');
    expect(model.trials.map(t => t.id)).toEqual([3]);
    expect(model.lineageTrial).toBe('3');
  });

  it('ignores replies meant for the notebook it left', async () => {
    const f = await loaded();
    const { model, server } = f;
    model.pick(1, true);
    model.pick(2, true);
    server.hold('compare');
    server.hold('deps');
    const comparing = model.compare();
    const drawing = model.showGraph();
    await settle();
    model.setNotebook(f.notebook('b.ipynb'));
    server.release('compare');
    server.release('deps');
    await Promise.all([comparing, drawing]);
    await settle();
    expect(model.comparison).toBeNull();
    expect(model.graph).toBeNull();
    expect(model.drawing).toBe(false);
    expect(model.trials.map(t => t.id)).toEqual([3]);
  });

  it('uses only the latest of overlapping trial listings', async () => {
    const f = await loaded();
    const { model, server } = f;
    server.hold('trials');
    const first = model.setScope('all');
    await settle();
    model.setNotebook(null);
    server.release('trials');
    await first;
    await settle();
    expect(model.notebook).toBeNull();
    expect(model.trials).toEqual([]);
    expect(model.lineageTrial).toBe('');
    expect(model.variables).toEqual([]);
  });

  it('stops following a notebook once it is no longer shown', async () => {
    const f = await loaded();
    const first = f.model.notebook;
    f.model.setNotebook(f.notebook('b.ipynb'));
    await settle();
    f.changes.length = 0;
    await first?.refresh();
    expect(f.changes).toEqual([]);
  });
});
