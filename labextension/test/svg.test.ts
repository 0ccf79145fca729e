// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';

import { parseSafeSvg } from '../src/svg';

const HOSTILE = `<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)" width="100pt">
  <script>alert(2)</script>
  <g id="graph0" class="graph">
    <title>nbprov</title>
    <a xlink:href="javascript:alert(3)" href="javascript:alert(4)" target="_blank">
      <text x="1" y="2" onclick="alert(5)">&lt;img src=x onerror=alert(6)&gt;</text>
    </a>
    <image xlink:href="http://example.invalid/x.png" width="1" height="1"/>
    <foreignObject><div xmlns="http://www.w3.org/1999/xhtml">html</div></foreignObject>
    <polygon fill="white" stroke="none" points="0,0 1,1" style="fill: url(http://example.invalid/a)"/>
    <ellipse fill="#ffe" cx="1" cy="1" rx="1" ry="1"/>
  </g>
</svg>`;

describe('parseSafeSvg', () => {
  const svg = parseSafeSvg(HOSTILE, document);
  const markup = svg.outerHTML;

  it('keeps the drawing and the label text (as text)', () => {
    expect(svg.localName).toBe('svg');
    expect(svg.querySelector('ellipse')).not.toBeNull();
    expect(svg.querySelector('text')?.textContent).toBe('<img src=x onerror=alert(6)>');
    expect(svg.querySelector('title')?.textContent).toBe('nbprov');
  });

  it('drops scripts, foreign content, images, handlers and links', () => {
    expect(svg.querySelector('script')).toBeNull();
    expect(svg.querySelector('foreignObject')).toBeNull();
    expect(svg.querySelector('image')).toBeNull();
    expect(markup).not.toMatch(/onload|onclick|javascript:|href|example\.invalid/);
  });

  it('rejects text that is not SVG', () => {
    expect(() => parseSafeSvg('<html><body/></html>', document)).toThrow();
    expect(() => parseSafeSvg('not xml at all <', document)).toThrow();
  });
});
