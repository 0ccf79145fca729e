/**
 * Zoom and pan for a lineage graph: it fits the width of its box when drawn (never so
 * small that its labels cannot be read), and the buttons, Ctrl+wheel, the keys + − 0 and
 * dragging with the mouse change the view.
 */
import { h } from './dom';

/** Graphviz sizes in points; CSS pixels are 4/3 of them. */
export const NATURAL_SCALE = 4 / 3;
/** Below this the 10 pt labels become smaller than about 8 px: fit stops here. */
export const MIN_FIT_SCALE = 0.8;
const MIN_SCALE = 0.2;
const MAX_SCALE = 4;
const STEP = 1.25;

/** The scale that fits a graph `graphWidth` points wide into `boxWidth` pixels. */
export function fitScale(boxWidth: number, graphWidth: number): number {
  if (!(graphWidth > 0) || !(boxWidth > 0)) {
    return NATURAL_SCALE;
  }
  return Math.min(NATURAL_SCALE, Math.max(MIN_FIT_SCALE, boxWidth / graphWidth));
}

export function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/** The graph's own size in points, from its viewBox (else its width and height). */
export function graphSize(svg: SVGSVGElement): { width: number; height: number } {
  const box = (svg.getAttribute('viewBox') ?? '')
    .trim()
    .split(/[\s,]+/)
    .map(Number);
  if (box.length === 4 && box.every(Number.isFinite) && box[2] > 0 && box[3] > 0) {
    return { width: box[2], height: box[3] };
  }
  return {
    width: parseFloat(svg.getAttribute('width') ?? '') || 0,
    height: parseFloat(svg.getAttribute('height') ?? '') || 0
  };
}

export class GraphZoom {
  /** `host` scrolls the graph; the buttons go into the returned `controls`. */
  constructor(private readonly host: HTMLElement) {
    this.controls = h(
      'div',
      { class: 'jp-nbprov-zoom', role: 'toolbar', 'aria-label': 'Zoom' },
      this.button('−', 'Zoom out (−)', () => this.zoomBy(1 / STEP), 'out'),
      this.button('+', 'Zoom in (+)', () => this.zoomBy(STEP), 'in'),
      this.button('Fit', 'Fit the width (0)', () => this.fit(), 'fit'),
      this.button('1:1', 'Actual size', () => this.setScale(NATURAL_SCALE), 'actual'),
      this._label
    );
    this.controls.hidden = true;
    host.addEventListener('wheel', this.onWheel, { passive: false });
    host.addEventListener('keydown', this.onKey);
    host.addEventListener('pointerdown', this.onPointerDown);
  }

  readonly controls: HTMLElement;

  get scale(): number {
    return this._scale;
  }

  /** Show this graph (null: none), fitted to the box's width. */
  setSvg(svg: SVGSVGElement | null): void {
    this._svg = svg;
    this.controls.hidden = svg === null;
    if (svg) {
      this._size = graphSize(svg);
      svg.removeAttribute('width');
      svg.removeAttribute('height');
      this.fit();
    }
  }

  fit(): void {
    const style = getComputedStyle(this.host);
    const padding = (parseFloat(style.paddingLeft) || 0) + (parseFloat(style.paddingRight) || 0);
    this.setScale(fitScale(this.host.clientWidth - padding - 2, this._size.width));
  }

  zoomBy(factor: number): void {
    this.setScale(this._scale * factor);
  }

  setScale(scale: number): void {
    this._scale = clampScale(scale);
    const svg = this._svg;
    if (svg) {
      svg.style.width = `${Math.round(this._size.width * this._scale)}px`;
      svg.style.height = `${Math.round(this._size.height * this._scale)}px`;
      svg.dataset.scale = this._scale.toFixed(3);
    }
    this._label.textContent = `${Math.round((this._scale / NATURAL_SCALE) * 100)}%`;
  }

  dispose(): void {
    this.host.removeEventListener('wheel', this.onWheel);
    this.host.removeEventListener('keydown', this.onKey);
    this.host.removeEventListener('pointerdown', this.onPointerDown);
  }

  private button(text: string, title: string, action: () => void, name: string): HTMLElement {
    const button = h(
      'button',
      {
        class: `jp-nbprov-button jp-nbprov-zoom-${name}`,
        type: 'button',
        title,
        'aria-label': title
      },
      text
    );
    button.addEventListener('click', action);
    return button;
  }

  private onWheel = (event: WheelEvent): void => {
    if (this._svg && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      this.zoomBy(event.deltaY < 0 ? STEP : 1 / STEP);
    }
  };

  private onKey = (event: KeyboardEvent): void => {
    if (!this._svg || event.target !== this.host) {
      return;
    }
    const actions: Record<string, () => void> = {
      '+': () => this.zoomBy(STEP),
      '=': () => this.zoomBy(STEP),
      '-': () => this.zoomBy(1 / STEP),
      '0': () => this.fit()
    };
    const action = actions[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  /** Drag the background to pan (nodes keep their clicks). */
  private onPointerDown = (event: PointerEvent): void => {
    const target = event.target as Element | null;
    if (event.button !== 0 || !this._svg || target?.closest('.node')) {
      return;
    }
    const start = { x: event.clientX, y: event.clientY };
    const scroll = { left: this.host.scrollLeft, top: this.host.scrollTop };
    const move = (e: PointerEvent): void => {
      this.host.scrollLeft = scroll.left - (e.clientX - start.x);
      this.host.scrollTop = scroll.top - (e.clientY - start.y);
    };
    const up = (): void => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  private _svg: SVGSVGElement | null = null;
  private _size = { width: 0, height: 0 };
  private _scale = NATURAL_SCALE;
  private _label = h('span', { class: 'jp-nbprov-zoom-level', 'aria-live': 'polite' });
}
