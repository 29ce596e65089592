import { ApiError } from '../../shared/api/errors';
import {
  blockedReason,
  planRollout,
  rolloutSpecOf,
  type FailedCommand,
  type Rollout,
  type Step,
  type StepResult,
} from '../../shared/model';
import { parseDurationMs } from '../../shared/runbook/info-string';
import type { RedactionEngine } from '../redaction/engine';
import type { ManagedSession } from '../sessions/session-manager';
import type { LiveRun } from './live-run';
import { laneResult, notRun, stepResult, unreachable, type LaneResult } from './outcome';
import type { RunShells } from './run-shells';
import { armTimeout, closeLane, openLane, type Current, type Lane } from './lanes';
import { StepCapture } from './step-capture';
import { checkSteps, commandFor } from './step-command';

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
  private current: Current | null = null;
  private queue: Step[] = [];
  private sequence: Promise<void> | null = null;
  /** Cancel during a sequence stops the sequence too. */
  private stopped = false;
  private disposed = false;

  constructor(private readonly ctx: StepRunContext) {}

  /** A step is running, or steps of a sequence wait to run. */
  get busy(): boolean {
    return this.current !== null || this.queue.length > 0;
  }

  /**
   * Steps of the sequence waiting after the running one. A step being started
   * (connecting, its command being redacted) is not running yet in the record, so it
   * counts as waiting: the state never says "nothing running, nothing queued" between
   * two steps of a sequence that goes on.
   */
  get queued(): string[] {
    const ids = this.queue.map((s) => s.id);
    const starting = this.current?.stepId;
    if (starting && this.ctx.live.state.runningStepId !== starting) ids.unshift(starting);
    return ids;
  }

  /** Refuses, before anything runs, steps missing values or an unconfirmed confirmation. */
  check(steps: Step[]): void {
    checkSteps(steps, this.ctx.variables());
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
    const sequence: Promise<void> = this.follow(started.done, first)
      .catch((error: unknown) => {
        // Nobody awaits a sequence: a failure ends it, never the process.
        console.error(`runsheet: Run from here stopped: ${(error as Error).message}`);
      })
      .finally(() => {
        if (this.sequence !== sequence) return;
        this.sequence = null;
        this.queue = [];
        this.ctx.changed();
      });
    this.sequence = sequence;
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
    current.waiting?.proceed(undefined);
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
    // A rollout waiting between batches would wait for ever: it stops, as if cancelled.
    if (this.current?.waiting) {
      this.current.cancelled = true;
      this.current.waiting.proceed(undefined);
    }
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

  /**
   * Starts one step on its hosts; resolves with its result's promise once it has
   * started. The step counts as running from the first line on, so nothing else
   * starts meanwhile and Cancel reaches it while it is still connecting.
   */
  private async start(step: Step): Promise<{ done: Promise<StepResult> }> {
    const current: Current = { stepId: step.id, lanes: new Set<Lane>(), cancelled: false };
    this.current = current;
    try {
      return await this.launch(step, current);
    } catch (error) {
      if (this.current === current) this.current = null;
      throw error;
    }
  }

  private async launch(step: Step, current: Current): Promise<{ done: Promise<StepResult> }> {
    // Checked again here, for a step of a sequence whose runbook was edited meanwhile:
    // nothing is recorded, and the sequence stops before it.
    const blocked = blockedReason(step);
    if (blocked) throw new ApiError('invalid-input', blocked);
    const { live, redactor } = this.ctx;
    const code = commandFor(step, this.ctx.variables());
    // The journal gets the command as written, secrets redacted; the shell gets it whole.
    const shown = await redactor.text(code);
    const hosts = this.ctx.fanOutHosts(step);
    const startedAt = Date.now();
    const timeout = step.attrs.timeout ?? null;
    const errexit = step.attrs.errexit ?? live.runbook.frontmatter.errexit === true;
    const failedOf = (lane: LaneResult): FailedCommand[] =>
      failedCommandsOf(step, shown, lane, Boolean(step.attrs.interpreter));
    const rollout = hosts
      ? planRollout(hosts, rolloutSpecOf(step.attrs, live.runbook.frontmatter, parseDurationMs))
      : null;
    let own: ManagedSession | null = null;
    if (hosts?.length === 0)
      return this.failedToStart(
        step,
        shown,
        current,
        new Error('its hosts name no host of the inventory'),
      );
    if (hosts) {
      live.record(
        {
          type: 'step.started',
          stepId: step.id,
          host: hosts.join(', '),
          user: '',
          hostKey: null,
          code: shown,
          ...(rollout ? { rollout } : {}),
        },
        { durable: true },
      );
    } else {
      // The run's own shell: connected (and its host key checked) before the step is recorded as
      // started. Cancel while it connects closes the connection attempt.
      let waiting: Lane | null = null;
      try {
        own = this.ctx.shells.ownShell();
        waiting = openLane(current, own, () => false);
        await own.shell.readyWithin();
      } catch (error) {
        return this.failedToStart(step, shown, current, error as Error);
      } finally {
        if (waiting) closeLane(current, waiting);
      }
      if (!own.shell.alive)
        return this.failedToStart(
          step,
          shown,
          current,
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
      if (current.cancelled)
        return {
          ...notRun({ cancelRequested: true, killed: false, timedOut: null }),
          text: '',
          bytes: 0,
          durationMs: 0,
        };
      let session: ManagedSession;
      try {
        session = host === null ? own! : this.ctx.shells.hostShell(host);
      } catch (error) {
        return { ...unreachable((error as Error).message), text: '', bytes: 0, durationMs: 0 };
      }
      let started = false;
      // Until the command runs (connecting, waiting for the prompt) stopping it closes the shell.
      const lane = openLane(current, session, () => started);
      try {
        let running;
        try {
          running = await session.shell.run(code, { errexit });
        } catch (error) {
          const stopped = lane.cancelRequested;
          return {
            ...(stopped ? notRun(lane) : unreachable((error as Error).message)),
            text: '',
            bytes: 0,
            durationMs: 0,
          };
        }
        started = true;
        armTimeout(lane, timeout);
        // Cancelled while the step was being typed: stop it now.
        if (lane.cancelRequested && !lane.killed) session.shell.interrupt();
        const capture = new StepCapture(
          (chunks) => live.output(step.id, chunks, host ?? undefined),
          redactor.stream(),
        );
        // Capture happens here, before the bytes are shown; the journal never waits on the UI.
        running.onDidOutput((chunk) => capture.push(chunk));
        const outcome = await running.done;
        const text = await capture.finish(session.shell.session.cols);
        const result = laneResult(
          outcome,
          lane,
          {
            lost: session.shell.session.connectionLost === true,
            failure: session.shell.session.failure,
          },
          errexit,
        );
        return {
          ...result,
          text,
          bytes: capture.bytes,
          durationMs: outcome.endedAt - outcome.startedAt,
        };
      } finally {
        closeLane(current, lane);
      }
    };

    const run = async (): Promise<StepResult> => {
      const results: LaneRun[] = [];
      if (!hosts) {
        results.push(await runOn(null));
      } else {
        const index = new Map(hosts.map((host, i) => [host, i]));
        const finished = (host: string, result: LaneRun, began: number): void => {
          results[index.get(host)!] = result;
          const target = this.ctx.shells.hostTarget(host);
          live.record({
            type: 'step.host.finished',
            stepId: step.id,
            host,
            status: result.status,
            exitCode: result.exitCode,
            durationMs: Date.now() - began,
            user:
              result.status === 'unreachable' || result.status === 'not-run'
                ? null
                : (target?.user ?? null),
            hostKey: result.status === 'not-run' ? null : (target?.hostKey ?? null),
            detail: result.detail,
            bytes: result.bytes,
            text: result.text,
            failedCommands: failedOf(result),
          });
        };
        // Within a batch the step's concurrency applies; a batch ends before the next starts.
        const runBatch = async (batch: string[]): Promise<void> => {
          const queue = batch.slice();
          const worker = async (): Promise<void> => {
            for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
              const began = Date.now();
              finished(next, await runOn(next), began);
            }
          };
          const concurrency = Math.min(step.attrs.concurrency ?? FAN_OUT_CONCURRENCY, batch.length);
          await Promise.all(Array.from({ length: concurrency }, worker));
        };
        if (!rollout) await runBatch(hosts);
        else await this.rollOut(step, rollout, current, runBatch, results, finished);
      }
      const fanOut = results.length > 1;
      const { status, exitCode, detail } = stepResult(results, { fanOut, timeout });
      // Not running any more once its end is recorded: whoever sees the end may act on it.
      if (this.current === current) this.current = null;
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
          // A fan-out's failing commands are each host's (step.host.finished).
          failedCommands: !fanOut && results[0] ? failedOf(results[0]) : [],
        },
        { durable: true },
      );
      return live.state.steps[step.id]!;
    };
    // Never rejects: a failure to record (a full disk, say) ends this step, not the process.
    const done = run()
      .catch((error: unknown): StepResult => {
        console.error(
          `runsheet: step at line ${step.line} of run ${live.state.id}: ${(error as Error).message}`,
        );
        return live.state.steps[step.id]!;
      })
      .finally(() => {
        if (this.current === current) this.current = null;
        this.ctx.changed();
      });
    return { done };
  }

  /**
   * Runs a fan-out batch after batch. Before each batch after the first: the failure limit
   * (more failed or unreachable hosts than `maxFail` stop the step, and every host not
   * started is recorded as not run, with why), then the pause (a wait, or the operator's
   * go-ahead). Cancel during a pause ends it; the hosts left are recorded as cancelled
   * before they started, as they are for any cancelled fan-out.
   */
  private async rollOut(
    step: Step,
    rollout: Rollout,
    current: Current,
    runBatch: (batch: string[]) => Promise<void>,
    results: LaneResult[],
    finished: (host: string, result: LaneRun, began: number) => void,
  ): Promise<void> {
    const { live } = this.ctx;
    const total = rollout.batches.reduce((n, b) => n + b.length, 0);
    for (const [i, batch] of rollout.batches.entries()) {
      if (i > 0 && rollout.maxFail !== null) {
        const failed = results.filter(
          (r) => r && (r.status === 'failed' || r.status === 'unreachable'),
        ).length;
        if (failed > rollout.maxFail) {
          const rest = rollout.batches.slice(i).flat();
          const reason = `${failed} of ${total} hosts failed, more than maxFail=${rollout.maxFailSpec} allows (${rollout.maxFail}); stopped after batch ${i} of ${rollout.batches.length}`;
          live.record(
            { type: 'step.batch', stepId: step.id, index: i, state: 'stopped', reason },
            { durable: true },
          );
          for (const host of rest)
            finished(
              host,
              {
                status: 'not-run',
                exitCode: null,
                detail: `not run: ${reason}`,
                text: '',
                bytes: 0,
                durationMs: 0,
              },
              Date.now(),
            );
          return;
        }
      }
      let by: string | undefined;
      if (i > 0 && rollout.pause !== null && !current.cancelled) {
        const ms = rollout.pause === 'ask' ? null : rollout.pause;
        const until = ms === null ? null : new Date(Date.now() + ms).toISOString();
        live.record(
          { type: 'step.batch', stepId: step.id, index: i, state: 'waiting', until },
          { durable: true },
        );
        this.ctx.changed();
        by = await this.pause(current, ms);
      }
      if (current.cancelled && i > 0) {
        live.record(
          {
            type: 'step.batch',
            stepId: step.id,
            index: i,
            state: 'stopped',
            reason: `cancelled before batch ${i + 1} of ${rollout.batches.length}`,
          },
          { durable: true },
        );
        // Each host left is recorded as cancelled before it started (runOn sees the cancel).
        await runBatch(rollout.batches.slice(i).flat());
        return;
      }
      live.record(
        { type: 'step.batch', stepId: step.id, index: i, state: 'running', ...(by ? { by } : {}) },
        { durable: true },
      );
      await runBatch(batch);
    }
  }

  /**
   * Waits between batches: `ms`, or (null) until `proceed` says go on. Cancel ends the wait.
   * Resolves with who said go on (an `ask`), else undefined.
   */
  private pause(current: Current, ms: number | null): Promise<string | undefined> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(() => done(undefined), ms);
      const done = (by: string | undefined): void => {
        if (timer) clearTimeout(timer);
        current.waiting = null;
        resolve(by);
      };
      current.waiting = { ask: ms === null, proceed: done };
    });
  }

  /** The operator's go-ahead for the next batch of the running step (`pauseBetween=ask`). */
  proceed(by: string): void {
    const waiting = this.current?.waiting;
    if (!waiting?.ask)
      throw new ApiError('conflict', 'no step is waiting for the go-ahead to its next batch');
    waiting.proceed(by);
  }

  /** The running step waits for the operator before its next batch: its id. */
  get asking(): string | null {
    return this.current?.waiting?.ask ? this.current.stepId : null;
  }

  /**
   * The step could not start in the run's own shell (or names no host): recorded,
   * naming why. Cancelled while connecting, it is recorded as cancelled; otherwise
   * it failed, and the caller is told why.
   */
  private failedToStart(
    step: Step,
    shown: string,
    current: Current,
    error: Error,
  ): { done: Promise<StepResult> } {
    const { live } = this.ctx;
    if (this.current === current) this.current = null;
    const cancelled = current.cancelled;
    live.record(
      {
        type: 'step.started',
        stepId: step.id,
        host: this.ctx.shells.ownHost ?? '',
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
        status: cancelled ? 'cancelled' : 'failed',
        detail: cancelled ? `cancelled before it started (${error.message})` : error.message,
        exitCode: null,
        durationMs: 0,
        bytes: 0,
        text: '',
      },
      { durable: true },
    );
    if (!cancelled) throw new ApiError('invalid-input', error.message);
    return { done: Promise.resolve(live.state.steps[step.id]!) };
  }
}

/** A failing command's line as the log shows it: one line, at most this long. */
const COMMAND_CHARS = 200;

/**
 * The failing commands a host reported (lines of the code the shell ran) as the record keeps
 * them: the line's text from the redacted code, and its line in the runbook file. An
 * interpreter's block ran behind one added line (the heredoc's opener).
 */
function failedCommandsOf(
  step: Step,
  shown: string,
  lane: LaneResult,
  interpreter: boolean,
): FailedCommand[] {
  const lines = shown.split('\n');
  return (lane.failed ?? []).map(({ line, exitCode }) => {
    const stepLine = Math.max(1, interpreter ? line - 1 : line);
    const text = (lines[line - 1] ?? '').trim();
    return {
      line: step.codeLine === null ? null : step.codeLine + stepLine - 1,
      stepLine,
      command: text.length > COMMAND_CHARS ? `${text.slice(0, COMMAND_CHARS - 1)}…` : text,
      exitCode,
    };
  });
}
