import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseRunbook } from '../../src/shared/runbook/parse';
import { dueItems } from '../../src/core/schedule/due';
import { finishedRuns } from '../../src/core/runs/run-records';
import { coreOn } from '../helpers/harness';
import { tempDir, writeFiles } from '../helpers/temp';

const CLI = join(__dirname, '../../bin/runsheet.js');
const OPS = [
  '---',
  'cadence: monthly',
  '---',
  '',
  '# Platform care',
  '',
  '## Daily Checks',
  '',
  '- [ ] Dashboards green',
  '',
  '## Weekly Review',
  '',
  '- [ ] Read the error budget',
  '- [ ] Rotate on-call notes',
  '',
].join('\n');

describe('due dates from cadences and finished runs', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('lists the runbook and each cadence section: done today, never done, overdue by the calendar', async () => {
    dir = tempDir('runsheet-due-');
    writeFiles(dir.path, { 'ops.md': OPS });
    const { core, api } = coreOn(dir.path);
    try {
      expect((await api.call('due.list', {})).map((d) => [d.sectionTitle, d.status])).toEqual([
        [null, 'never'],
        ['Daily Checks', 'never'],
        ['Weekly Review', 'never'],
      ]);
      // A run that does the daily check only.
      const run = await api.call('run.start', { runbookId: 'ops.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'ops.md' });
      await api.call('run.setChecked', {
        runId: run.id,
        stepId: runbook.steps[0]!.id,
        checked: true,
      });
      await api.call('run.finish', { runId: run.id });
      const due = await api.call('due.list', {});
      // The run did 1 of the runbook's 3 steps: it counts for the daily section only.
      expect(due.map((d) => [d.sectionTitle, d.cadence, d.status])).toEqual([
        [null, 'monthly', 'never'],
        ['Weekly Review', 'weekly', 'never'],
        ['Daily Checks', 'daily', 'ok'],
      ]);
      expect(due[0]!.lastPartial).toMatchObject({ runId: run.id, done: 1, failed: 0, total: 3 });
      expect(due[1]!.lastPartial).toBeNull();
      const daily = due.find((d) => d.sectionTitle === 'Daily Checks')!;
      expect(daily.lastRunId).toBe(run.id);
      expect(Date.parse(daily.dueAt!) - Date.parse(daily.lastDoneAt!)).toBeGreaterThanOrEqual(
        23 * 3600_000,
      );

      // The same records seen from later dates.
      const runs = finishedRuns(join(dir.path, '.data', 'journals'));
      const parsed = { id: 'ops.md', runbook: parseRunbook(OPS) };
      const at = (days: number) =>
        dueItems([parsed], runs, new Date(Date.now() + days * 86_400_000)).map((d) => [
          d.sectionTitle,
          d.status,
        ]);
      expect(at(2)).toEqual([
        ['Daily Checks', 'overdue'],
        [null, 'never'],
        ['Weekly Review', 'never'],
      ]);

      // A run that does every step makes the runbook up to date as well.
      const full = await api.call('run.start', { runbookId: 'ops.md' });
      for (const step of runbook.steps)
        await api.call('run.setChecked', { runId: full.id, stepId: step.id, checked: true });
      await api.call('run.finish', { runId: full.id });
      const after = await api.call('due.list', {});
      expect(after.map((d) => [d.sectionTitle, d.status, d.lastRunId, d.lastPartial])).toEqual([
        ['Daily Checks', 'ok', full.id, null],
        ['Weekly Review', 'ok', full.id, null],
        [null, 'ok', full.id, null],
      ]);
      const later = finishedRuns(join(dir.path, '.data', 'journals'));
      expect(
        dueItems([parsed], later, new Date(Date.now() + 40 * 86_400_000)).map((d) => [
          d.sectionTitle,
          d.status,
        ]),
      ).toEqual([
        ['Daily Checks', 'overdue'],
        ['Weekly Review', 'overdue'],
        [null, 'overdue'],
      ]);

      // The CLI says the same.
      const cli = spawnSync(
        process.execPath,
        [CLI, 'due', '--workspace', dir.path, '--data-dir', join(dir.path, '.data')],
        { encoding: 'utf8' },
      );
      expect(cli.status).toBe(0);
      expect(cli.stdout).toMatch(/ok\s+weekly\s+Platform care › Weekly Review/);
      expect(cli.stdout).toMatch(/ok\s+daily\s+Platform care › Daily Checks/);
    } finally {
      core.dispose();
    }
  });
});
