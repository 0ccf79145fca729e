// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';

import { h } from '../src/dom';

describe('h', () => {
  it('puts strings in as text, never as markup', () => {
    const cell = h('td', { class: 'x' }, '<img src=x onerror=alert(1)>', null, false);
    expect(cell.children.length).toBe(0);
    expect(cell.textContent).toBe('<img src=x onerror=alert(1)>');
    expect(cell.className).toBe('x');
  });

  it('sets boolean attributes and skips absent ones', () => {
    const box = h('input', { type: 'checkbox', checked: true, disabled: false, title: undefined });
    expect(box.hasAttribute('checked')).toBe(true);
    expect(box.hasAttribute('disabled')).toBe(false);
    expect(box.hasAttribute('title')).toBe(false);
  });

  it('flattens child lists', () => {
    const row = h('tr', {}, [h('td', {}, 'a'), h('td', {}, 'b')], h('td', {}, 'c'));
    expect(Array.from(row.children).map(c => c.textContent)).toEqual(['a', 'b', 'c']);
  });
});
