/**
 * DOT to SVG in the browser with the WebAssembly graphviz bundled in the extension,
 * so no `dot` binary is needed. The module (about 800 KB) loads on first use.
 */
import { parseSafeSvg } from './svg';

interface IGraphviz {
  dot(source: string, format?: 'svg'): string;
}

let loading: Promise<IGraphviz> | null = null;

function graphviz(): Promise<IGraphviz> {
  if (loading === null) {
    loading = import('@hpcc-js/wasm-graphviz').then(module => module.Graphviz.load());
    loading.catch(() => {
      loading = null; // let a later call try again
    });
  }
  return loading;
}

/** Lay out DOT source as SVG text. Throws with graphviz's message on bad DOT. */
export async function dotToSvg(dot: string): Promise<string> {
  const engine = await graphviz();
  return engine.dot(dot, 'svg');
}

/** Render DOT into `host` as a sanitized inline SVG, replacing what was there. */
export async function renderDot(dot: string, host: HTMLElement): Promise<SVGSVGElement> {
  const svg = parseSafeSvg(await dotToSvg(dot), host.ownerDocument);
  svg.classList.add('jp-nbprov-graph-svg');
  svg.setAttribute('role', 'img');
  host.replaceChildren(svg);
  return svg;
}
