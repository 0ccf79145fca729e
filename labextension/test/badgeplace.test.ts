import { describe, expect, it } from 'vitest';

import { BASE_BOTTOM, badgeBottom, OVERLAY_SCROLLBAR } from '../src/badgeplace';

const narrow = {
  scrollWidth: 300,
  clientWidth: 300,
  offsetHeight: 40,
  clientHeight: 40,
  gapBelow: 5
};

describe('badgeBottom', () => {
  it('keeps the badges at the bottom while the code fits the editor', () => {
    expect(badgeBottom(null)).toBe(BASE_BOTTOM);
    expect(badgeBottom(narrow)).toBe(BASE_BOTTOM);
  });

  it('lifts them above a horizontal scrollbar', () => {
    const wide = { ...narrow, scrollWidth: 900, clientHeight: 26 }; // a 14px scrollbar
    expect(badgeBottom(wide)).toBe(5 + 14 + 2);
  });

  it('leaves room for an overlay scrollbar, which takes none', () => {
    const overlay = { ...narrow, scrollWidth: 900 };
    expect(badgeBottom(overlay)).toBe(5 + OVERLAY_SCROLLBAR + 2);
  });
});
