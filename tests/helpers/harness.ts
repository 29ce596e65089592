import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createCore, type Core, type CoreOptions } from '../../src/core/core';
import { LocalPtySession } from '../../src/core/sessions/local-pty';
import {
  createInProcessApi,
  type RunState,
  type RunsheetApi,
  type StepResult,
} from '../../src/shared/api';
import type { Runbook } from '../../src/shared/model';
import { tempDir, waitFor, writeFiles } from './temp';

/**
 * A real core on a workspace folder (journals and logs inside it), over the
 * in-process transport, remembering the latest run state it announced.
 */
export function coreOn(workspace: string, options: Partial<CoreOptions> = {}) {
  // A clean HOME, as RunHarness has: the machine's rc files (a pyenv init waiting on a
  // stale lock, say) must not decide whether a shell starts.
  const home = join(workspace, '.home');
  mkdirSync(home, { recursive: true });
  const core = createCore({
    bundledRunbooks: workspace,
    dataDir: join(workspace, '.data'),
    logDir: join(workspace, '.logs'),
    version: 'test',
    localEnv: { ...process.env, HOME: home, ENV: '' },
    ...options,
  });
  const api = createInProcessApi(core.handlers, core);
  let latest: RunState | null = null;
  api.on('run.didChange', (state) => (latest = state));
  return { core, api, latest: () => latest };
}

/** Waits until a run has nothing running and nothing queued ("Run from here" is over). */
export function settled(latest: () => RunState | null): Promise<RunState> {
  return waitFor(
    'the run to settle',
    () => {
      const s = latest();
      return s && s.runningStepId === null && s.queued.length === 0 ? s : null;
    },
    20_000,
  );
}

/**
 * A real core over the in-process transport, with a workspace of one runbook,
 * a clean HOME (so the developer's rc files do not change what tests see) and
 * the shell under test.
 */
export class RunHarness {
  readonly dir = tempDir('runsheet-harness-');
  readonly core: Core;
  readonly api: RunsheetApi;
  latest: RunState | null = null;
  runbook!: Runbook;
  run!: RunState;
  /** Terminal output of the run's sessions, as the UI would receive it. */
  screen = '';
  /** What the shells wrote, shell-integration marks included (as Latin-1 text). */
  raw = '';

  constructor(source: string, shell?: string) {
    writeFiles(this.dir.path, { 'runbook.md': source });
    this.core = createCore({
      bundledRunbooks: this.dir.path,
      dataDir: join(this.dir.path, '.data'),
      logDir: join(this.dir.path, '.logs'),
      version: 'test',
      sessionFactory: (request) => {
        const session = new LocalPtySession({
          ...request,
          shell: shell ?? request.shell,
          env: { ...process.env, HOME: this.dir.path, ENV: '' },
        });
        session.onDidData((data) => (this.raw += Buffer.from(data).toString('latin1')));
        return session;
      },
    });
    this.api = createInProcessApi(this.core.handlers, this.core);
    this.api.on('run.didChange', (state) => (this.latest = state));
    this.api.on('session.didData', ({ data }) => (this.screen += data));
  }

  async start(): Promise<this> {
    this.runbook = (await this.api.call('runbook.open', { runbookId: 'runbook.md' })).runbook;
    this.run = await this.api.call('run.start', { runbookId: 'runbook.md' });
    return this;
  }

  /** The n-th runnable step. */
  step(n: number) {
    const step = this.runbook.steps.filter((s) => s.runnable)[n];
    if (!step) throw new Error(`no runnable step ${n}`);
    return step;
  }

  /** Runs a step and waits for its result. */
  async exec(
    n: number,
    options: { confirmed?: boolean } = {},
    timeoutMs = 20_000,
  ): Promise<StepResult> {
    const step = this.step(n);
    await this.api.call('run.execute', { runId: this.run.id, stepId: step.id, ...options });
    return this.result(n, timeoutMs);
  }

  /** Waits until step n is no longer pending or running. */
  result(n: number, timeoutMs = 20_000): Promise<StepResult> {
    const id = this.step(n).id;
    return waitFor(
      `step ${n} to finish`,
      () => {
        const r = this.latest?.steps[id];
        return r && !['pending', 'running'].includes(r.status) && this.latest?.runningStepId !== id
          ? r
          : null;
      },
      timeoutMs,
    );
  }

  /** Types into the run's current shell, as a person at the keyboard would. */
  async type(data: string): Promise<void> {
    const sessionId = this.latest?.sessionId ?? this.run.sessionId;
    if (!sessionId) throw new Error('the run has no shell');
    await this.api.call('session.write', { sessionId, data });
  }

  dispose(): void {
    this.core.dispose();
    this.dir.cleanup();
  }
}
