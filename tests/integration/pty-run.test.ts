import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/core';
import { readJournal, readStepOutput } from '../../src/core/journal/reader';
import { LocalPtySession } from '../../src/core/sessions/local-pty';
import { createInProcessApi, type RunState, type RunsheetApi } from '../../src/shared/api';
import { expectLogTemplate } from '../helpers/log';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

const RUNBOOK = `---
title: Pass and fail
environment: test
---

# Pass and fail

- [ ] Look around first

## Passing

\`\`\`bash
cd "$(mktemp -d)" && export MARKER=kept-across-steps
printf 'hello from %s\\n' "$MARKER"
\`\`\`

## Failing

\`\`\`bash
echo "marker is $MARKER"
printf 'progress 10%%\\rprogress 100%%\\n'
ls /definitely/not/here
\`\`\`
`;

describe('a run on a real PTY (bash)', () => {
  let dirs: ReturnType<typeof tempDir>;
  let core: Core;
  let api: RunsheetApi;
  let latest: RunState | null = null;

  beforeEach(() => {
    dirs = tempDir();
    writeFiles(dirs.path, { 'pass-fail.md': RUNBOOK });
    core = createCore({
      bundledRunbooks: dirs.path,
      dataDir: join(dirs.path, 'data'),
      logDir: join(dirs.path, 'logs'),
      version: 'test',
      // A clean HOME: the user's own rc files must not change what the test sees.
      sessionFactory: () => new LocalPtySession({ env: { ...process.env, HOME: dirs.path } }),
    });
    api = createInProcessApi(core.handlers, core);
    api.on('run.didChange', (state) => {
      latest = state;
    });
  });

  afterEach(() => {
    core.dispose();
    dirs.cleanup();
  });

  it('captures exit codes and output into the journal and the Markdown log', async () => {
    const { runbook } = await api.call('runbook.open', { runbookId: 'pass-fail.md' });
    const [check, pass, fail] = runbook.steps;
    expect([check?.kind, pass?.runnable, fail?.runnable]).toEqual(['check', true, true]);

    const run = await api.call('run.start', { runbookId: 'pass-fail.md' });
    await api.call('run.setChecked', { runId: run.id, stepId: check!.id, checked: true });

    await api.call('run.execute', { runId: run.id, stepId: pass!.id });
    const afterPass = await waitFor('the passing step to finish', () =>
      latest?.steps[pass!.id]?.status === 'passed' ? latest : null,
    );
    expect(afterPass.steps[pass!.id]).toMatchObject({
      exitCode: 0,
      output: 'hello from kept-across-steps',
    });

    await api.call('run.execute', { runId: run.id, stepId: fail!.id });
    const afterFail = await waitFor('the failing step to finish', () =>
      latest?.steps[fail!.id]?.status === 'failed' ? latest : null,
    );
    const failed = afterFail.steps[fail!.id]!;
    expect(failed.exitCode).toBe(2);
    // Shell state carried over, and the \r progress bar reads as a person saw it.
    expect(failed.output).toContain('marker is kept-across-steps\nprogress 100%\n');
    expect(failed.output).toMatch(/No such file or directory/);
    expect(failed.durationMs).toBeGreaterThanOrEqual(0);

    const finished = await api.call('run.finish', { runId: run.id });
    expect(finished.status).toBe('finished');
    expect(finished.done).toBe(2);
    expect(finished.total).toBe(3);

    const journal = readJournal(finished.journalPath);
    expect(journal.errors).toEqual([]);
    const ends = journal.records.filter((r) => r.type === 'step.finished');
    expect(ends.map((r) => (r.type === 'step.finished' ? r.exitCode : null))).toEqual([0, 2]);
    const raw = readStepOutput(finished.journalPath, fail!.id).toString();
    expect(raw).toContain('progress 10%\rprogress 100%');

    expect(existsSync(finished.logPath)).toBe(true);
    const log = readFileSync(finished.logPath, 'utf8');
    expectLogTemplate(log, { task: 'Pass and fail', environment: 'test' });
    expect(log).toContain('- [x] Look around first — done');
    expect(log).toMatch(/passed, exit 0, [\d.]+ s/);
    expect(log).toMatch(/failed, exit 2, [\d.]+ s/);
    expect(log).toContain('hello from kept-across-steps');
  });

  it('refuses a second step while one runs, and records a shell that exits mid-step', async () => {
    writeFiles(dirs.path, {
      'exit.md':
        '# Exit\n\n```bash\nsleep 0.3\n```\n\n```bash\nexit 3\n```\n\n```bash\necho back\n```\n',
    });
    const { runbook } = await api.call('runbook.open', { runbookId: 'exit.md' });
    const [sleep, exit, back] = runbook.steps;
    const run = await api.call('run.start', { runbookId: 'exit.md' });
    await api.call('run.execute', { runId: run.id, stepId: sleep!.id });
    await expect(api.call('run.execute', { runId: run.id, stepId: exit!.id })).rejects.toThrow(
      /still running/,
    );
    await waitFor('sleep to pass', () => latest?.steps[sleep!.id]?.status === 'passed');

    await api.call('run.execute', { runId: run.id, stepId: exit!.id });
    const state = await waitFor('exit to fail', () =>
      latest?.steps[exit!.id]?.status === 'failed' ? latest : null,
    );
    expect(state.steps[exit!.id]!.exitCode).toBe(3);

    // The next step gets a fresh shell.
    await api.call('run.execute', { runId: run.id, stepId: back!.id });
    const after = await waitFor('echo to pass', () =>
      latest?.steps[back!.id]?.status === 'passed' ? latest : null,
    );
    expect(after.steps[back!.id]!.output).toBe('back');
  });
});

describe('starting runs', () => {
  it('gives concurrent starts of the same runbook one run', async () => {
    const dir = tempDir();
    writeFiles(dir.path, { 'a.md': '# A\n\n- [ ] one\n' });
    const core = createCore({
      bundledRunbooks: dir.path,
      dataDir: join(dir.path, 'data'),
      logDir: join(dir.path, 'logs'),
      version: 'test',
    });
    const api = createInProcessApi(core.handlers, core);
    try {
      const runs = await Promise.all(
        [1, 2, 3].map(() => api.call('run.start', { runbookId: 'a.md' })),
      );
      expect(new Set(runs.map((r) => r.id)).size).toBe(1);
      expect(await api.call('run.active', {})).toHaveLength(1);
    } finally {
      core.dispose();
      dir.cleanup();
    }
  });
});
