/**
 * What every panel section shares: it follows the model's changes from its creation and
 * stops when disposed. A section draws in `onChange`; `disposed` frees what it holds.
 */
import type { IDisposable } from '@lumino/disposable';

import type { ProvenanceChange, ProvenanceModel } from '../model/provenance';

export abstract class ModelView implements IDisposable {
  constructor(protected readonly model: ProvenanceModel) {
    model.changed.connect(this.changed, this);
  }

  abstract readonly node: HTMLElement;

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (!this._disposed) {
      this._disposed = true;
      this.model.changed.disconnect(this.changed, this);
      this.disposed();
    }
  }

  /** Redraw the part of the section that `change` concerns. */
  protected abstract onChange(change: ProvenanceChange): void;

  /** Free what the section holds beyond its connection to the model. */
  protected disposed(): void {
    // Most sections hold nothing else.
  }

  private changed(_: ProvenanceModel, change: ProvenanceChange): void {
    this.onChange(change);
  }

  private _disposed = false;
}
