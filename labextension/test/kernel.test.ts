/**
 * "Current" is the trial the notebook's own kernel records, never the notebook's latest
 * trial from another process.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { TRIAL_EXPRESSION, trialFromReply } from '../src/kernel';
import { NotebookProvenance } from '../src/model/notebook';
import { ProvenanceModel } from '../src/model/provenance';
import { apiFor, FakeServer, settle, trial } from './fake-server';

const disposables: Array<{ dispose(): void }> = [];

afterEach(() => {
  disposables.splice(0).forEach(d => d.dispose());
});

function reply(status: string, text?: string): unknown {
  return {
    status: 'ok',
    user_expressions: {
      nbprov_trial: text === undefined ? { status } : { status, data: { 'text/plain': text } }
    }
  };
}

describe('trialFromReply', () => {
  it("reads the kernel's trial id from the user expression", () => {
    expect(trialFromReply(reply('ok', '14'))).toBe(14);
  });

  it('is null without nbprov, without a trial, or on an error', () => {
    expect(trialFromReply(reply('ok', 'None'))).toBeNull();
    expect(trialFromReply(reply('error'))).toBeNull();
    expect(trialFromReply({ status: 'ok', user_expressions: {} })).toBeNull();
    expect(trialFromReply(null)).toBeNull();
    expect(trialFromReply(reply('ok', "'1; import os'"))).toBeNull();
  });

  it('asks without importing nbprov into a kernel that has not loaded it', () => {
    expect(TRIAL_EXPRESSION).toContain("if 'nbprov' in __import__('sys').modules else None");
  });
});

function setUp(kernelTrial: number | null): {
  server: FakeServer;
  model: ProvenanceModel;
  notebook: NotebookProvenance;
} {
  const server = new FakeServer();
  // Trial 4 of the same notebook was written by another process after this kernel's.
  server.trials.push(trial(4, 'a.ipynb', 0.1, 0.5));
  const api = apiFor(server);
  const notebook = new NotebookProvenance(api, 'a.ipynb', () => Promise.resolve(kernelTrial));
  const model = new ProvenanceModel(api, {
    layout: dot => Promise.resolve(`<svg><text>${dot}</text></svg>`)
  });
  disposables.push(model, notebook);
  model.setNotebook(notebook);
  return { server, model, notebook };
}

describe("the kernel's trial is current", () => {
  it('for the badges, the table and the lineage picker', async () => {
    const { server, model, notebook } = setUp(2);
    await settle();
    expect(model.trials.map(t => t.id)).toEqual([1, 2, 4]);
    expect(notebook.current?.id).toBe(2);
    expect(model.currentTrial).toBe(2);
    expect(model.lineageTrial).toBe('2');
    // The edited-marker baseline is this kernel's trial: only its detail is fetched.
    expect(server.requests).toContain('trials/2 notebook=a.ipynb');
    expect(server.requests).not.toContain('trials/4 notebook=a.ipynb');
  });

  it('is no trial when the kernel records none', async () => {
    const { model, notebook } = setUp(null);
    await settle();
    expect(notebook.current).toBeNull();
    expect(notebook.lastRun.size).toBe(0);
    expect(model.currentTrial).toBeNull();
    // The picker still offers a trial to look at: the latest.
    expect(model.lineageTrial).toBe('4');
  });
});

describe('trials written elsewhere', () => {
  it('show up on the next poll, which refreshes only on a change', async () => {
    const { server, model, notebook } = setUp(2);
    await settle();
    const before = server.requests.length;
    await notebook.poll();
    expect(server.requests.slice(before)).toEqual(['trials notebook=a.ipynb&scope=notebook']);
    server.trials.push(trial(5, 'a.ipynb', 0.05, 0.4));
    await notebook.poll();
    await settle();
    expect(model.trials.map(t => t.id)).toEqual([1, 2, 4, 5]);
    // Still this kernel's trial that is current.
    expect(model.currentTrial).toBe(2);
  });
});
