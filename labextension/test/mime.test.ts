// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';

// jsdom has no drag events; Lumino's drag-and-drop module needs the class at import.
vi.hoisted(() => {
  const scope = globalThis as unknown as Record<string, unknown>;
  scope.DragEvent ??= class extends (
    (globalThis as unknown as { MouseEvent: typeof MouseEvent }).MouseEvent
  ) {};
});

import { DOT_MIME_TYPE, dotFromData, rendererFactory } from '../src/mime';

describe('the %deps MIME renderer', () => {
  it('claims the nbprov DOT type and is safe for untrusted output', () => {
    expect(DOT_MIME_TYPE).toBe('application/vnd.nbprov.dot+json');
    expect(rendererFactory.mimeTypes).toEqual([DOT_MIME_TYPE]);
    expect(rendererFactory.safe).toBe(true);
  });

  it('takes the DOT source from the bundle', () => {
    expect(dotFromData({ dot: 'digraph {}', trial: 1 })).toBe('digraph {}');
    expect(dotFromData('digraph {}')).toBe('digraph {}');
    expect(dotFromData({ svg: 'x' })).toBeNull();
    expect(dotFromData(null)).toBeNull();
  });
});
