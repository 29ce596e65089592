import type { StepResult } from '../../shared/api/contract';
import type { JournalEntry, JournalRecord } from '../../shared/log/journal-records';
import type { Step } from '../../shared/runbook/types';
import type { ManagedSession } from '../sessions/session-manager';
import type { RedactionStream } from '../redaction/engine';
import { StepCapture } from './step-capture';

/** Hosts a fan-out step runs on at once, unless the caller says otherwise. */
export const FAN_OUT_CONCURRENCY = 10;

export interface FanOutContext {
  step: Step;
  code: string;
  hosts: string[];
  concurrency?: number;
  /** A redacting stream for one host's output. */
  redact?: () => RedactionStream;
  /** The host's shell in this run, connecting (or reconnecting) when needed. */
  session(host: string): ManagedSession;
  record(entry: JournalEntry): void;
  appendOutput(chunks: Uint8Array[], host: string): Promise<JournalRecord | null>;
}

type HostStatus = 'passed' | 'failed' | 'unreachable' | 'unknown';

/**
 * Runs one step on many hosts, at most `concurrency` at a time, each in its own
 * shell, output captured per host. Resolves with the step's overall result
 * fields: passed only when every host passed.
 */
export async function runFanOut(ctx: FanOutContext): Promise<
  Pick<StepResult, 'exitCode' | 'detail'> & {
    status: 'passed' | 'failed';
    text: string;
    bytes: number;
  }
> {
  const counts: Record<HostStatus, number> = { passed: 0, failed: 0, unreachable: 0, unknown: 0 };
  let firstFailure: number | null = null;
  let bytes = 0;
  /** The last host's text and detail: the step's own when it ran on one host. */
  let only = { text: '', detail: null as string | null };
  const queue = [...ctx.hosts];
  const worker = async (): Promise<void> => {
    for (let host = queue.shift(); host !== undefined; host = queue.shift()) {
      const started = Date.now();
      const session = ctx.session(host);
      let status: HostStatus;
      let exitCode: number | null = null;
      let detail: string | null = null;
      let text = '';
      let hostBytes = 0;
      try {
        const running = await session.shell.run(ctx.code);
        const capture = new StepCapture(
          (chunks) => ctx.appendOutput(chunks, host!),
          ctx.redact?.(),
        );
        running.onDidOutput((chunk) => capture.push(chunk));
        const outcome = await running.done;
        text = await capture.finish(session.shell.session.cols);
        hostBytes = capture.bytes;
        if (outcome.shellExited && session.shell.session.connectionLost) {
          status = 'unknown';
          detail = session.shell.session.failure;
        } else {
          exitCode = outcome.exitCode;
          status = exitCode === 0 && !outcome.shellExited ? 'passed' : 'failed';
        }
      } catch (error) {
        status = 'unreachable';
        detail = (error as Error).message;
      }
      counts[status] += 1;
      bytes += hostBytes;
      if (status !== 'passed' && firstFailure === null && exitCode !== null)
        firstFailure = exitCode;
      const target = session.shell.session.target;
      ctx.record({
        type: 'step.host.finished',
        stepId: ctx.step.id,
        host,
        status,
        exitCode,
        durationMs: Date.now() - started,
        user: status === 'unreachable' ? null : target.user,
        hostKey: target.hostKey ?? null,
        detail,
        bytes: hostBytes,
        text,
      });
      only = { text, detail };
    }
  };
  await Promise.all(
    Array.from(
      { length: Math.min(ctx.concurrency ?? FAN_OUT_CONCURRENCY, ctx.hosts.length) },
      worker,
    ),
  );
  const allPassed = counts.passed === ctx.hosts.length;
  if (ctx.hosts.length === 1) {
    // One host (a step moved there, or its `host` attribute): its output is the step's.
    return {
      status: allPassed ? 'passed' : 'failed',
      exitCode: allPassed ? 0 : firstFailure,
      detail: only.detail,
      text: only.text,
      bytes,
    };
  }
  const summary = `${ctx.hosts.length} hosts: ${counts.passed} passed, ${counts.failed} failed, ${counts.unreachable} unreachable${counts.unknown ? `, ${counts.unknown} unknown outcome` : ''}`;
  return {
    status: allPassed ? 'passed' : 'failed',
    exitCode: allPassed ? 0 : firstFailure,
    detail: summary,
    text: summary,
    bytes,
  };
}
