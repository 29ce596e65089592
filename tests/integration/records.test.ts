import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/core/journal/reader';
import { coreOn } from '../helpers/harness';
import { expectReportAddsUp, logHeader } from '../helpers/log';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

const RESTORE = [
  '# Restore the database',
  '',
  '```bash {name=fetch}',
  'sleep 0.3; echo "backup fetched"',
  '```',
  '',
  '```bash {name=restore}',
  'echo "restoring"; exit 4',
  '```',
  '',
  '- [ ] Tell the team',
  '',
].join('\n');

describe('operator fields, rehearsals, history (real runs)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('keeps what the operator wrote, during and after the run, with the runbook commit', async () => {
    dir = tempDir('runsheet-fields-');
    writeFiles(dir.path, { 'restore.md': RESTORE });
    const git = (...args: string[]) =>
      spawnSync('git', ['-C', dir.path, '-c', 'user.name=t', '-c', 'user.email=t@e', ...args], {
        encoding: 'utf8',
      });
    git('init', '-q');
    git('add', 'restore.md');
    git('commit', '-qm', 'runbook');
    const head = git('rev-parse', 'HEAD').stdout.trim();
    git('config', 'user.name', 'Runbook Owner');
    const { core, api } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'restore.md' });
      expect(run.runbookCommit).toBe(head);
      // Prefilled from git config where the runbook lives.
      expect(run.maintainer).toBe('Runbook Owner');
      await api.call('run.setFields', {
        runId: run.id,
        maintainer: 'Dana Ops',
        issues: 'Replica lag 40 s during the restore',
      });
      const finished = await api.call('run.finish', { runId: run.id });
      expect(finished.status).toBe('finished');
      const after = await api.call('run.setFields', {
        runId: run.id,
        nextActions: 'Open a ticket for the lag\nRe-run the restore check next week',
      });
      expect(after).toMatchObject({
        maintainer: 'Dana Ops',
        issues: 'Replica lag 40 s during the restore',
        status: 'finished',
      });
      const log = readFileSync(run.logPath, 'utf8');
      expect(log).toContain(`Runbook commit: ${head}`);
      expect(log).toContain('Maintainer: Dana Ops');
      expect(log).toContain('Issues: Replica lag 40 s during the restore');
      // Each line of a field typed over several lines stays inside its list item.
      expect(logHeader(log)['Next Actions']).toBe(
        'Open a ticket for the lag\nRe-run the restore check next week',
      );
      expect(readJournal(run.journalPath).errors).toEqual([]);
      const [listed] = await api.call('history.list', { query: 'dana lag' });
      expect(listed).toMatchObject({ runId: run.id, status: 'finished', maintainer: 'Dana Ops' });
      expect(await api.call('history.list', { query: 'nothing-like-this' })).toEqual([]);
    } finally {
      core.dispose();
    }
  });

  it('times a DR rehearsal against its RTO: per step, slowest, failures; in the log and its own document', async () => {
    dir = tempDir('runsheet-rehearsal-');
    writeFiles(dir.path, { 'restore.md': RESTORE });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', {
        runbookId: 'restore.md',
        rehearsal: { target: 'dr-staging', rtoMs: 60_000 },
      });
      const { runbook } = await api.call('runbook.open', { runbookId: 'restore.md' });
      const [fetch, restore, tell] = runbook.steps;
      await api.call('run.execute', { runId: run.id, stepId: fetch!.id, andFollowing: true });
      await waitFor('the restore to fail', () =>
        latest()?.steps[restore!.id]?.status === 'failed' ? true : null,
      );
      await api.call('run.skip', { runId: run.id, stepId: tell!.id, reason: 'rehearsal only' });
      await api.call('run.finish', { runId: run.id });
      const log = readFileSync(run.logPath, 'utf8');
      const report = readFileSync(run.logPath.replace(/\.md$/, '-rehearsal.md'), 'utf8');
      for (const text of [log, report]) {
        expect(text).toContain('DR rehearsal: Restore the database');
        expect(text).toContain('Target: dr-staging');
        expect(text).toContain('RTO: 1 min 0 s');
        expect(text).toMatch(/Total: \d\.\d+ s — within the RTO/);
        expect(text).toMatch(/\| 1 \| fetch \| passed \| 0\.[3-9]\d s \| 0\.\d%/);
        expect(text).toMatch(/Slowest steps\n\n- fetch: 0\.[3-9]\d s/);
        expect(text).toContain('- restore: failed (exit 4)');
        expect(text).toContain('- Tell the team: skipped — rehearsal only');
        // Every part of the run is a row: the steps, the time between them; they add up.
        const rows = expectReportAddsUp(text);
        expect(Object.keys(rows)).toEqual([
          'fetch',
          'restore',
          'Tell the team',
          'Between steps',
          'Total',
        ]);
      }
      expect(report.startsWith('# DR rehearsal')).toBe(true);
      const [listed] = await api.call('history.list', { query: 'restore' });
      expect(listed!.rehearsal).toEqual({ target: 'dr-staging', rtoMs: 60_000 });
      expect(existsSync(run.journalPath)).toBe(true);
    } finally {
      core.dispose();
    }
  });
});
