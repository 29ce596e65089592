import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// The built CLI (npm test builds before vitest runs).
const CLI = join(__dirname, '../../bin/runsheet.js');

function cli(args: string[], home: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: '',
    env: { ...process.env, HOME: home },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const PATCH = [
  '# Patch the web tier',
  '',
  '## Steps',
  '',
  '- [ ] Drain the load balancer',
  '',
  '```bash',
  'echo "patched kernel 6.1.0-28"',
  '```',
  '',
].join('\n');

/** Every file below `dir` with its SHA-256, to show that a command changed none of them. */
function fingerprint(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[relative(dir, path)] =
      `${statSync(path).size}:${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
  }
  return files;
}

describe('a run record stands alone', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('`runsheet run` of a runbook outside the workspace, then `export <run id>`, works', () => {
    dir = tempDir('runsheet-outside-');
    const ops = join(dir.path, 'ops');
    mkdirSync(ops);
    writeFiles(ops, { 'patch.md': PATCH });
    const data = join(dir.path, 'data');
    const run = cli(['run', join(ops, 'patch.md'), '--json', '--data-dir', data], dir.path);
    expect(run.code).toBe(0);
    const { summary } = JSON.parse(run.stdout.trim().split('\n').pop()!) as {
      summary: { journalPath: string };
    };
    const runId = summary.journalPath
      .split('/')
      .pop()!
      .replace(/\.jsonl$/, '');
    // By run id, from anywhere: the bundled workspace is not where this runbook lives.
    const exported = cli(['export', runId, '--format', 'json', '--data-dir', data], dir.path);
    expect(exported.stderr).not.toMatch(/gone|not found/);
    expect(exported.code).toBe(0);
    const doc = JSON.parse(exported.stdout) as {
      run: { id: string };
      steps: Array<{ name: string; status: string; output: string }>;
    };
    expect(doc.run.id).toBe(runId);
    expect(doc.steps.map((s) => s.status)).toEqual(['pending', 'passed']);
    expect(doc.steps[1]!.output).toContain('patched kernel 6.1.0-28');
    // And after the runbook is deleted.
    rmSync(join(ops, 'patch.md'));
    const again = cli(['export', runId, '--format', 'md', '--data-dir', data], dir.path);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('echo "patched kernel 6.1.0-28"');
  });

  it('opens and exports a run whose runbook was edited, showing what changed, or deleted', async () => {
    dir = tempDir('runsheet-edited-');
    writeFiles(dir.path, { 'patch.md': PATCH });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'patch.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'patch.md' });
      const [drain, patch] = runbook.steps;
      await api.call('run.setChecked', { runId: run.id, stepId: drain!.id, checked: true });
      await api.call('run.execute', { runId: run.id, stepId: patch!.id });
      await waitFor('the step', () =>
        latest()?.steps[patch!.id]?.status === 'passed' ? true : null,
      );
      await api.call('run.finish', { runId: run.id });

      const opened = await api.call('run.open', { runId: run.id });
      expect(opened.change).toMatchObject({ status: 'unchanged', diff: null });

      // Edited: the record still shows the steps it ran, and says what changed since.
      writeFileSync(
        join(dir.path, 'patch.md'),
        PATCH.replace('6.1.0-28', '6.1.0-31').replace('Drain the load balancer', 'Drain web-1'),
      );
      const edited = await api.call('run.open', { runId: run.id });
      expect(edited.change.status).toBe('edited');
      expect(edited.change.diff).toContain('-echo "patched kernel 6.1.0-28"');
      expect(edited.change.diff).toContain('+echo "patched kernel 6.1.0-31"');
      expect(edited.runbook.steps.map((s) => s.id)).toEqual([drain!.id, patch!.id]);
      expect(edited.state.steps[patch!.id]).toMatchObject({ status: 'passed', exitCode: 0 });
      expect(edited.state.done).toBe(2);
      const md = await api.call('run.export', { runId: run.id, format: 'md' });
      expect(md.content).toContain('Drain the load balancer');
      expect(md.content).toContain('echo "patched kernel 6.1.0-28"');
      expect(md.content).not.toContain('6.1.0-31');

      // Fields edited afterwards go the one way every change goes: the same log, rendered
      // from the run's own runbook (not the edited file).
      await api.call('run.setFields', { runId: run.id, issues: 'web-3 needed a second reboot' });
      const log = readFileSync(latest()!.logPath, 'utf8');
      expect(log).toContain('Issues: web-3 needed a second reboot');
      expect(log).toContain('Drain the load balancer');
      expect(log).not.toContain('Drain web-1');

      // Deleted.
      rmSync(join(dir.path, 'patch.md'));
      const gone = await api.call('run.open', { runId: run.id });
      expect(gone.change).toMatchObject({ status: 'missing', path: join(dir.path, 'patch.md') });
      expect(gone.state.steps[patch!.id]!.status).toBe('passed');
      const csv = await api.call('run.export', { runId: run.id, format: 'csv' });
      expect(csv.content).toContain('Drain the load balancer');
      expect(csv.content.trim().split('\n')).toHaveLength(3);
    } finally {
      core.dispose();
    }
  });

  it('`history` and `due` leave every file byte-identical', async () => {
    dir = tempDir('runsheet-readonly-');
    const ws = join(dir.path, 'ws');
    mkdirSync(ws);
    writeFiles(ws, { 'weekly.md': '---\ncadence: weekly\n---\n\n# Weekly\n\n- [ ] Look\n' });
    const data = join(dir.path, 'data');
    const logs = join(dir.path, 'logs');
    const { core, api } = coreOn(ws, { dataDir: data, logDir: logs });
    try {
      const finished = await api.call('run.start', { runbookId: 'weekly.md' });
      await api.call('run.finish', { runId: finished.id });
    } finally {
      core.dispose();
    }
    // A second run left open by a writer that died (as after kill -9): its journal ends mid-run.
    const second = coreOn(ws, { dataDir: data, logDir: logs });
    await second.api.call('history.list', {});
    const open = await second.api.call('run.start', { runbookId: 'weekly.md' });
    second.core.dispose();
    const journal = join(data, 'journals', `${open.id}.jsonl`);
    // The next start recovers it once (interrupted, log written again).
    const args = ['--workspace', ws, '--data-dir', data, '--log-dir', logs];
    expect(cli(['history', ...args], dir.path).stdout).toMatch(/interrupted/);
    expect(readFileSync(journal, 'utf8')).toContain('"type":"run.interrupted"');

    const before = { data: fingerprint(data), logs: fingerprint(logs), ws: fingerprint(ws) };
    for (const command of [['history'], ['history', 'weekly'], ['due'], ['due', '--json']]) {
      const r = cli([...command, ...args], dir.path);
      expect(r.code, r.stderr).toBe(0);
    }
    const inProcess = coreOn(ws, { dataDir: data, logDir: logs });
    try {
      await inProcess.api.call('history.list', { query: 'interrupted' });
      await inProcess.api.call('due.list', {});
      await inProcess.api.call('run.open', { runId: open.id });
    } finally {
      inProcess.core.dispose();
    }
    expect({ data: fingerprint(data), logs: fingerprint(logs), ws: fingerprint(ws) }).toEqual(
      before,
    );
  });

  it('reads do not cut a journal torn after the recovery pass: only the next start does', async () => {
    dir = tempDir('runsheet-torn-read-');
    writeFiles(dir.path, { 'a.md': '# A\n\n- [ ] one\n' });
    const first = coreOn(dir.path);
    const run = await first.api.call('run.start', { runbookId: 'a.md' });
    first.core.dispose();
    const { core, api } = coreOn(dir.path);
    try {
      await api.call('history.list', {});
      // Torn now, while this process runs: a half-written line at the end.
      const torn = `${readFileSync(run.journalPath, 'utf8')}{"type":"step.checked","st`;
      writeFileSync(run.journalPath, torn);
      const [listed] = await api.call('history.list', {});
      expect(listed).toMatchObject({ runId: run.id, status: 'interrupted' });
      await api.call('due.list', {});
      const opened = await api.call('run.open', { runId: run.id });
      expect(opened.state.status).toBe('interrupted');
      expect(readFileSync(run.journalPath, 'utf8')).toBe(torn);
    } finally {
      core.dispose();
    }
    // The next start's recovery pass cuts it and records the interruption.
    const next = coreOn(dir.path);
    try {
      await next.api.call('history.list', {});
      const text = readFileSync(run.journalPath, 'utf8');
      expect(text).not.toContain('"st\n');
      expect(text.trimEnd().split('\n').pop()).toContain('"type":"run.interrupted"');
    } finally {
      next.core.dispose();
    }
  });

  it('lists the same runs from a damaged, stale or missing index: the journals are the truth', async () => {
    dir = tempDir('runsheet-index-');
    writeFiles(dir.path, { 'a.md': '# A\n\n- [ ] one\n' });
    const first = coreOn(dir.path);
    const ids: string[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const run = await first.api.call('run.start', { runbookId: 'a.md' });
        await first.api.call('run.finish', { runId: run.id });
        ids.push(run.id);
      }
    } finally {
      first.core.dispose();
    }
    const index = join(dir.path, '.data', 'journals', 'index.json');
    const listed = async () => {
      const { core, api } = coreOn(dir.path);
      try {
        return (await api.call('history.list', {})).map((r) => [r.runId, r.status, r.done]);
      } finally {
        core.dispose();
      }
    };
    const expected = ids.reverse().map((id) => [id, 'finished', 0]);
    expect(await listed()).toEqual(expected);
    const good = readFileSync(index, 'utf8');
    // Garbage, a row of the wrong shape, an entry for a journal that is gone, no index.
    for (const damaged of [
      '{"version":2,"strings":',
      good.replace('[["', '[[7,"'),
      good.replace(ids[0]!, '20990101-000000-deadbeef'),
      null,
    ]) {
      if (damaged === null) rmSync(index);
      else writeFileSync(index, damaged);
      expect(await listed()).toEqual(expected);
    }
  });

  it('resumes an interrupted run from its record, following an edit made since', async () => {
    dir = tempDir('runsheet-resume-edit-');
    writeFiles(dir.path, { 'patch.md': PATCH });
    const first = coreOn(dir.path);
    const run = await first.api.call('run.start', { runbookId: 'patch.md' });
    const { runbook } = await first.api.call('runbook.open', { runbookId: 'patch.md' });
    const [drain, patch] = runbook.steps;
    await first.api.call('run.setChecked', { runId: run.id, stepId: drain!.id, checked: true });
    first.core.dispose(); // stopped before it was finished

    // The operator fixes the command, then resumes.
    writeFileSync(join(dir.path, 'patch.md'), PATCH.replace('6.1.0-28', '6.1.0-31'));
    const { core, api, latest } = coreOn(dir.path);
    try {
      const resumed = await api.call('run.resume', { runId: run.id });
      expect(resumed.status).toBe('active');
      const now = (await api.call('runbook.open', { runbookId: 'patch.md' })).runbook;
      const fixed = now.steps[1]!;
      expect(fixed.id).not.toBe(patch!.id);
      const state = await waitFor('the reload', () =>
        latest()?.steps[fixed.id] ? latest() : null,
      );
      expect(state.steps[drain!.id]!.status).toBe('checked');
      await api.call('run.execute', { runId: run.id, stepId: fixed.id });
      const done = await waitFor('the fixed step', () =>
        latest()?.steps[fixed.id]?.status === 'passed' ? latest() : null,
      );
      expect(done.steps[fixed.id]!.output).toContain('6.1.0-31');
      const types = readFileSync(run.journalPath, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { type: string }).type);
      expect(types).toEqual(
        expect.arrayContaining(['run.interrupted', 'run.resumed', 'runbook.reloaded']),
      );
    } finally {
      core.dispose();
    }
  });
});
