import { ApiError } from '../../shared/api/errors';
import type { Step, StepResult } from '../../shared/model';
import type { RedactionEngine } from '../redaction/engine';
import type { ManagedSession } from '../sessions/session-manager';
import type { LiveRun } from './live-run';
import {
  laneResult,
  notRun,
  stepResult,
  unreachable,
  type LaneResult,
  type LaneSignals,
} from './outcome';
import type { RunShells } from './run-shells';
import { StepCapture } from './step-capture';
import { commandFor, missingValues } from './step-command';

/** After a timeout's Ctrl-C, how long a step has to stop before its shell is killed. */
const KILL_GRACE_MS = 3000;

/** Hosts a fan-out step runs on at once, unless the step says `concurrency=N`. */
export const FAN_OUT_CONCURRENCY = 10;

export interface StepRunContext {
  live: LiveRun;
  shells: RunShells;
  redactor: RedactionEngine;
  /** Values for placeholders: what was filled in, secrets as they really are. */
  variables(): Record<string, string>;
  /** The hosts a step fans out to, or null when it runs in the run's own shell. */
  fanOutHosts(step: Step): string[] | null;
  /** The queue changed (the run state shows it). */
  changed(): void;
}

/** A host's part of a step once it ended: its result, its text and how long it ran. */
type LaneRun = LaneResult & { text: string; bytes: number; durationMs: number };

/** A host's part of a running step: how to stop it, and what stopping it did. */
interface Lane extends LaneSignals {
  interrupt(): void;
  kill(): void;
}

/**
 * Runs steps: one path for a step in the run's own shell and for one fanned out
 * to a group of hosts. Cancel (Ctrl-C, then kill), `timeout=` (per host: Ctrl-C,
 * then kill after a grace period), `confirm=`, missing values and the outcome
 * rules (outcome.ts) are the same for both; a cancelled fan-out stops on every
 * host, and hosts it had not reached are recorded as not run. "Run from here"
 * (`execute` with several steps) stops at the first step that did not pass,
 * unless that step says `continueOnError=true`.
 */
export class StepRunner {
  /** The running step's hosts, and whether it was cancelled. */
  private current: { lanes: Set<Lane>; cancelled: boolean } | null = null;
  private queue: Step[] = [];
  private sequence: Promise<void> | null = null;
  /** Cancel during a sequence stops the sequence too. */
  private stopped = false;
  private disposed = false;

  constructor(private readonly ctx: StepRunContext) {}

  /** A step is running, or a sequence is in progress. */
  get busy(): boolean {
    return this.current !== null || this.sequence !== null;
  }

  /** Steps of the sequence waiting after the running one. */
  get queued(): string[] {
    return this.queue.map((s) => s.id);
  }

  /**
   * Refuses, before anything runs, steps that are missing placeholder values or
   * that need a confirmation the user has not given; names them by line.
   */
  check(steps: Step[], confirmed: boolean): void {
    const first = steps[0]!;
    const variables = this.ctx.variables();
    const missing = [...new Set(steps.flatMap((s) => missingValues(s, variables)))];
    if (missing.length > 0)
      throw new ApiError(
        'invalid-input',
        `fill in ${missing.join(', ')} before running the step at line ${first.line}`,
      );
    const unconfirmed = steps.filter((s) => s.attrs.confirm);
    if (unconfirmed.length > 0 && !confirmed)
      throw new ApiError(
        'forbidden',
        `confirmation needed for the step${unconfirmed.length > 1 ? 's' : ''} at line ${unconfirmed.map((s) => s.line).join(', ')}`,
      );
  }

  /**
   * Runs `steps` in order. Resolves once the first has started; the rest follow
   * in the background. Rejects when the first could not start on any host (the
   * step's record says why, too).
   */
  async execute(steps: Step[]): Promise<void> {
    if (this.busy)
      throw new ApiError(
        'conflict',
        'another step is still running; wait for it or cancel it first',
      );
    this.stopped = false;
    this.queue = steps.slice(1);
    const first = steps[0]!;
    let started: { done: Promise<StepResult> };
    try {
      started = await this.start(first);
    } catch (error) {
      this.queue = [];
      this.ctx.changed();
      throw error;
    }
    if (this.queue.length === 0) return;
    this.sequence = this.follow(started.done, first).finally(() => {
      this.sequence = null;
      this.queue = [];
      this.ctx.changed();
    });
  }

  /** Ctrl-C to the running step on every host; with `force`, kill their shells. */
  cancel(force = false): void {
    const current = this.current;
    if (!current) {
      if (this.queue.length === 0) throw new ApiError('conflict', 'no step is running');
      this.stopped = true;
      return;
    }
    this.stopped = true;
    current.cancelled = true;
    for (const lane of current.lanes) {
      lane.cancelRequested = true;
      if (force) {
        lane.killed = true;
        lane.kill();
      } else {
        lane.interrupt();
      }
    }
  }

  dispose(): void {
    this.disposed = true;
    this.queue = [];
  }

  private async follow(done: Promise<StepResult>, previous: Step): Promise<void> {
    let result = await done;
    let last = previous;
    while (this.queue.length > 0 && !this.disposed) {
      if (this.stopped) return;
      if (result.status !== 'passed' && !last.attrs.continueOnError) return;
      if (this.ctx.live.state.status !== 'active') return;
      const step = this.queue.shift()!;
      this.ctx.changed();
      try {
        result = await (await this.start(step)).done;
      } catch {
        // It could not start anywhere; its record says why.
        result = this.ctx.live.state.steps[step.id]!;
      }
      last = step;
    }
  }

  /** Starts one step on its hosts; resolves with its result's promise once it has started. */
  private async start(step: Step): Promise<{ done: Promise<StepResult> }> {
    const { live, redactor } = this.ctx;
    const code = commandFor(step, this.ctx.variables());
    // The journal gets the command as written, secrets redacted; the shell gets it whole.
    const shown = await redactor.text(code);
    const hosts = this.ctx.fanOutHosts(step);
    const current = { lanes: new Set<Lane>(), cancelled: false };
    this.current = current;
    const startedAt = Date.now();
    let own: ManagedSession | null = null;
    if (hosts) {
      live.record(
        {
          type: 'step.started',
          stepId: step.id,
          host: hosts.join(', '),
          user: '',
          hostKey: null,
          code: shown,
        },
        { durable: true },
      );
    } else {
      // The run's own shell: connected (and its host key checked) before the step is recorded as started.
      try {
        own = this.ctx.shells.ownShell();
        await own.shell.ready();
      } catch (error) {
        own = null;
        return this.failedToStart(step, shown, error as Error);
      }
      if (!own.shell.alive)
        return this.failedToStart(
          step,
          shown,
          new Error(own.shell.session.failure ?? 'the shell exited before it was ready'),
        );
      const target = own.shell.session.target;
      live.record(
        {
          type: 'step.started',
          stepId: step.id,
          host: target.host,
          user: target.user,
          hostKey: target.hostKey ?? null,
          code: shown,
        },
        { durable: true },
      );
    }

    const runOn = async (host: string | null): Promise<LaneRun> => {
      const signals: LaneSignals = { cancelRequested: false, killed: false, timedOut: null };
      if (current.cancelled) return { ...notRun(signals), text: '', bytes: 0, durationMs: 0 };
      let session: ManagedSession;
      let running;
      try {
        session = host === null ? own! : this.ctx.shells.hostShell(host);
        running = await session.shell.run(code);
      } catch (error) {
        return { ...unreachable((error as Error).message), text: '', bytes: 0, durationMs: 0 };
      }
      const capture = new StepCapture((chunks) => {
        const record = live.journal.appendOutput(step.id, chunks, host ?? undefined);
        if (record) live.apply(record, { publish: false });
      }, redactor.stream());
      // Capture happens here, before the bytes are shown; the journal never waits on the UI.
      running.onDidOutput((chunk) => capture.push(chunk));
      const lane: Lane = {
        ...signals,
        interrupt: () => session.shell.interrupt(),
        kill: () => session.dispose(),
      };
      current.lanes.add(lane);
      if (current.cancelled) {
        lane.cancelRequested = true;
        lane.interrupt();
      }
      const timers: NodeJS.Timeout[] = [];
      if (step.attrs.timeout) {
        const timeout = step.attrs.timeout;
        timers.push(
          setTimeout(() => {
            lane.timedOut = timeout;
            lane.cancelRequested = true;
            lane.interrupt();
            timers.push(
              setTimeout(() => {
                lane.killed = true;
                lane.kill();
              }, KILL_GRACE_MS),
            );
          }, timeout),
        );
      }
      const outcome = await running.done;
      for (const timer of timers) clearTimeout(timer);
      current.lanes.delete(lane);
      const text = await capture.finish(session.shell.session.cols);
      const result = laneResult(outcome, lane, {
        lost: session.shell.session.connectionLost === true,
        failure: session.shell.session.failure,
      });
      return {
        ...result,
        text,
        bytes: capture.bytes,
        durationMs: outcome.endedAt - outcome.startedAt,
      };
    };

    const done = (async (): Promise<StepResult> => {
      const results: LaneRun[] = [];
      if (!hosts) {
        results.push(await runOn(null));
      } else {
        const queue = hosts.map((host, index) => ({ host, index }));
        const worker = async (): Promise<void> => {
          for (let next = queue.shift(); next; next = queue.shift()) {
            const began = Date.now();
            const result = await runOn(next.host);
            results[next.index] = result;
            const target = this.ctx.shells.hostTarget(next.host);
            live.record({
              type: 'step.host.finished',
              stepId: step.id,
              host: next.host,
              status: result.status,
              exitCode: result.exitCode,
              durationMs: Date.now() - began,
              user: result.status === 'unreachable' ? null : (target?.user ?? null),
              hostKey: target?.hostKey ?? null,
              detail: result.detail,
              bytes: result.bytes,
              text: result.text,
            });
          }
        };
        const concurrency = Math.min(step.attrs.concurrency ?? FAN_OUT_CONCURRENCY, hosts.length);
        await Promise.all(Array.from({ length: concurrency }, worker));
      }
      if (this.current === current) this.current = null;
      const fanOut = results.length > 1;
      const { status, exitCode, detail } = stepResult(results, {
        fanOut,
        timeout: step.attrs.timeout ?? null,
      });
      live.record(
        {
          type: 'step.finished',
          stepId: step.id,
          status,
          detail,
          exitCode,
          // In its own shell: from the command's start to its end mark; fanned out: the whole step.
          durationMs: hosts ? Date.now() - startedAt : results[0]!.durationMs,
          bytes: results.reduce((sum, r) => sum + r.bytes, 0),
          text: fanOut ? (detail ?? '') : (results[0]?.text ?? ''),
        },
        { durable: true },
      );
      return live.state.steps[step.id]!;
    })();
    return { done };
  }

  /** The step could not start in the run's own shell: recorded as failed, naming why, and refused. */
  private failedToStart(step: Step, shown: string, error: Error): never {
    const { live } = this.ctx;
    this.current = null;
    const target = this.ctx.shells.ownHost;
    live.record(
      {
        type: 'step.started',
        stepId: step.id,
        host: target ?? '',
        user: '',
        hostKey: null,
        code: shown,
      },
      { durable: false },
    );
    live.record(
      {
        type: 'step.finished',
        stepId: step.id,
        status: 'failed',
        detail: error.message,
        exitCode: null,
        durationMs: 0,
        bytes: 0,
        text: '',
      },
      { durable: true },
    );
    throw new ApiError('invalid-input', error.message);
  }
}
