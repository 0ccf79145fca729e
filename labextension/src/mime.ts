/**
 * Renders `%deps` output sent as `application/vnd.nbprov.dot+json` (`{"dot": "..."}`),
 * which the kernel emits when it has no `dot` binary: the graph is laid out here, in the
 * browser, by the bundled WebAssembly graphviz.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';

import { renderDot } from './graphviz';

export const DOT_MIME_TYPE = 'application/vnd.nbprov.dot+json';

/** The DOT source in a bundle's data, or null when it has none. */
export function dotFromData(data: unknown): string | null {
  if (typeof data === 'string') {
    return data;
  }
  if (
    typeof data === 'object' &&
    data !== null &&
    typeof (data as { dot?: unknown }).dot === 'string'
  ) {
    return (data as { dot: string }).dot;
  }
  return null;
}

export class DotRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(private readonly options: IRenderMime.IRendererOptions) {
    super();
    this.addClass('jp-nbprov-dot-output');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    const dot = dotFromData(model.data[this.options.mimeType]);
    if (dot === null) {
      this.node.textContent = 'nbprov: this output has no DOT source.';
      return;
    }
    const host = document.createElement('div');
    host.className = 'jp-nbprov-graph';
    this.node.replaceChildren(host);
    try {
      await renderDot(dot, host);
    } catch (error) {
      const message = document.createElement('div');
      message.className = 'jp-nbprov-error';
      message.textContent = `nbprov: cannot draw this graph: ${error instanceof Error ? error.message : String(error)}`;
      const source = document.createElement('pre');
      source.className = 'jp-nbprov-dot';
      source.textContent = dot;
      this.node.replaceChildren(message, source);
    }
  }
}

export const rendererFactory: IRenderMime.IRendererFactory = {
  safe: true,
  mimeTypes: [DOT_MIME_TYPE],
  defaultRank: 50,
  createRenderer: options => new DotRenderer(options)
};

const extension: IRenderMime.IExtension = {
  id: 'nbprov:dot-renderer',
  rendererFactory,
  rank: 50,
  dataType: 'json'
};

export default extension;
