import { describe, expect, it } from 'vitest';
import { renderRehearsalReport } from '../../src/shared/log/rehearsal';
import { applyRecord } from '../../src/shared/log/run-reducer';
import { expectReportAddsUp } from '../helpers/log';
import {
  runTimes,
  timeSplitText,
  type JournalEntry,
  type JournalRecord,
  type RunState,
} from '../../src/shared/model';
import { parseRunbookFile } from '../../src/shared/runbook/parse';
import {
  apportion,
  durationChange,
  formatDurationAt,
  formatParts,
} from '../../src/shared/util/duration';

const runbook = parseRunbookFile(
  [
    '# Fail over',
    '',
    '- [ ] Tell the team',
    '',
    '```bash {name=stop}',
    'echo stop',
    '```',
    '',
    '```bash {name=promote hosts=db-1,db-2,db-3}',
    'echo promote',
    '```',
    '',
    '```bash {name=check}',
    'echo check',
    '```',
    '',
  ].join('\n'),
  'failover.md',
);
const [tell, stop, promote, check] = runbook.steps.map((s) => s.id);
const T0 = Date.parse('2026-01-05T09:00:00.000Z');

/** Journal entries at given seconds after T0, folded by the shared reducer as the core folds them. */
function fold(entries: Array<[seconds: number, entry: JournalEntry]>): RunState {
  let state: RunState | null = null;
  const all: Array<[number, JournalEntry]> = [
    [
      0,
      {
        type: 'run.started',
        runId: '20260105-090000-abcd1234',
        runbookId: 'failover.md',
        runbookTitle: 'Fail over',
        runbookPath: '/ws/failover.md',
        maintainer: 'Dana',
        host: 'ops-1',
        environment: 'dr',
        rehearsal: { target: 'dr-site', rtoMs: 600_000 },
        logPath: '/logs/failover.md',
      },
    ],
    ...entries,
  ];
  all.forEach(([seconds, entry], i) => {
    const record = {
      ...entry,
      seq: i + 1,
      ts: new Date(T0 + Math.round(seconds * 1000)).toISOString(),
      prev: '',
      hash: '',
    } as JournalRecord;
    state = applyRecord(state, record, runbook, { journalPath: '/j.jsonl', sessionId: null });
  });
  return state!;
}

const started = (stepId: string, host = 'ops-1'): JournalEntry => ({
  type: 'step.started',
  stepId,
  host,
  user: 'ops',
  hostKey: null,
  code: 'x',
});
const finished = (stepId: string, durationMs: number, exitCode = 0): JournalEntry => ({
  type: 'step.finished',
  stepId,
  status: exitCode === 0 ? 'passed' : 'failed',
  detail: null,
  exitCode,
  durationMs,
  bytes: 0,
  text: '',
});
const hostFinished = (stepId: string, host: string, durationMs: number): JournalEntry => ({
  type: 'step.host.finished',
  stepId,
  host,
  status: 'passed',
  exitCode: 0,
  durationMs,
  user: 'ops',
  hostKey: null,
  detail: null,
  bytes: 0,
  text: '',
});
/** The recovery's record: the app stopped after the record at `lastSeconds`, with `stepId` running. */
const interrupted = (lastSeconds: number, stepId: string): JournalEntry => ({
  type: 'run.interrupted',
  lastActivityAt: new Date(T0 + Math.round(lastSeconds * 1000)).toISOString(),
  steps: [{ stepId, text: 'half' }],
});
const output = (stepId: string): JournalEntry => ({
  type: 'step.output',
  stepId,
  offset: 0,
  length: 3,
  sha256: 'x'.repeat(64),
});

describe('the split of a run’s time', () => {
  it('splits a finished walk into step time and the time between steps, adding up', () => {
    const run = fold([
      [20, { type: 'step.checked', stepId: tell!, checked: true, note: null }],
      [30, started(stop!)],
      [32, finished(stop!, 1900)],
      [50, started(check!)],
      [53, finished(check!, 2900)],
      [72, { type: 'run.finished' }],
    ]);
    const times = runTimes(run, T0 + 999_000);
    expect(times).toEqual({
      totalMs: 72_000,
      stepMs: 5000,
      betweenMs: 67_000,
      interruptedMs: 0,
      perStep: { [stop!]: 2000, [check!]: 3000 },
      runs: { [stop!]: 1, [check!]: 1 },
    });
    // Fields edited a day later change nothing.
    const later = applyRecord(
      run,
      {
        type: 'run.fields',
        issues: 'none',
        seq: 99,
        ts: new Date(T0 + 86_400_000).toISOString(),
        prev: '',
        hash: '',
      },
      runbook,
      { journalPath: '/j.jsonl', sessionId: null },
    );
    expect(runTimes(later)).toEqual(times);
  });

  it('counts a fan-out once, however many hosts ran it at the same time', () => {
    const run = fold([
      [10, started(promote!, 'db-1, db-2, db-3')],
      [40, hostFinished(promote!, 'db-2', 28_000)],
      [41, hostFinished(promote!, 'db-1', 30_500)],
      [42, hostFinished(promote!, 'db-3', 31_000)],
      [42, finished(promote!, 32_000)],
      [60, { type: 'run.finished' }],
    ]);
    const times = runTimes(run);
    // Not 89.5 s (the hosts' durations summed): the 32 s the step was running.
    expect(times.stepMs).toBe(32_000);
    expect(times.perStep).toEqual({ [promote!]: 32_000 });
    expect(times.betweenMs).toBe(28_000);
  });

  it('leaves no gap and counts nothing twice in a Run from here sequence', () => {
    const run = fold([
      [5, started(stop!)],
      [8, finished(stop!, 2900)],
      [8, started(promote!, 'db-1, db-2, db-3')],
      [12, finished(promote!, 4000)],
      [12, started(check!)],
      [13, finished(check!, 900)],
      [20, { type: 'run.finished' }],
    ]);
    const times = runTimes(run);
    expect(times.stepMs).toBe(8000);
    expect(times.betweenMs).toBe(12_000);
    expect(Object.values(times.perStep)).toEqual([3000, 4000, 1000]);
  });

  it('counts overlapping intervals once, each moment for the step that started first', () => {
    const run = fold([[100, { type: 'run.finished' }]]);
    const times = runTimes({
      ...run,
      timeline: {
        ...run.timeline,
        steps: [
          { stepId: 'a', start: T0 + 10_000, end: T0 + 50_000 },
          { stepId: 'c', start: T0 + 40_000, end: T0 + 60_000 },
          { stepId: 'b', start: T0 + 20_000, end: T0 + 30_000 },
          // Outside the run (a clock that jumped): clipped to it.
          { stepId: 'd', start: T0 - 5000, end: T0 + 2000 },
        ],
      },
    });
    expect(times.stepMs).toBe(52_000);
    expect(times.perStep).toEqual({ a: 40_000, b: 0, c: 10_000, d: 2000 });
    expect(times.betweenMs).toBe(48_000);
  });

  it('counts both runs of a step run twice', () => {
    const run = fold([
      [10, started(check!)],
      [12, finished(check!, 2000, 1)],
      [30, started(check!)],
      [33, finished(check!, 3000)],
      [40, { type: 'run.finished' }],
    ]);
    const times = runTimes(run);
    expect(times.perStep).toEqual({ [check!]: 5000 });
    expect(times.runs).toEqual({ [check!]: 2 });
    expect(times.stepMs + times.betweenMs).toBe(40_000);
  });

  it('shows the time the app was not running as interrupted, and the parts still add up', () => {
    const run = fold([
      [10, started(stop!)],
      [15, output(stop!)],
      // Recovery at the next start: the last activity was the output at 15 s.
      [500, interrupted(15, stop!)],
      [600, { type: 'run.resumed', interruptedStepIds: [] }],
      [610, started(check!)],
      [620, finished(check!, 10_000)],
      [700, { type: 'run.finished' }],
    ]);
    const times = runTimes(run);
    expect(times).toMatchObject({
      totalMs: 700_000,
      // The stopped step ran until the last record (5 s), the check 10 s.
      stepMs: 15_000,
      interruptedMs: 585_000,
      betweenMs: 100_000,
    });
    expect(times.stepMs + times.betweenMs + times.interruptedMs).toBe(times.totalMs);
    expect(timeSplitText(times)).toEqual({
      total: '11 min 40 s',
      steps: '15 s',
      between: '1 min 40 s',
      interrupted: '9 min 45 s',
    });
  });

  it('ends an interrupted run at its last activity: nothing counts as interrupted yet', () => {
    const run = fold([
      [10, started(stop!)],
      [15, output(stop!)],
      [500, interrupted(15, stop!)],
    ]);
    expect(runTimes(run, T0 + 900_000)).toMatchObject({
      totalMs: 15_000,
      stepMs: 5000,
      betweenMs: 10_000,
      interruptedMs: 0,
    });
  });

  it('takes a resume without a recovery record (older journals) as stopped at the last record', () => {
    const run = fold([
      [10, started(stop!)],
      [15, output(stop!)],
      [300, { type: 'run.resumed', interruptedStepIds: [stop!] }],
      [310, { type: 'run.finished' }],
    ]);
    expect(runTimes(run)).toMatchObject({
      totalMs: 310_000,
      stepMs: 5000,
      interruptedMs: 285_000,
      betweenMs: 20_000,
    });
  });

  it('runs an active run and its running step to now, never before the last record', () => {
    const run = fold([
      [10, started(stop!)],
      [25, output(stop!)],
    ]);
    expect(runTimes(run, T0 + 40_000)).toMatchObject({ totalMs: 40_000, stepMs: 30_000 });
    // A clock a little behind the core's: the total does not go back before the last record.
    expect(runTimes(run, T0 + 20_000)).toMatchObject({ totalMs: 25_000, stepMs: 15_000 });
  });
});

describe('the rehearsal report', () => {
  it('accounts for the whole run in rows that add up to its total, as printed', () => {
    // Times that do not round evenly: each part rounded alone would not add up.
    const run = fold([
      [3.337, { type: 'step.checked', stepId: tell!, checked: true, note: null }],
      [10.004, started(stop!)],
      [10.131, finished(stop!, 120)],
      [20.005, started(promote!, 'db-1, db-2, db-3')],
      [21.0, hostFinished(promote!, 'db-1', 900)],
      [21.5, hostFinished(promote!, 'db-2', 1400)],
      [22.006, finished(promote!, 2001)],
      [40.002, started(check!)],
      [40.009, output(check!)],
      [300, interrupted(40.009, check!)],
      [400.001, { type: 'run.resumed', interruptedStepIds: [] }],
      [410.003, started(check!)],
      [410.0045, finished(check!, 1)],
      [472.126, { type: 'run.finished' }],
    ]);
    const report = renderRehearsalReport(run, runbook);
    const rows = expectReportAddsUp(report);
    expect(rows).toEqual({
      'Tell the team': '—',
      stop: '0.13 s',
      promote: '2.00 s',
      check: '0.01 s',
      'Between steps': '1 min 50.00 s',
      'Interrupted (the app was not running)': '5 min 59.99 s',
      Total: '7 min 52.13 s',
    });
    expect(report).toContain('| 4 | check | passed (ran 2×) | 0.01 s |');
    expect(report).toContain(
      'Where it went: steps 2.14 s + between steps 1 min 50.00 s + interrupted 5 min 59.99 s = 7 min 52.13 s',
    );
    expect(report).toMatch(/^Total: 7 min 52.13 s — within the RTO$/m);
  });

  it('says it is still running, and still adds up, while the rehearsal goes on', () => {
    const run = fold([
      [5, started(stop!)],
      [6.5, finished(stop!, 1500)],
      [9.25, started(check!)],
    ]);
    const report = renderRehearsalReport(run, runbook);
    expect(report).toMatch(/^Total: .+ \(still running\) — (within|OVER) the RTO/m);
    expectReportAddsUp(report);
  });
});

describe('durations printed so that they add up', () => {
  it('rounds parts so that the rounded parts add up to the rounded whole', () => {
    expect(apportion([130, 71_870], 1000)).toEqual([0, 72_000]);
    expect(apportion([400, 400, 400], 1000)).toEqual([1000, 0, 0]);
    expect(apportion([1234, 5678, 9], 10)).toEqual([1230, 5680, 10]);
  });

  it('prints at a fixed resolution', () => {
    expect(formatDurationAt(130, 10)).toBe('0.13 s');
    expect(formatDurationAt(72_130, 10)).toBe('1 min 12.13 s');
    expect(formatDurationAt(3_723_450, 10)).toBe('1 h 2 min 3.45 s');
    expect(formatDurationAt(45_000, 1000)).toBe('45 s');
    expect(formatDurationAt(3_780_000, 60_000)).toBe('1 h 3 min');
  });

  it('prints the parts of 1 min 12 s with 0.13 s of steps as they add up', () => {
    expect(formatParts([130, 71_870])).toEqual({
      total: '1 min 12 s',
      parts: ['< 1 s', '1 min 12 s'],
    });
    expect(formatParts([130, 71_870], 10)).toEqual({
      total: '1 min 12.00 s',
      parts: ['0.13 s', '1 min 11.87 s'],
    });
  });
});

describe('the noise floor of a comparison', () => {
  it('takes differences under 1 s or under 20 % as the same', () => {
    // The filed case: 0.02 s → 0.10 s is not a red +300 %.
    expect(durationChange(100, 20)).toEqual({ kind: 'same', label: '≈' });
    expect(durationChange(1900, 1000)).toEqual({ kind: 'same', label: '≈' });
    expect(durationChange(11_000, 10_000)).toEqual({ kind: 'same', label: '≈' });
    expect(durationChange(300_000, 290_000)).toEqual({ kind: 'same', label: '≈' });
  });

  it('names a real change with its sign', () => {
    expect(durationChange(70_000, 40_000)).toEqual({ kind: 'slower', label: '+75 %' });
    expect(durationChange(20_000, 40_000)).toEqual({ kind: 'faster', label: '−50 %' });
    expect(durationChange(3000, 0)).toEqual({ kind: 'slower', label: '+3.0 s' });
    expect(durationChange(3000, null)).toEqual({ kind: 'none', label: '—' });
  });
});
