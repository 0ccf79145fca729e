/**
 * Requests to the nbprov server extension, under `{baseUrl}nbprov/api/`.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import type {
  ICellChange,
  IChartsReply,
  IFlowsReply,
  IHistoryReply,
  ICompareResult,
  IDepsReply,
  IInfoReply,
  IPipelineReply,
  IScriptReply,
  IStudiesReply,
  IStudyReply,
  ITrialDetail,
  ITrialsReply
} from './types';

/** A failed request, with the server's message when it sent one. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Query parameters: undefined and empty values are left out. */
export function queryString(params: Record<string, string | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') {
      parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`);
    }
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

/** The message to show for a failed reply body (Jupyter's APIHandler sends `message`). */
export function errorMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; reason?: unknown };
    if (typeof parsed.message === 'string' && parsed.message) {
      return parsed.message;
    }
    if (typeof parsed.reason === 'string' && parsed.reason) {
      return `${status} ${parsed.reason}`;
    }
  } catch {
    // not JSON: fall through
  }
  const text = body.trim();
  return text && text.length < 300 && !text.startsWith('<') ? text : `HTTP ${status}`;
}

/** The client of the nbprov REST API for one Jupyter server. */
export class NbprovApi {
  constructor(
    private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

  info(notebook?: string): Promise<IInfoReply> {
    return this.get<IInfoReply>('info', { notebook });
  }

  /** The trials; only those `filter` keeps when given (`nbprov trials --filter`). */
  trials(
    notebook: string | undefined,
    scope: 'notebook' | 'all',
    filter?: string
  ): Promise<ITrialsReply> {
    return this.get<ITrialsReply>('trials', { notebook, scope, filter });
  }

  charts(notebook: string, highlight: number[] = []): Promise<IChartsReply> {
    return this.get<IChartsReply>('charts', {
      notebook,
      highlight: highlight.length ? highlight.join(',') : undefined
    });
  }

  flows(trial: number, notebook?: string): Promise<IFlowsReply> {
    return this.get<IFlowsReply>('flows', { trial: String(trial), notebook });
  }

  trial(ref: string | number, notebook?: string): Promise<ITrialDetail> {
    return this.get<ITrialDetail>(`trials/${encodeURIComponent(String(ref))}`, { notebook });
  }

  compare(refs: Array<string | number>, all: boolean, notebook?: string): Promise<ICompareResult> {
    return this.get<ICompareResult>('compare', {
      trials: refs.map(String).join(','),
      all: all ? '1' : '0',
      notebook
    });
  }

  /**
   * A cell whose code differs between two trials: the diff of its sources and, for each
   * of `metrics`, what the why answer says of it. `cells` are its two source hashes.
   */
  cellChange(
    trials: [number, number],
    cells: [string | null, string | null],
    metrics: string[],
    notebook?: string
  ): Promise<ICellChange> {
    return this.get<ICellChange>('cellchange', {
      trials: trials.join(','),
      cells: cells.map(c => c ?? '').join(','),
      metrics: metrics.length ? metrics.join(',') : undefined,
      notebook
    });
  }

  deps(trial: string | number, variable: string, notebook?: string): Promise<IDepsReply> {
    return this.get<IDepsReply>('deps', { trial: String(trial), variable, notebook });
  }

  /** A variable's recorded versions in a trial; `seq` marks the one a lineage node is. */
  history(
    trial: string | number,
    variable: string,
    seq: number | null,
    notebook?: string
  ): Promise<IHistoryReply> {
    return this.get<IHistoryReply>('history', {
      trial: String(trial),
      variable,
      seq: seq === null ? undefined : String(seq),
      notebook
    });
  }

  scriptify(trial: string | number, variable: string, notebook?: string): Promise<IScriptReply> {
    return this.get<IScriptReply>('scriptify', { trial: String(trial), variable, notebook });
  }

  studies(notebook?: string): Promise<IStudiesReply> {
    return this.get<IStudiesReply>('studies', { notebook });
  }

  study(name: string, notebook?: string): Promise<IStudyReply> {
    return this.get<IStudyReply>(`studies/${encodeURIComponent(name)}`, { notebook });
  }

  /** Write the pipeline package of ``targets`` in a trial next to the notebook. */
  pipeline(trial: string | number, targets: string[], notebook?: string): Promise<IPipelineReply> {
    return this.request<IPipelineReply>('POST', 'pipeline', {
      trial: String(trial),
      targets: targets.join(','),
      notebook
    });
  }

  private get<T>(path: string, params: Record<string, string | undefined>): Promise<T> {
    return this.request<T>('GET', path, params);
  }

  private async request<T>(
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, string | undefined>
  ): Promise<T> {
    const url = URLExt.join(this.settings.baseUrl, 'nbprov', 'api', path) + queryString(params);
    let response: Response;
    try {
      response = await ServerConnection.makeRequest(url, { method }, this.settings);
    } catch (error) {
      throw new ApiError(`cannot reach the Jupyter server: ${String(error)}`, 0);
    }
    const body = await response.text();
    if (!response.ok) {
      if (response.status === 404 && body.includes('<html')) {
        throw new ApiError(
          'the nbprov server extension is not enabled (jupyter server extension list)',
          404
        );
      }
      throw new ApiError(errorMessage(response.status, body), response.status);
    }
    try {
      return JSON.parse(body) as T;
    } catch {
      throw new ApiError('the server sent a reply that is not JSON', response.status);
    }
  }
}
