/**
 * Make graphviz's SVG safe to put in the page.
 *
 * Labels carry user values, and DOT can ask for links (`URL=`) and images: keep only
 * drawing elements and drop scripts, event handlers, links and external references.
 */

const ALLOWED_ELEMENTS = new Set([
  'svg',
  'g',
  'a',
  'path',
  'polygon',
  'polyline',
  'ellipse',
  'circle',
  'rect',
  'line',
  'text',
  'tspan',
  'title',
  'desc',
  'defs',
  'lineargradient',
  'radialgradient',
  'stop'
]);

const LINK_ATTRIBUTES = new Set(['href', 'xlink:href', 'src', 'xml:base', 'target']);

/** Remove everything unsafe from an SVG element tree, in place; returns the root. */
export function sanitizeSvgElement(root: Element): Element {
  const all = [root, ...Array.from(root.querySelectorAll('*'))];
  for (const element of all) {
    if (element !== root && !root.contains(element)) {
      continue; // already removed with an ancestor
    }
    if (!ALLOWED_ELEMENTS.has(element.localName.toLowerCase())) {
      element.remove();
      continue;
    }
    for (const attribute of Array.from(element.attributes)) {
      const name = attribute.name.toLowerCase();
      const value = attribute.value.trim().toLowerCase();
      if (
        name.startsWith('on') ||
        LINK_ATTRIBUTES.has(name) ||
        (name === 'style' && (value.includes('url(') || value.includes('expression')))
      ) {
        element.removeAttribute(attribute.name);
      }
    }
  }
  return root;
}

/** Parse SVG text and return a sanitized `<svg>` element (owned by `doc`). */
export function parseSafeSvg(svgText: string, doc: Document = document): SVGSVGElement {
  const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
  const root = parsed.documentElement;
  if (!root || root.localName !== 'svg' || parsed.getElementsByTagName('parsererror').length) {
    throw new Error('the graph renderer produced no SVG');
  }
  sanitizeSvgElement(root);
  return doc.importNode(root, true) as unknown as SVGSVGElement;
}
