/**
 * How a step's result follows from what happened on each of its hosts: one set
 * of rules for a step in the run's own shell and for one fanned out to a group.
 * Pure, so the rules can be read and tested apart from shells and journals.
 */
import { formatDuration } from '../../shared/util/duration';
import type { FinishedStatus, HostStatus } from '../../shared/model';
import type { FailedCommand, StepOutcome } from '../sessions/integrated-shell';

/** What the step's control saw while it ran on a host. */
export interface LaneSignals {
  /** Cancel was asked for (the Cancel button, or a timeout). */
  cancelRequested: boolean;
  /** The shell was killed (Kill, or a timeout whose Ctrl-C did not stop the step). */
  killed: boolean;
  /** The timeout (ms) that stopped it, if one did. */
  timedOut: number | null;
}

/** One host's part of a step. */
export interface LaneResult {
  status: HostStatus;
  exitCode: number | null;
  detail: string | null;
  /** Commands of the step that failed on this host (lines of the step's code). */
  failed?: FailedCommand[];
}

/** A host whose shell could not be reached or started: the step did not run there. */
export function unreachable(reason: string): LaneResult {
  return { status: 'unreachable', exitCode: null, detail: reason };
}

/** A host the step never started on, because it was cancelled (or timed out) first. */
export function notRun(signals: LaneSignals): LaneResult {
  return {
    status: 'cancelled',
    exitCode: null,
    detail:
      signals.timedOut !== null
        ? 'not run: the step timed out first'
        : 'not run: the step was cancelled first',
  };
}

/** How a step ended on one host, from the shell's marks and what the control did. */
export function laneResult(
  outcome: StepOutcome,
  signals: LaneSignals,
  connection: { lost: boolean; failure: string | null },
  errexit = false,
): LaneResult {
  if (outcome.shellExited && connection.lost) {
    // Never re-run automatically: the step may have done its work before the line dropped.
    return {
      status: 'unknown',
      exitCode: null,
      detail: `${connection.failure ?? 'the connection was lost'}; whether the step finished is unknown — check the host before running it again`,
    };
  }
  let exitCode = signals.killed ? null : outcome.exitCode;
  const notes: string[] = [];
  const failed = outcome.failedCommands;
  let status: HostStatus = exitCode === 0 && !outcome.shellExited ? 'passed' : 'failed';
  // Under errexit a failing command fails the step, whatever the lines after it did.
  if (errexit && status === 'passed' && failed.length > 0) {
    status = 'failed';
    exitCode = failed[0]!.exitCode;
    notes.push(`errexit: line ${failed[0]!.line} of the step failed`);
  }
  if (!outcome.perCommand)
    notes.push(
      "only the step's last status is known: the shell has no ERR trap and the step does not parse, so its other commands could not be watched",
    );
  if (signals.timedOut !== null) {
    status = 'failed';
    notes.push(
      `timed out after ${formatDuration(signals.timedOut)}${signals.killed ? '; the shell was killed' : ''}`,
    );
  } else if (signals.cancelRequested) {
    status = 'cancelled';
    notes.push(signals.killed ? 'cancelled; the shell was killed' : 'cancelled with Ctrl-C');
  }
  if (outcome.forgedMarks > 0)
    notes.push(
      `ignored ${outcome.forgedMarks} shell-integration mark${outcome.forgedMarks === 1 ? '' : 's'} the output printed without this session's nonce (suspicious: output tried to end the step or set its exit code)`,
    );
  if (outcome.shellExited && !signals.killed)
    notes.push(
      `the step ended its shell (exit ${outcome.exitCode ?? '?'}); the next step starts a new shell in the same directory with the same exports`,
    );
  return {
    status,
    exitCode,
    detail: notes.length > 0 ? notes.join('; ') : null,
    ...(failed.length > 0 ? { failed } : {}),
  };
}

/** A host status as a step status (a step on one host takes its host's). */
const AS_STEP: Record<HostStatus, FinishedStatus> = {
  passed: 'passed',
  failed: 'failed',
  unreachable: 'failed',
  unknown: 'unknown',
  cancelled: 'cancelled',
  'not-run': 'cancelled',
};

/**
 * The step's result from its hosts' results, in host order. One host: its own.
 * Several: passed when every host passed; cancelled when it was cancelled (not
 * timed out) and none failed; unknown when the only other outcomes are unknown;
 * failed otherwise. The detail counts each outcome.
 */
export function stepResult(
  lanes: LaneResult[],
  options: { fanOut: boolean; timeout?: number | null },
): { status: FinishedStatus; exitCode: number | null; detail: string | null } {
  if (lanes.length === 0) return { status: 'failed', exitCode: null, detail: 'no host to run on' };
  if (!options.fanOut && lanes.length === 1) {
    const [only] = lanes;
    return { status: AS_STEP[only!.status], exitCode: only!.exitCode, detail: only!.detail };
  }
  const count = (s: HostStatus): number => lanes.filter((l) => l.status === s).length;
  const passed = count('passed');
  const failed = count('failed') + count('unreachable');
  const status: FinishedStatus =
    passed === lanes.length
      ? 'passed'
      : failed === 0 && count('cancelled') > 0
        ? 'cancelled'
        : failed === 0
          ? 'unknown'
          : 'failed';
  const firstFailure = lanes.find((l) => l.status !== 'passed' && l.exitCode !== null);
  const timedOut = lanes.filter((l) => l.detail?.startsWith('timed out')).length;
  const parts = [
    `${lanes.length} hosts: ${passed} passed, ${count('failed')} failed, ${count('unreachable')} unreachable`,
  ];
  if (count('unknown')) parts.push(`${count('unknown')} unknown outcome`);
  if (count('cancelled')) parts.push(`${count('cancelled')} cancelled`);
  if (count('not-run')) parts.push(`${count('not-run')} not run`);
  let detail = parts.join(', ');
  if (timedOut && options.timeout)
    detail += `; ${timedOut} timed out after ${formatDuration(options.timeout)}`;
  return {
    status,
    exitCode: status === 'passed' ? 0 : (firstFailure?.exitCode ?? null),
    detail,
  };
}
