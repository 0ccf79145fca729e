/**
 * What the front end knows of one notebook's provenance: its trials and the activations
 * of its current trial, fetched from the server extension. The current trial is the one
 * the notebook's own kernel records (asked of the kernel); trials other kernels or
 * processes wrote for the notebook are listed but never current. There is one per open
 * notebook: its cell badges read it, and the panel's model follows the current one.
 */
import { type ISignal, Signal } from '@lumino/signaling';

import { type NbprovApi } from '../api';
import { latestTrial } from '../table';
import type { IFlow, IInfoReply, ITrial, ITrialDetail } from '../types';
import { lastRunHashes } from '../staleness';

export class NotebookProvenance {
  /**
   * `askKernel` gives the id of the trial the notebook's kernel records (null: none).
   * Without it (no kernel to ask) the latest trial is current.
   */
  constructor(
    private readonly api: NbprovApi,
    private _path: string,
    private readonly askKernel?: () => Promise<number | null>
  ) {}

  /** The notebook's Jupyter path (relative to the server root). */
  get path(): string {
    return this._path;
  }

  set path(value: string) {
    if (value !== this._path) {
      this._path = value;
      void this.refresh();
    }
  }

  get changed(): ISignal<this, void> {
    return this._changed;
  }

  get trials(): ITrial[] {
    return this._trials;
  }

  /** This kernel's trial with its activations, once loaded (null: the kernel has none). */
  get current(): ITrialDetail | null {
    return this._current;
  }

  /** Cell id → hash of the source that last ran in the current trial. */
  get lastRun(): Map<string, string> {
    return this._lastRun;
  }

  /** What each cell of the current trial read from which other cell. */
  get flows(): readonly IFlow[] {
    return this._flows;
  }

  get info(): IInfoReply | null {
    return this._info;
  }

  get error(): string | null {
    return this._error;
  }

  get store(): string {
    return this._store;
  }

  get loaded(): boolean {
    return this._loaded;
  }

  /** Fetch the trials and the current one's detail; later calls supersede earlier ones. */
  async refresh(): Promise<void> {
    const ticket = ++this._ticket;
    try {
      const info = this._info ?? (await this.api.info(this._path));
      const reply = await this.api.trials(this._path, 'notebook');
      let current: ITrial | null;
      if (this.askKernel) {
        const id = await this.askKernel();
        current = id === null ? null : (reply.trials.find(t => t.id === id) ?? null);
      } else {
        current = latestTrial(reply.trials);
      }
      const detail = current ? await this.api.trial(current.id, this._path) : null;
      const flows = detail ? await this.api.flows(detail.id, this._path).catch(() => null) : null;
      if (ticket !== this._ticket) {
        return;
      }
      this._info = info;
      this._store = reply.store;
      this._trials = reply.trials;
      this._current = detail;
      this._flows = flows?.flows ?? [];
      this._lastRun = lastRunHashes(detail?.activations ?? []);
      this._error = null;
    } catch (error) {
      if (ticket !== this._ticket) {
        return;
      }
      this._error = error instanceof Error ? error.message : String(error);
    }
    this._loaded = true;
    this._changed.emit();
  }

  /**
   * Look for trials written elsewhere (a terminal's `nbprov run`, another kernel): list
   * the trials, and refresh only when the list differs from the one on show. Calls made
   * while one is under way are skipped.
   */
  async poll(): Promise<void> {
    if (this._polling || !this._loaded) {
      return;
    }
    this._polling = true;
    try {
      const reply = await this.api.trials(this._path, 'notebook');
      if (trialsSignature(reply.trials) !== trialsSignature(this._trials)) {
        await this.refresh();
      }
    } catch {
      // The next refresh shows the failure.
    } finally {
      this._polling = false;
    }
  }

  /**
   * Refresh after a cell ran: the kernel writes the activation in the background as the
   * cell finishes, so look soon, and again a little later in case the write lagged.
   */
  refreshSoon(): void {
    for (const timer of this._timers) {
      clearTimeout(timer);
    }
    this._timers = [400, 2000, 6000].map(delay => setTimeout(() => void this.refresh(), delay));
  }

  dispose(): void {
    for (const timer of this._timers) {
      clearTimeout(timer);
    }
    this._ticket++;
    Signal.clearData(this);
  }

  private _changed = new Signal<this, void>(this);
  private _trials: ITrial[] = [];
  private _current: ITrialDetail | null = null;
  private _lastRun = new Map<string, string>();
  private _flows: IFlow[] = [];
  private _info: IInfoReply | null = null;
  private _error: string | null = null;
  private _store = '';
  private _loaded = false;
  private _ticket = 0;
  private _timers: ReturnType<typeof setTimeout>[] = [];
  private _polling = false;
}

/** What a trial listing shows, to tell whether it changed. */
export function trialsSignature(trials: readonly ITrial[]): string {
  return JSON.stringify(
    trials.map(t => [t.id, t.name, t.status, t.ended_at, t.hyperparams, t.metrics])
  );
}
