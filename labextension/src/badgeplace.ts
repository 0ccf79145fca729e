/**
 * Where a cell's badges sit, bottom right of its input area: clear of the editor's
 * horizontal scrollbar, which a cell whose code is wider than the editor shows there.
 */

/** What the placement needs to know of the editor's scroller and the input area. */
export interface IScrollBox {
  /** The scroller's content width and visible width: wider content scrolls. */
  scrollWidth: number;
  clientWidth: number;
  /** The scroller's outer and inner heights: their difference is its scrollbar. */
  offsetHeight: number;
  clientHeight: number;
  /** From the scroller's bottom edge down to the input area's (borders, padding). */
  gapBelow: number;
}

/** The badges' distance from the input area's bottom when nothing is in the way. */
export const BASE_BOTTOM = 3;
/** Overlay scrollbars (macOS, some Linux themes) take no room but show on scrolling. */
export const OVERLAY_SCROLLBAR = 10;

/** The badges' `bottom` in pixels: above the scrollbar when the code scrolls sideways. */
export function badgeBottom(box: IScrollBox | null): number {
  if (!box || box.scrollWidth <= box.clientWidth) {
    return BASE_BOTTOM;
  }
  const bar = Math.max(box.offsetHeight - box.clientHeight, OVERLAY_SCROLLBAR);
  return Math.max(BASE_BOTTOM, Math.ceil(box.gapBelow + bar + 2));
}

/** Measure the cell's editor scroller under `input` (null before its editor exists). */
export function scrollBox(input: HTMLElement): IScrollBox | null {
  const scroller = input.querySelector<HTMLElement>('.cm-scroller');
  if (!scroller) {
    return null;
  }
  return {
    scrollWidth: scroller.scrollWidth,
    clientWidth: scroller.clientWidth,
    offsetHeight: scroller.offsetHeight,
    clientHeight: scroller.clientHeight,
    gapBelow: input.getBoundingClientRect().bottom - scroller.getBoundingClientRect().bottom
  };
}
