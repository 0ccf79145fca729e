/**
 * Stages of an experiment: where a cell's stage comes from and how it is written.
 */

/** The standard stages, in the order an experiment usually runs them. */
export const STANDARD_STAGES: readonly string[] = ['read', 'features', 'score', 'evaluate'];

/** The cell-metadata key nbprov uses; the kernel reads `metadata.nbprov.stage`. */
export const METADATA_KEY = 'nbprov';

/** A cell's stage and where it was found. */
export interface ICellStage {
  stage: string;
  source: 'tag' | 'metadata';
}

const TAG_LINE = /^[ \t]*%tag[ \t]+([^\s#]+)/;

/**
 * The stage named by a `%tag STAGE` line magic in a cell's source, if any.
 *
 * Only line magics at the start of a line count (`%tag_var` does not). When a cell
 * has several, the last one wins, as it does in the kernel where each `%tag` overwrites
 * the activation's stage (and any stage sent in the cell's metadata).
 */
export function stageFromSource(source: string): string | null {
  let found: string | null = null;
  for (const line of source.split(/\r?\n/)) {
    const match = TAG_LINE.exec(line);
    if (match && !match[1].startsWith('-')) {
      found = match[1];
    }
  }
  return found;
}

/** The stage stored in a cell's metadata under `nbprov.stage`, if valid. */
export function stageFromMetadata(metadata: unknown): string | null {
  if (!isObject(metadata)) {
    return null;
  }
  const ours = metadata[METADATA_KEY];
  if (!isObject(ours)) {
    return null;
  }
  const stage = ours['stage'];
  return typeof stage === 'string' && isValidStage(stage) ? stage : null;
}

/** The stage a cell shows: a `%tag` in its code, else its metadata. */
export function cellStage(source: string, metadata: unknown): ICellStage | null {
  const tagged = stageFromSource(source);
  if (tagged) {
    return { stage: tagged, source: 'tag' };
  }
  const stored = stageFromMetadata(metadata);
  return stored ? { stage: stored, source: 'metadata' } : null;
}

/** A stage is one word: letters, digits, `_`, `-`, `.`; at most 64 characters. */
export function isValidStage(stage: string): boolean {
  return /^[A-Za-z0-9_.-]{1,64}$/.test(stage);
}

/**
 * The new value of the `nbprov` metadata entry after setting (or, with null, clearing)
 * the stage; other keys under `nbprov` are kept. Returns undefined when nothing is left.
 */
export function withStage(
  current: unknown,
  stage: string | null
): Record<string, unknown> | undefined {
  const next: Record<string, unknown> = isObject(current) ? { ...current } : {};
  if (stage === null) {
    delete next['stage'];
  } else {
    if (!isValidStage(stage)) {
      throw new Error(`not a stage name: ${JSON.stringify(stage)}`);
    }
    next['stage'] = stage;
  }
  return Object.keys(next).length ? next : undefined;
}

/** A stable CSS class suffix for a stage, so the standard stages get their colours. */
export function stageClass(stage: string): string {
  return STANDARD_STAGES.includes(stage) ? `jp-nbprov-stage-${stage}` : 'jp-nbprov-stage-other';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
