/**
 * Which trial the notebook's own kernel is recording. The kernel answers a user
 * expression of a silent execute request (no history, no execution count, no recorded
 * cell), so trials another process wrote for the same notebook are never taken for it.
 */
import type { ISessionContext } from '@jupyterlab/apputils';

/** Evaluated in the kernel; imports nothing into a kernel that has no nbprov loaded. */
export const TRIAL_EXPRESSION =
  "__import__('nbprov.kernel.lab_link').kernel.lab_link.kernel_trial_id() " +
  "if 'nbprov' in __import__('sys').modules else None";

const KEY = 'nbprov_trial';

/** The trial id in an execute reply's content, or null (no nbprov, no trial, an error). */
export function trialFromReply(content: unknown): number | null {
  const expressions = (content as { user_expressions?: Record<string, unknown> } | null)
    ?.user_expressions;
  const answer = expressions?.[KEY] as
    { status?: string; data?: Record<string, unknown> } | undefined;
  if (answer?.status !== 'ok') {
    return null;
  }
  const text = answer.data?.['text/plain'];
  return typeof text === 'string' && /^\d+$/.test(text.trim()) ? Number(text) : null;
}

/** Asks a notebook's kernel for its trial, remembering the last answer per kernel. */
export class KernelTrial {
  constructor(
    private readonly session: ISessionContext,
    private readonly timeoutMs = 2000
  ) {}

  /**
   * The kernel's trial id, or null when there is no kernel or it records no trial. A
   * busy kernel is not queued behind: its last answer stands until it is idle again.
   */
  async ask(): Promise<number | null> {
    const kernel = this.session.session?.kernel;
    if (!kernel) {
      return null;
    }
    const known = this._kernelId === kernel.id ? this._answer : undefined;
    if (known !== undefined && kernel.status !== 'idle') {
      return known;
    }
    try {
      const future = kernel.requestExecute(
        {
          code: '',
          silent: true,
          store_history: false,
          allow_stdin: false,
          stop_on_error: false,
          user_expressions: { [KEY]: TRIAL_EXPRESSION }
        },
        true
      );
      let timer: ReturnType<typeof setTimeout> | undefined;
      const reply = await Promise.race([
        future.done,
        new Promise<null>(resolve => (timer = setTimeout(() => resolve(null), this.timeoutMs)))
      ]);
      clearTimeout(timer);
      if (!reply) {
        return known ?? null;
      }
      this._kernelId = kernel.id;
      this._answer = trialFromReply(reply.content);
      return this._answer;
    } catch {
      return known ?? null;
    }
  }

  private _kernelId = '';
  private _answer: number | null | undefined = undefined;
}
