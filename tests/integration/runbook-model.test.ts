import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/core';
import { LocalPtySession } from '../../src/core/sessions/local-pty';
import { createInProcessApi, type RunState, type RunsheetApi } from '../../src/shared/api';
import type { Runbook } from '../../src/shared/model';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

const RUNBOOK = `# Model

- [ ] Read first

## Greet

\`\`\`bash
echo "hello <name> from [replace with region e.g. eu-west-1]"
\`\`\`

## Transcript

\`\`\`console
$ echo one
one
\`\`\`

## Python

\`\`\`python {interpreter=python3 name=answer}
print(6 * 7)
\`\`\`
`;

describe('runbook model in a real run', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let api: RunsheetApi;
  let latest: RunState | null = null;
  const reloads: Runbook[] = [];

  beforeEach(() => {
    dir = tempDir();
    writeFiles(dir.path, { 'model.md': RUNBOOK });
    core = createCore({
      bundledRunbooks: dir.path,
      dataDir: join(dir.path, '.data'),
      logDir: join(dir.path, '.logs'),
      version: 'test',
      sessionFactory: () => new LocalPtySession({ env: { ...process.env, HOME: dir.path } }),
    });
    api = createInProcessApi(core.handlers, core);
    api.on('run.didChange', (s) => (latest = s));
    api.on('runbook.didChange', ({ runbook }) => reloads.push(runbook));
  });

  afterEach(() => {
    core.dispose();
    dir.cleanup();
  });

  const finished = (id: string) =>
    waitFor(`step ${id} to finish`, () => {
      const status = latest?.steps[id]?.status;
      return status === 'passed' || status === 'failed' ? latest!.steps[id]! : null;
    });

  it('asks for placeholders, substitutes them quoted, runs transcripts and interpreters', async () => {
    const { runbook } = await api.call('runbook.open', { runbookId: 'model.md' });
    const [, greet, transcript, python] = runbook.steps;
    expect(greet!.placeholders.map((p) => p.name)).toEqual(['name', 'region']);
    expect(greet!.placeholders[1]!.example).toBe('eu-west-1');
    expect(transcript!.code).toBe('echo one\n');
    expect(transcript!.expectedOutput).toBe('one');
    expect(python!.attrs).toEqual({ interpreter: 'python3', name: 'answer' });

    const run = await api.call('run.start', { runbookId: 'model.md' });
    await expect(api.call('run.execute', { runId: run.id, stepId: greet!.id })).rejects.toThrow(
      /fill in <name>, \[replace with region e\.g\. eu-west-1\]/,
    );
    await api.call('run.setVariables', {
      runId: run.id,
      values: { name: `it's "me" $HOME`, region: 'us-east-2' },
    });
    await api.call('run.execute', { runId: run.id, stepId: greet!.id });
    expect((await finished(greet!.id)).output).toBe(`hello it's "me" $HOME from us-east-2`);

    await api.call('run.execute', { runId: run.id, stepId: transcript!.id });
    expect((await finished(transcript!.id)).output).toBe('one');

    await api.call('run.execute', { runId: run.id, stepId: python!.id });
    const answer = await finished(python!.id);
    expect([answer.status, answer.output]).toEqual(['passed', '42']);
    expect(latest!.variables).toEqual({ name: `it's "me" $HOME`, region: 'us-east-2' });
  });

  it('follows edits on disk and keeps the results of steps whose ids survived', async () => {
    const { runbook } = await api.call('runbook.open', { runbookId: 'model.md' });
    const [read, greet, transcript] = runbook.steps;
    const run = await api.call('run.start', { runbookId: 'model.md' });
    await api.call('run.setChecked', { runId: run.id, stepId: read!.id, checked: true });
    await api.call('run.execute', { runId: run.id, stepId: transcript!.id });
    await finished(transcript!.id);

    // Add an item at the top and change the greet step; the other steps keep their ids.
    writeFileSync(
      join(dir.path, 'model.md'),
      RUNBOOK.replace('- [ ] Read first', '- [ ] A new first item\n- [ ] Read first').replace(
        'echo "hello',
        'echo "hi',
      ),
    );
    const reloaded = await waitFor('the reload event', () => reloads[reloads.length - 1]);
    const ids = reloaded.steps.map((s) => s.id);
    expect(ids).toContain(read!.id);
    expect(ids).toContain(transcript!.id);
    expect(ids).not.toContain(greet!.id);
    const state = await waitFor('the run to follow', () =>
      latest && Object.keys(latest.steps).length === 5 ? latest : null,
    );
    expect(state.steps[read!.id]!.status).toBe('checked');
    expect(state.steps[transcript!.id]!.status).toBe('passed');
    expect(state.steps[reloaded.steps[0]!.id]!.status).toBe('pending');
    expect(state.total).toBe(5);
    expect(state.done).toBe(2);
  });
});
