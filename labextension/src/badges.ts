/**
 * Badges on code cells: the cell's stage, and a marker when its code differs from the
 * version that last ran in the notebook's current trial.
 *
 * The badge element is absolutely positioned inside the cell's input area, so showing,
 * changing or hiding it never moves the notebook's content; it rises above the editor's
 * horizontal scrollbar when the code is wider than the editor (see badgeplace.ts).
 */
import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';

import { BASE_BOTTOM, badgeBottom, scrollBox } from './badgeplace';
import type { NotebookProvenance } from './model/notebook';
import { runState, SourceHashes, staleCells } from './staleness';
import { cellStage, stageClass } from './stage';

const BADGES_CLASS = 'jp-nbprov-badges';

export class NotebookBadges implements IDisposable {
  constructor(
    private readonly panel: NotebookPanel,
    private readonly model: NotebookProvenance
  ) {
    model.changed.connect(this.schedule, this);
    panel.content.model?.cells.changed.connect(this.schedule, this);
    panel.content.modelChanged.connect(this.schedule, this);
    panel.content.activeCellChanged.connect(this.placeAroundToolbar, this);
    this.schedule();
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    clearTimeout(this._timer);
    this.model.changed.disconnect(this.schedule, this);
    this.panel.content.activeCellChanged.disconnect(this.placeAroundToolbar, this);
    for (const cellModel of this._watched) {
      cellModel.contentChanged.disconnect(this.schedule, this);
      cellModel.metadataChanged.disconnect(this.schedule, this);
    }
    this._watched.clear();
    this._resizes?.disconnect();
    for (const node of Array.from(this.panel.node.querySelectorAll(`.${BADGES_CLASS}`))) {
      node.remove();
    }
  }

  /** Update every cell's badge shortly (edits come in bursts). */
  schedule(): void {
    if (this._disposed) {
      return;
    }
    clearTimeout(this._timer);
    this._timer = setTimeout(() => this.update(), 150);
  }

  /** The ids of the code cells marked stale, in notebook order. */
  get staleCells(): string[] {
    return this.panel.content.widgets.map(cell => cell.model.id).filter(id => this._stale.has(id));
  }

  /** What brings the stale cells up to date: the edited and stale cells, in notebook order. */
  get cellsToRun(): string[] {
    if (!this._stale.size) {
      return [];
    }
    return this.panel.content.widgets
      .map(cell => cell.model.id)
      .filter(id => this._stale.has(id) || this._edited.has(id));
  }

  /** Update every cell's badge now. */
  update(): void {
    if (this._disposed) {
      return;
    }
    for (const cellModel of [...this._watched]) {
      if (cellModel.isDisposed) {
        this._watched.delete(cellModel);
      }
    }
    this._hashes.retain(new Set(this.panel.content.widgets.map(cell => cell.model.id)));
    const edited = new Set(
      this.panel.content.widgets
        .filter(
          cell =>
            cell.model.type === 'code' &&
            runState(
              cell.model.id,
              cell.model.sharedModel.getSource(),
              this.model.lastRun,
              this._hashes
            ) === 'changed'
        )
        .map(cell => cell.model.id)
    );
    this._edited = edited;
    this._stale = staleCells(edited, this.model.current?.activations ?? [], this.model.flows);
    for (const cell of this.panel.content.widgets) {
      this.watch(cell);
      if (cell.inputArea) {
        this.render(cell);
      } else {
        void cell.ready.then(() => this.render(cell));
      }
    }
  }

  /**
   * The active cell shows JupyterLab's cell toolbar over the top right of its input; on a
   * one-line cell that is where the badges sit, so move them to the toolbar's left.
   */
  placeAroundToolbar(): void {
    requestAnimationFrame(() => {
      if (this._disposed) {
        return;
      }
      for (const cell of this.panel.content.widgets) {
        const badges = cell.inputArea?.node.querySelector<HTMLElement>(`:scope > .${BADGES_CLASS}`);
        if (!badges) {
          continue;
        }
        const toolbar = cell.node.querySelector<HTMLElement>('.jp-cell-toolbar');
        const input = cell.inputArea?.node;
        const overlaps =
          toolbar !== null &&
          input !== undefined &&
          toolbar.getBoundingClientRect().bottom > input.getBoundingClientRect().bottom - 20;
        badges.style.right = overlaps ? `${toolbar.offsetWidth + 10}px` : '';
      }
    });
  }

  /** Keep the badges off the editor's horizontal scrollbar (checked on every update:
   * typing can make a line wider than the editor). */
  private clearScrollbar(host: HTMLElement, badges: HTMLElement): void {
    const bottom = badgeBottom(scrollBox(host));
    badges.style.bottom = bottom === BASE_BOTTOM ? '' : `${bottom}px`;
  }

  private watch(cell: Cell): void {
    const cellModel = cell.model;
    if (this._watched.has(cellModel)) {
      return;
    }
    this._watched.add(cellModel);
    cellModel.contentChanged.connect(this.schedule, this);
    cellModel.metadataChanged.connect(this.schedule, this);
  }

  private render(cell: Cell): void {
    if (this._disposed || cell.isDisposed || !cell.inputArea) {
      return;
    }
    const host = cell.inputArea.node;
    let badges = host.querySelector<HTMLElement>(`:scope > .${BADGES_CLASS}`);
    if (cell.model.type !== 'code') {
      badges?.remove();
      return;
    }
    if (!badges) {
      badges = document.createElement('div');
      badges.className = BADGES_CLASS;
      host.appendChild(badges);
      // A resized panel or editor can start or stop the code's sideways scrolling.
      this._resizes?.observe(host);
    }
    this.clearScrollbar(host, badges);
    const source = cell.model.sharedModel.getSource();
    const stage = cellStage(source, cell.model.metadata);
    const state = runState(cell.model.id, source, this.model.lastRun, this._hashes);
    const stale = state === 'changed' ? undefined : this._stale.get(cell.model.id);
    const key = `${stage?.stage ?? ''}|${stage?.source ?? ''}|${state}|${stale ?? ''}`;
    if (badges.dataset.key === key) {
      return;
    }
    badges.dataset.key = key;
    badges.replaceChildren();
    if (stage) {
      const pill = document.createElement('span');
      pill.className = `jp-nbprov-stage ${stageClass(stage.stage)}`;
      pill.textContent = stage.stage;
      pill.title =
        stage.source === 'tag'
          ? `nbprov stage "${stage.stage}" (from %tag in the code)`
          : `nbprov stage "${stage.stage}" (from the cell's metadata)`;
      badges.appendChild(pill);
    }
    if (stale) {
      const marker = document.createElement('span');
      marker.className = 'jp-nbprov-changed jp-nbprov-stale';
      marker.textContent = 'stale';
      marker.title = `Stale: ${stale} (run the stale cells with "nbprov: Run Stale Cells")`;
      badges.appendChild(marker);
    }
    if (state === 'changed') {
      const marker = document.createElement('span');
      marker.className = 'jp-nbprov-changed';
      marker.textContent = 'edited';
      const trial = this.model.current;
      marker.title = `The code differs from the version that last ran in trial ${
        trial ? `#${trial.id}${trial.name ? ` (${trial.name})` : ''}` : ''
      }`;
      badges.appendChild(marker);
    }
    badges.dataset.stage = stage?.stage ?? '';
    badges.dataset.state = state;
    if (cell === this.panel.content.activeCell) {
      this.placeAroundToolbar();
    }
  }

  private _disposed = false;
  private _timer: ReturnType<typeof setTimeout> | undefined = undefined;
  private _watched = new Set<Cell['model']>();
  private _hashes = new SourceHashes();
  private _stale = new Map<string, string>();
  private _edited = new Set<string>();
  private _resizes: ResizeObserver | null =
    typeof ResizeObserver === 'undefined'
      ? null
      : new ResizeObserver(entries => {
          for (const entry of entries) {
            const host = entry.target as HTMLElement;
            const badges = host.querySelector<HTMLElement>(`:scope > .${BADGES_CLASS}`);
            if (badges && !this._disposed) {
              this.clearScrollbar(host, badges);
            }
          }
        });
}
