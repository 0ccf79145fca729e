/**
 * A stand-in for the nbprov server extension behind a fake fetch, for the model's and
 * the panel's tests: three trials in two notebooks, failures and held replies on demand.
 */
import { ServerConnection } from '@jupyterlab/services';

import { NbprovApi } from '../src/api';
import type {
  ICellChange,
  ICompareResult,
  ICompareRow,
  IDepsReply,
  IHistoryReply,
  ITrial,
  ITrialDetail
} from '../src/types';

export function trial(id: number, notebook: string, alpha: number, r2: number): ITrialDetail {
  return {
    id,
    name: null,
    notebook,
    status: 'finished',
    started_at: `2026-01-0${id}T10:00:00`,
    ended_at: `2026-01-0${id}T10:01:00`,
    hyperparams: { alpha },
    metrics: { r2 },
    activations: [],
    variables: [
      { name: 'alpha', role: 'hyperparam', value: alpha, execution_count: 1 },
      { name: 'r2', role: 'metric', value: r2, execution_count: 2 },
      { name: `model${id}`, role: 'artifact', value: null, execution_count: 3 }
    ]
  };
}

function summary(detail: ITrialDetail): ITrial {
  const listed: Partial<ITrialDetail> = { ...detail };
  delete listed.activations;
  delete listed.variables;
  return listed as ITrial;
}

export interface IReply {
  status: number;
  body: unknown;
}

/** A stand-in for the server extension: answers from `trials`, records every request. */
export class FakeServer {
  trials: ITrialDetail[] = [
    trial(1, 'a.ipynb', 0.5, 0.875),
    trial(2, 'a.ipynb', 0.25, 0.9375),
    trial(3, 'b.ipynb', 1, 0.75)
  ];
  studies: string[] = ['diabetes-alpha'];
  features = {
    trials: true,
    compare: true,
    deps: true,
    scriptify: true,
    pipeline: true,
    history: true
  };
  /** Endpoint (`trials`, `trials/2`, `compare`, …) → the failure it answers with. */
  failures = new Map<string, IReply>();
  /** Endpoints whose replies wait until released. */
  held = new Map<string, Array<() => void>>();
  dot: string | null = 'digraph { alpha -> r2 }';
  /** The slice `deps` answers with. */
  deps: IDepsReply['deps'] = {};
  /** What `history` answers: a variable's versions, the one at `seq` marked. */
  history = (variable: string, seq: number | null): IHistoryReply => ({
    trial: 2,
    variable,
    role: 'metric',
    tagged: true,
    note: null,
    seq,
    current: seq === null ? null : 1,
    versions: [
      {
        seq: 3,
        execution_count: 4,
        value: 0.5,
        exact: true,
        fingerprint: 'f1',
        summary: '0.5',
        started_at: '2026-01-02T10:00:05+00:00'
      },
      {
        seq: 7,
        execution_count: 9,
        value: '<img src=x onerror="alert(1)">',
        exact: true,
        fingerprint: 'f2',
        summary: '"<img src=x onerror=\\"alert(1)\\">"',
        started_at: '2026-01-02T10:00:09+00:00'
      }
    ]
  });
  /** Rows the comparison adds to its own two (code rows, say). */
  extraRows: ICompareRow[] = [];
  /** What `cellchange` answers. */
  cellChange: ICellChange = {
    trials: [1, 2],
    cell_hashes: ['aaa', 'bbb'],
    source_line: 'r2 = score(model)',
    diff: '--- trial 1\n+++ trial 2\n@@ -1 +1 @@\n-r2 = score(model)\n+r2 = score(model, cv=5)\n',
    truncated: false,
    why: [
      {
        metric: 'r2',
        error: null,
        heading: 'why r2 moved between trials 1 and 2: 0.875 -> 0.9375 (+0.0625)',
        text: '[2] -> [2] code: r2 = score(model, cv=5)',
        others: 0
      }
    ]
  };
  requests: string[] = [];

  readonly fetch = async (input: RequestInfo | URL): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const endpoint = url.pathname.replace(/^\/nbprov\/api\//, '');
    const params = Object.fromEntries(
      [...url.searchParams].filter(([key]) => !/^\d+$/.test(key)) // drop the cache buster
    );
    this.requests.push(`${endpoint} ${new URLSearchParams(params).toString()}`.trim());
    if (this.held.has(endpoint)) {
      await new Promise<void>(resolve => this.held.get(endpoint)?.push(resolve));
    }
    const reply = this.failures.get(endpoint) ?? this.answer(endpoint, params);
    return new Response(JSON.stringify(reply.body), {
      status: reply.status,
      headers: { 'Content-Type': 'application/json' }
    });
  };

  hold(endpoint: string): void {
    this.held.set(endpoint, []);
  }

  release(endpoint: string): void {
    const waiting = this.held.get(endpoint) ?? [];
    this.held.delete(endpoint);
    waiting.forEach(resolve => resolve());
  }

  fail(endpoint: string, message: string, status = 500): void {
    this.failures.set(endpoint, { status, body: { message } });
  }

  private answer(endpoint: string, params: Record<string, string>): IReply {
    const ok = (body: unknown): IReply => ({ status: 200, body });
    const notebook = params.notebook;
    if (endpoint === 'info') {
      return ok({
        version: '0.1',
        store: '/tmp/s.db',
        store_exists: true,
        features: this.features
      });
    }
    if (endpoint === 'trials') {
      let listed = this.trials.filter(t => params.scope === 'all' || t.notebook === notebook);
      if (params.filter) {
        // The real server parses the nbprov trials --filter language; this one knows
        // `NAME > NUMBER` over hyperparameters and metrics.
        const found = /^(\w+) > ([\d.]+)$/.exec(params.filter);
        if (!found) {
          return { status: 400, body: { message: `cannot parse filter '${params.filter}'` } };
        }
        const [, name, bound] = found;
        listed = listed.filter(
          t => Number(t.metrics[name] ?? t.hyperparams[name] ?? -Infinity) > Number(bound)
        );
      }
      return ok({
        store: '/tmp/s.db',
        store_exists: true,
        notebook,
        scope: params.scope,
        trials: listed.map(summary)
      });
    }
    if (endpoint.startsWith('trials/')) {
      const found = this.trials.find(t => String(t.id) === endpoint.slice('trials/'.length));
      return found ? ok(found) : { status: 404, body: { message: 'no such trial' } };
    }
    if (endpoint === 'compare') {
      const ids = params.trials.split(',').map(Number);
      const result: ICompareResult = {
        trials: ids,
        rows: [
          { group: 'hyperparams', name: 'alpha', values: [0.5, 0.25], changed: true, delta: -0.25 },
          { group: 'env', name: 'python', values: ['3.12', '3.12'], changed: false, delta: null },
          ...this.extraRows
        ]
      };
      return ok(result);
    }
    if (endpoint === 'cellchange') {
      return ok(this.cellChange);
    }
    if (endpoint === 'deps') {
      return ok({ deps: this.deps, dot: this.dot });
    }
    if (endpoint === 'history') {
      return ok(this.history(params.variable, params.seq ? Number(params.seq) : null));
    }
    if (endpoint === 'studies') {
      return ok({ store: '/tmp/s.db', studies: this.studies });
    }
    if (endpoint.startsWith('studies/')) {
      const name = decodeURIComponent(endpoint.slice('studies/'.length));
      if (!this.studies.includes(name)) {
        return { status: 404, body: { message: `no study named '${name}'` } };
      }
      return ok({
        summary: {
          study: name,
          metric: 'r2',
          direction: 'max',
          best: { value: 0.5, trial: 3, params: { alpha: 0.1 } }
        },
        charts: { history: { mark: 'line' }, parallel: { mark: 'line' } }
      });
    }
    if (endpoint === 'pipeline') {
      return ok({
        package: 'exp_pipeline',
        folder: '/work/exp_pipeline',
        stages: [{ name: 'read' }, { name: 'score' }],
        targets: { [params.targets]: 'score' }
      });
    }
    if (endpoint === 'scriptify') {
      return ok({ trial: params.trial, variable: params.variable, script: 'r2 = 1\n' });
    }
    return { status: 404, body: { message: `no ${endpoint}` } };
  }
}

/** Let every pending reply arrive. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise(resolve => setTimeout(resolve, 0));
  }
}

/** The real API client, talking to this server. */
export function apiFor(server: FakeServer): NbprovApi {
  return new NbprovApi(
    ServerConnection.makeSettings({ baseUrl: 'http://jupyter.test/', fetch: server.fetch })
  );
}
