import { describe, expect, it } from 'vitest';
import { laneResult, notRun, stepResult, unreachable } from './outcome';

const ok = {
  exitCode: 0,
  shellExited: false,
  startedAt: 0,
  endedAt: 5,
  forgedMarks: 0,
  failedCommands: [],
  perCommand: true,
};
const calm = { cancelRequested: false, killed: false, timedOut: null };
const connected = { lost: false, failure: null };

describe('step outcomes: one set of rules for one shell and for many hosts', () => {
  it('reads a host lane from its exit code, what the control did, and the connection', () => {
    expect(laneResult(ok, calm, connected)).toEqual({
      status: 'passed',
      exitCode: 0,
      detail: null,
    });
    expect(laneResult({ ...ok, exitCode: 2 }, calm, connected).status).toBe('failed');
    // Ctrl-C: cancelled, whatever the exit code says.
    expect(
      laneResult({ ...ok, exitCode: 130 }, { ...calm, cancelRequested: true }, connected),
    ).toEqual({ status: 'cancelled', exitCode: 130, detail: 'cancelled with Ctrl-C' });
    // A timeout fails the step even if the command then exits 0.
    expect(
      laneResult(ok, { cancelRequested: true, killed: false, timedOut: 1500 }, connected),
    ).toEqual({ status: 'failed', exitCode: 0, detail: 'timed out after 1.5 s' });
    expect(
      laneResult(
        { ...ok, exitCode: null, shellExited: true },
        { cancelRequested: true, killed: true, timedOut: 1000 },
        connected,
      ),
    ).toEqual({
      status: 'failed',
      exitCode: null,
      detail: 'timed out after 1.0 s; the shell was killed',
    });
    // `exit 3` in a step: failed, and the detail says a new shell follows.
    expect(laneResult({ ...ok, exitCode: 3, shellExited: true }, calm, connected)).toMatchObject({
      status: 'failed',
      exitCode: 3,
      detail: expect.stringMatching(/^the step ended its shell \(exit 3\)/),
    });
    // The line dropped: never a pass or a fail, and never re-run by itself.
    expect(
      laneResult({ ...ok, exitCode: null, shellExited: true }, calm, {
        lost: true,
        failure: 'web-1: connection reset',
      }),
    ).toMatchObject({
      status: 'unknown',
      exitCode: null,
      detail: expect.stringMatching(
        /^web-1: connection reset; whether the step finished is unknown/,
      ),
    });
  });

  it('a step on one host takes that host’s result; on many, counts them', () => {
    expect(stepResult([laneResult(ok, calm, connected)], { fanOut: false })).toEqual({
      status: 'passed',
      exitCode: 0,
      detail: null,
    });
    expect(stepResult([unreachable('web-9: connect ECONNREFUSED')], { fanOut: false })).toEqual({
      status: 'failed',
      exitCode: null,
      detail: 'web-9: connect ECONNREFUSED',
    });
    const passed = laneResult(ok, calm, connected);
    const failed = laneResult({ ...ok, exitCode: 7 }, calm, connected);
    expect(stepResult([passed, failed, unreachable('x')], { fanOut: true })).toEqual({
      status: 'failed',
      exitCode: 7,
      detail: '3 hosts: 1 passed, 1 failed, 1 unreachable',
    });
    expect(stepResult([passed, passed], { fanOut: true })).toMatchObject({
      status: 'passed',
      exitCode: 0,
    });
    // Cancelled on some hosts, not reached on others, none failed: cancelled.
    const signals = { cancelRequested: true, killed: false, timedOut: null };
    const cancelled = laneResult({ ...ok, exitCode: 130 }, signals, connected);
    expect(stepResult([passed, cancelled, notRun(signals)], { fanOut: true })).toEqual({
      status: 'cancelled',
      exitCode: 130,
      detail: '3 hosts: 1 passed, 0 failed, 0 unreachable, 2 cancelled',
    });
    // Lost connections and passes only: unknown, not failed.
    const lost = laneResult({ ...ok, exitCode: null, shellExited: true }, calm, {
      lost: true,
      failure: null,
    });
    expect(stepResult([passed, lost], { fanOut: true }).status).toBe('unknown');
    // Timeouts are counted in the detail.
    const late = laneResult(
      { ...ok, exitCode: 130 },
      { cancelRequested: true, killed: false, timedOut: 1000 },
      connected,
    );
    expect(stepResult([late, late, passed], { fanOut: true, timeout: 1000 })).toEqual({
      status: 'failed',
      exitCode: 130,
      detail: '3 hosts: 1 passed, 2 failed, 0 unreachable; 2 timed out after 1.0 s',
    });
  });

  it('keeps the failing commands of a step that passed; under errexit the first one fails it', () => {
    const failedCommands = [
      { line: 2, exitCode: 1 },
      { line: 4, exitCode: 127 },
    ];
    expect(laneResult({ ...ok, failedCommands }, calm, connected)).toEqual({
      status: 'passed',
      exitCode: 0,
      detail: null,
      failed: failedCommands,
    });
    expect(laneResult({ ...ok, failedCommands }, calm, connected, true)).toEqual({
      status: 'failed',
      exitCode: 1,
      detail: 'errexit: line 2 of the step failed',
      failed: failedCommands,
    });
    // errexit with nothing failing passes as before; a shell that could not watch each command says so.
    expect(laneResult(ok, calm, connected, true).status).toBe('passed');
    expect(laneResult({ ...ok, perCommand: false }, calm, connected).detail).toMatch(
      /only the step's last status is known/,
    );
  });
});
