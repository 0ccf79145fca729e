/**
 * What a lineage graph's nodes are: graphviz keeps each node's DOT id (`a12` for the
 * activation with seq 12, `chain12` for folded cells, `v3` for the slice's fourth variable
 * version) as the node's SVG <title>, which browsers show as its tooltip. These turn it
 * into a tooltip a person can read, and tell which nodes are cells and which variables.
 */
import type { IDepsReply, JSONValue } from './types';

/** A cell node of the graph: the activation it stands for. */
export interface IGraphCell {
  seq: number;
  executionCount: number | null;
  cellHash: string | null;
  stage: string | null;
}

/** A variable node of the graph: the version (name, defining activation) it stands for. */
export interface IGraphVariable {
  name: string;
  seq: number;
  executionCount: number | null;
}

export interface IGraphNode {
  kind: 'cell' | 'chain' | 'variable' | 'note';
  tooltip: string;
  cell: IGraphCell | null;
  /** For a variable node found in the slice; null otherwise. */
  variable?: IGraphVariable | null;
  /** The accessible name of a node that acts as a button. */
  label?: string;
}

type Slice = IDepsReply['deps'];

function field(record: JSONValue | undefined, key: string): JSONValue | undefined {
  return record && typeof record === 'object' && !Array.isArray(record) ? record[key] : undefined;
}

/** The slice's activation with this seq, as a graph cell. */
export function sliceCell(deps: Slice | null, seq: number): IGraphCell | null {
  const activation = (deps?.activations ?? []).find(a => field(a, 'seq') === seq);
  if (activation === undefined) {
    return null;
  }
  const count = field(activation, 'execution_count');
  const hash = field(activation, 'cell_hash');
  const stage = field(activation, 'stage');
  return {
    seq,
    executionCount: typeof count === 'number' ? count : null,
    cellHash: typeof hash === 'string' ? hash : null,
    stage: typeof stage === 'string' ? stage : null
  };
}

/** The slice's variable version at this place of its `variables`, as a graph variable. */
export function sliceVariable(deps: Slice | null, index: number): IGraphVariable | null {
  const version = deps?.variables?.[index];
  const name = field(version, 'name');
  const seq = field(version, 'seq');
  if (typeof name !== 'string' || typeof seq !== 'number') {
    return null;
  }
  const count = field(version, 'execution_count');
  return { name, seq, executionCount: typeof count === 'number' ? count : null };
}

/**
 * Describe a node from its DOT id and the lines of its label. Internal ids never show:
 * cells say which execution they were and that a click shows them; variables say their
 * name, value and role.
 */
export function describeNode(id: string, labelLines: string[], deps: Slice | null): IGraphNode {
  const label = labelLines.map(line => line.trim()).filter(Boolean);
  const cellMatch = /^a(\d+)$/.exec(id);
  if (cellMatch) {
    const cell = sliceCell(deps, Number(cellMatch[1]));
    const head = cell?.executionCount !== null && cell ? `Cell [${cell.executionCount}]` : 'Cell';
    const code = label.slice(1).join(' ');
    return {
      kind: 'cell',
      cell,
      tooltip:
        `${head}${cell?.stage ? `, stage ${cell.stage}` : ''}` +
        (code ? `: ${code}` : '') +
        '. Click to show it in the notebook.'
    };
  }
  if (/^chain\d+$/.test(id)) {
    return { kind: 'chain', cell: null, tooltip: `Folded run of ${label.join(' ')}` };
  }
  const variableMatch = /^v(\d+)$/.exec(id);
  if (variableMatch) {
    const variable = sliceVariable(deps, Number(variableMatch[1]));
    if (!variable) {
      return { kind: 'variable', cell: null, tooltip: `Variable ${label.join(' ')}` };
    }
    const at =
      variable.executionCount === null ? '' : `, recorded at cell ${variable.executionCount}`;
    return {
      kind: 'variable',
      cell: null,
      variable,
      label: `Variable ${variable.name}${at}`,
      tooltip: `Variable ${label.join(' ')}${at}. Click to see its value and history.`
    };
  }
  return { kind: 'note', cell: null, tooltip: label.join(' ') };
}
