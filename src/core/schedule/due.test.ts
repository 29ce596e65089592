import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../../shared/runbook/parse';
import { complete, dueItems, type FinishedRun, type ScopeProgress } from './due';

const DRILL = [
  '---',
  'cadence: quarterly',
  '---',
  '',
  '# Restore drill',
  '',
  '## Monthly Checks',
  '',
  '- [ ] Backups listed',
  '- [ ] Restore one table',
  '',
  '## Cleanup',
  '',
  '- [ ] Drop the scratch database',
  '',
].join('\n');

const runbook = parseRunbook(DRILL);
const monthly = runbook.sections.find((s) => s.title === 'Monthly Checks')!;
const p = (done: number, failed: number, total: number): ScopeProgress => ({ done, failed, total });
const run = (
  runId: string,
  endedAt: string,
  whole: ScopeProgress,
  sections: Record<string, ScopeProgress> = {},
  rehearsal = false,
): FinishedRun => ({
  runId,
  runbookId: 'drill.md',
  endedAt,
  rehearsal,
  progress: { whole, sections },
});
const NOW = new Date('2025-03-10T12:00:00Z');
const due = (runs: FinishedRun[]) =>
  dueItems([{ id: 'drill.md', runbook }], runs, NOW).map((d) => ({
    section: d.sectionTitle,
    status: d.status,
    lastRunId: d.lastRunId,
    partial: d.lastPartial && [d.lastPartial.runId, d.lastPartial.done, d.lastPartial.failed],
  }));

describe('the cadence rule: only a run that did every step counts', () => {
  it('a scope is complete when every step of it is done, not when some are', () => {
    expect(complete(p(3, 0, 3))).toBe(true);
    expect(complete(p(2, 1, 3))).toBe(false);
    expect(complete(p(2, 0, 3))).toBe(false);
    expect(complete(undefined)).toBe(false);
  });

  it('a rehearsal that did part of the runbook with a failure does not make it up to date, and is named', () => {
    const partial = run(
      'rehearsal-1',
      '2025-03-09T10:00:00.000Z',
      p(1, 1, 3),
      {
        [monthly.id]: p(1, 1, 2),
      },
      true,
    );
    expect(due([partial])).toEqual([
      { section: null, status: 'never', lastRunId: null, partial: ['rehearsal-1', 1, 1] },
      {
        section: 'Monthly Checks',
        status: 'never',
        lastRunId: null,
        partial: ['rehearsal-1', 1, 1],
      },
    ]);
    expect(dueItems([{ id: 'drill.md', runbook }], [partial], NOW)[0]!.lastPartial).toEqual({
      runId: 'rehearsal-1',
      endedAt: '2025-03-09T10:00:00.000Z',
      done: 1,
      failed: 1,
      total: 3,
      rehearsal: true,
    });
  });

  it('the last complete run sets the date; a later partial one is shown beside it, an earlier one is not', () => {
    const old = run('partial-0', '2024-12-01T10:00:00.000Z', p(1, 0, 3), {
      [monthly.id]: p(1, 0, 2),
    });
    const full = run('full-1', '2025-01-05T10:00:00.000Z', p(3, 0, 3), {
      [monthly.id]: p(2, 0, 2),
    });
    expect(due([old, full])).toEqual([
      { section: 'Monthly Checks', status: 'overdue', lastRunId: 'full-1', partial: null },
      { section: null, status: 'ok', lastRunId: 'full-1', partial: null },
    ]);
    // The monthly section done on its own later: it is up to date, the runbook is not.
    const checks = run('checks-2', '2025-03-01T10:00:00.000Z', p(2, 0, 3), {
      [monthly.id]: p(2, 0, 2),
    });
    expect(due([old, full, checks])).toEqual([
      { section: 'Monthly Checks', status: 'ok', lastRunId: 'checks-2', partial: null },
      { section: null, status: 'ok', lastRunId: 'full-1', partial: ['checks-2', 2, 0] },
    ]);
  });

  it('a run that did nothing of a section neither counts nor shows as partial there', () => {
    const cleanupOnly = run('cleanup-1', '2025-03-09T10:00:00.000Z', p(1, 0, 3));
    expect(due([cleanupOnly])).toEqual([
      { section: null, status: 'never', lastRunId: null, partial: ['cleanup-1', 1, 0] },
      { section: 'Monthly Checks', status: 'never', lastRunId: null, partial: null },
    ]);
  });
});
