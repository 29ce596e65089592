import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src/shared/api';
import { interruptedRun, NIGHTLY } from '../helpers/crash';
import { LocalPtySession } from '../../src/core/sessions/local-pty';
import { coreOn } from '../helpers/harness';
import { readTree, tempDir, waitFor, writeFiles } from '../helpers/temp';

const PATCH = '# Patch\n\n- [ ] Drain\n- [ ] Page\n\n```bash\necho "patched 6.1"\n```\n';
const OTHER = '# Other\n\n- [ ] One thing\n';

type ListChange = EventPayload<'workspace.didChange'>;

/** A core on the folder whose shells start with a clean HOME (no one's rc files to wait for). */
const open = (path: string) =>
  coreOn(path, {
    sessionFactory: (request) =>
      new LocalPtySession({ ...request, env: { ...process.env, HOME: path } }),
  });

describe('the workspace follows files added, deleted and renamed while it is open', () => {
  let dir: ReturnType<typeof tempDir>;
  let app: ReturnType<typeof coreOn>;
  let lists: ListChange[];
  let edits: Array<EventPayload<'runbook.didChange'>>;

  beforeEach(async () => {
    dir = tempDir('runsheet-watch-');
    writeFiles(dir.path, { 'patch.md': PATCH, 'other.md': OTHER });
    app = open(dir.path);
    lists = [];
    edits = [];
    app.api.on('workspace.didChange', (change) => lists.push(change));
    app.api.on('runbook.didChange', (change) => edits.push(change));
    // The UI's first look starts the watch.
    await app.api.call('workspace.list', {});
  });

  afterEach(() => {
    app.core.dispose();
    dir.cleanup();
  });

  const ids = (change: ListChange) => change.runbooks.map((r) => r.id).sort();
  const lastList = (what: string, check: (change: ListChange) => boolean) =>
    waitFor(what, () => {
      const change = lists[lists.length - 1];
      return change && check(change) ? change : null;
    });
  /** Lets the watcher's quiet time and its second look for deleted files pass. */
  const quiet = () => new Promise((r) => setTimeout(r, 700));

  it('a new runbook is listed, in a new folder too; a deleted one is not', async () => {
    writeFileSync(join(dir.path, 'new.md'), '# New one\n\n- [ ] First\n');
    const added = await lastList('new.md', (c) => c.added.includes('new.md'));
    expect(ids(added)).toEqual(['new.md', 'other.md', 'patch.md']);
    expect(added.runbooks.find((r) => r.id === 'new.md')).toMatchObject({
      title: 'New one',
      checks: 1,
      error: null,
    });

    mkdirSync(join(dir.path, 'db'));
    writeFileSync(join(dir.path, 'db', 'failover.md'), '# Failover\n');
    await lastList('db/failover.md', (c) => c.added.includes('db/failover.md'));
    // Written into the folder after it appeared: its watcher is there now.
    writeFileSync(join(dir.path, 'db', 'restore.md'), '# Restore\n');
    await lastList('db/restore.md', (c) => c.added.includes('db/restore.md'));

    rmSync(join(dir.path, 'other.md'));
    const removed = await lastList('other.md gone', (c) => c.removed.length > 0);
    expect(removed.removed).toEqual([{ id: 'other.md', renamedTo: null }]);
    expect(ids(removed)).toEqual(['db/failover.md', 'db/restore.md', 'new.md', 'patch.md']);
    // The same list for anyone who asks now.
    expect((await app.api.call('workspace.list', {})).map((r) => r.id).sort()).toEqual(
      ids(removed),
    );
    // Files the scan does not call runbooks wake nothing up.
    const before = lists.length;
    writeFileSync(join(dir.path, 'README.md'), '# Read me\n');
    writeFileSync(join(dir.path, '.patch.md.swp'), 'swap');
    writeFileSync(join(dir.path, 'notes.txt'), 'notes');
    writeFileSync(join(dir.path, 'new.md~'), 'a backup');
    mkdirSync(join(dir.path, 'data', 'journals'), { recursive: true });
    for (let i = 0; i < 20; i++)
      writeFileSync(join(dir.path, 'data', 'journals', `run${i}.jsonl`), `{"seq":${i}}\n`);
    await quiet();
    expect(lists.length).toBe(before);
  });

  it('a workspace folder removed and put back is followed again', async () => {
    const saved = `${dir.path}-moved`;
    renameSync(dir.path, saved);
    const empty = await lastList('everything gone', (c) => c.runbooks.length === 0);
    expect(empty.removed.map((r) => r.id).sort()).toEqual(['other.md', 'patch.md']);
    renameSync(saved, dir.path);
    const back = await lastList('everything back', (c) => c.runbooks.length === 2);
    expect(back.added.sort()).toEqual(['other.md', 'patch.md']);
    writeFileSync(join(dir.path, 'later.md'), '# Later\n');
    await lastList('later.md', (c) => c.added.includes('later.md'));
  });

  it('a rename is told as one, with the same text under the new name', async () => {
    renameSync(join(dir.path, 'patch.md'), join(dir.path, 'patched.md'));
    const change = await lastList('the rename', (c) => c.removed.length > 0);
    expect(change.removed).toEqual([{ id: 'patch.md', renamedTo: 'patched.md' }]);
    expect(change.added).toEqual(['patched.md']);
    // Moved and edited at once: a deletion and a new runbook.
    renameSync(join(dir.path, 'other.md'), join(dir.path, 'moved.md'));
    writeFileSync(join(dir.path, 'moved.md'), OTHER.replace('One thing', 'Two things'));
    const moved = await lastList('the move', (c) => c.removed.some((r) => r.id === 'other.md'));
    expect(moved.removed).toEqual([{ id: 'other.md', renamedTo: null }]);
    expect(moved.added).toEqual(['moved.md']);
  });

  it("an editor's save by rename is an edit, never a deletion", async () => {
    // Write a temporary file, then rename it over the runbook (VS Code, JetBrains, sed -i).
    writeFileSync(join(dir.path, '.patch.md.tmp'), PATCH.replace('6.1', '6.2'));
    renameSync(join(dir.path, '.patch.md.tmp'), join(dir.path, 'patch.md'));
    const edited = await waitFor('the edit', () => edits.find((e) => e.summary.id === 'patch.md'));
    expect(edited.runbook.steps[2]!.code).toContain('6.2');
    // Nobody runs it: nothing of it is kept in the data folder.
    expect(readTree(join(dir.path, '.data')).some((text) => text.includes('6.2'))).toBe(false);
    // Move the old file away, then write a new one in its place (vim without backupcopy).
    renameSync(join(dir.path, 'patch.md'), join(dir.path, 'patch.md~'));
    await new Promise((r) => setTimeout(r, 120));
    writeFileSync(join(dir.path, 'patch.md'), PATCH.replace('6.1', '6.3'));
    await waitFor('the second edit', () =>
      edits.find((e) => e.runbook.steps[2]?.code?.includes('6.3')),
    );
    await quiet();
    expect(lists.flatMap((c) => c.removed)).toEqual([]);
  });

  it('a burst of files is told in a few events, a broken one listed with its error', async () => {
    mkdirSync(join(dir.path, 'many'));
    for (let i = 0; i < 40; i++)
      writeFileSync(join(dir.path, 'many', `r${i}.md`), `# Runbook ${i}\n\n- [ ] Step ${i}\n`);
    writeFileSync(join(dir.path, 'many', 'latin1.md'), Buffer.from('# Caf\xe9\n', 'latin1'));
    const change = await lastList('40 runbooks', (c) => c.runbooks.length === 43);
    // Debounced: one event per quiet time, not one per file (at least one per second of burst).
    expect(lists.length).toBeLessThan(10);
    expect(lists.flatMap((c) => c.added).sort()).toEqual(
      change.runbooks
        .map((r) => r.id)
        .filter((id) => id.startsWith('many/'))
        .sort(),
    );
    expect(change.runbooks.find((r) => r.id === 'many/latin1.md')!.error).toMatch(
      /latin1\.md:1: not UTF-8/,
    );

    // A runbook that breaks stays listed with why; fixed, it is an edit again.
    writeFileSync(join(dir.path, 'other.md'), Buffer.from('# Oth\xe9r\n', 'latin1'));
    const broken = await lastList('other.md broken', (c) =>
      Boolean(c.runbooks.find((r) => r.id === 'other.md')?.error),
    );
    expect(broken.removed).toEqual([]);
    expect(broken.runbooks.find((r) => r.id === 'other.md')!.error).toMatch(
      /other\.md:1: not UTF-8/,
    );
    writeFileSync(join(dir.path, 'other.md'), OTHER);
    await waitFor('other.md readable', () =>
      edits.find((e) => e.summary.id === 'other.md' && e.summary.error === null),
    );
    await lastList('other.md listed without error', (c) =>
      c.runbooks.some((r) => r.id === 'other.md' && r.error === null),
    );
    if (process.getuid?.() !== 0) {
      chmodSync(join(dir.path, 'other.md'), 0o000);
      writeFileSync(join(dir.path, 'touch.md'), '# Touch\n');
      const denied = await lastList('other.md unreadable', (c) =>
        Boolean(c.runbooks.find((r) => r.id === 'other.md')?.error),
      );
      expect(denied.runbooks.find((r) => r.id === 'other.md')!.error).toMatch(/EACCES/);
      chmodSync(join(dir.path, 'other.md'), 0o644);
    }
  });

  it('a runbook deleted during a run: the run goes on from its own record, and follows it back', async () => {
    const { api, latest } = app;
    const { runbook } = await api.call('runbook.open', { runbookId: 'patch.md' });
    const [drain, page, patch] = runbook.steps;
    const run = await api.call('run.start', { runbookId: 'patch.md' });
    await api.call('run.setChecked', { runId: run.id, stepId: drain!.id, checked: true });
    rmSync(join(dir.path, 'patch.md'));
    await lastList('patch.md gone', (c) => c.removed.some((r) => r.id === 'patch.md'));

    // Opened again (a reload of the page): the run's own copy, saying the file is gone.
    const opened = await api.call('runbook.open', { runbookId: 'patch.md' });
    expect(opened.deleted).toBe(true);
    expect(opened.runbook.steps.map((s) => s.id)).toEqual([drain!.id, page!.id, patch!.id]);
    expect(opened.activeRun!.steps[drain!.id]!.status).toBe('checked');
    // Ticks, skips, steps and the plan still work, all from the run's copy.
    await api.call('run.skip', { runId: run.id, stepId: page!.id, reason: 'nobody on call' });
    await api.call('run.execute', { runId: run.id, stepId: patch!.id });
    await waitFor('the step', () => latest()?.steps[patch!.id]?.status === 'passed');
    const plan = await api.call('run.plan', { runbookId: 'patch.md', runId: run.id });
    expect(plan.steps.map((s) => s.stepId)).toContain(patch!.id);

    // Restored: the file opens again, and the run goes on as it was.
    writeFileSync(join(dir.path, 'patch.md'), PATCH);
    await lastList('patch.md back', (c) => c.added.includes('patch.md'));
    const back = await api.call('runbook.open', { runbookId: 'patch.md' });
    expect(back.deleted).toBe(false);
    expect(back.activeRun!.id).toBe(run.id);

    rmSync(join(dir.path, 'patch.md'));
    await lastList('patch.md gone again', (c) => c.removed.some((r) => r.id === 'patch.md'));
    const done = await api.call('run.finish', { runId: run.id });
    expect(done).toMatchObject({ status: 'finished', done: 3, total: 3 });
    const log = readFileSync(done.logPath, 'utf8');
    expect(log).toContain('patched 6.1');
    expect(log).toContain('nobody on call');
    // Read back from its record: the real counts, whatever happened to the file.
    const past = await api.call('run.open', { runId: run.id });
    expect(past.change.status).toBe('missing');
    expect(past.state).toMatchObject({ done: 3, total: 3 });
    const [row] = await api.call('history.list', {});
    expect(row).toMatchObject({ runId: run.id, done: 3, status: 'finished' });
    // No run, no file: nothing to open.
    await expect(api.call('runbook.open', { runbookId: 'patch.md' })).rejects.toThrow(
      /runbook not found/,
    );
  });

  it('an interrupted run of a deleted runbook resumes, opens and finishes from its record', async () => {
    app.core.dispose();
    writeFiles(dir.path, { 'nightly.md': NIGHTLY });
    await interruptedRun({
      runbook: join(dir.path, 'nightly.md'),
      dataDir: join(dir.path, '.data'),
      logDir: join(dir.path, '.logs'),
      home: dir.path,
    });
    rmSync(join(dir.path, 'nightly.md'));
    app = open(dir.path);
    const { api } = app;
    const [row] = await api.call('history.list', { status: ['interrupted'] });
    const resumed = await api.call('run.resume', { runId: row!.runId });
    // What the window does after Resume: open the run's runbook.
    const opened = await api.call('runbook.open', { runbookId: resumed.runbookId });
    expect(opened).toMatchObject({ deleted: true, activeRun: { id: row!.runId } });
    expect(opened.runbook.title).toBe('Nightly copy');
    expect(opened.runbook.steps).toHaveLength(1);
    const done = await api.call('run.finish', { runId: row!.runId });
    expect(done).toMatchObject({ status: 'finished', total: 1 });
  });
});
