/**
 * What the front end knows of one notebook's provenance: its trials and the activations
 * of its current (latest) trial, fetched from the server extension. There is one per open
 * notebook: its cell badges read it, and the panel's model follows the current one.
 */
import { type ISignal, Signal } from '@lumino/signaling';

import { type NbprovApi } from '../api';
import { latestTrial } from '../table';
import type { IInfoReply, ITrial, ITrialDetail } from '../types';
import { lastRunHashes } from '../staleness';

export class NotebookProvenance {
  constructor(
    private readonly api: NbprovApi,
    private _path: string
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

  /** The latest trial of this notebook with its activations, once loaded. */
  get current(): ITrialDetail | null {
    return this._current;
  }

  /** Cell id → hash of the source that last ran in the current trial. */
  get lastRun(): Map<string, string> {
    return this._lastRun;
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

  /** Fetch the trials and the latest one's detail; later calls supersede earlier ones. */
  async refresh(): Promise<void> {
    const ticket = ++this._ticket;
    try {
      const info = this._info ?? (await this.api.info(this._path));
      const reply = await this.api.trials(this._path, 'notebook');
      const latest = latestTrial(reply.trials);
      const detail = latest ? await this.api.trial(latest.id, this._path) : null;
      if (ticket !== this._ticket) {
        return;
      }
      this._info = info;
      this._store = reply.store;
      this._trials = reply.trials;
      this._current = detail;
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
  private _info: IInfoReply | null = null;
  private _error: string | null = null;
  private _store = '';
  private _loaded = false;
  private _ticket = 0;
  private _timers: ReturnType<typeof setTimeout>[] = [];
}
