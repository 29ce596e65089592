import {
  actionableSteps,
  DONE,
  type JournalRecord,
  type Runbook,
  type RunState,
  type StepResult,
  type Timeline,
} from '../model';
import { HOST_OUTPUT_CHARS } from './output-cut';

/** Output kept on the run state for display; the journal keeps everything. */
export const OUTPUT_TAIL_CHARS = 64 * 1024;

/** What an interrupted step's detail says. */
const INTERRUPTED = 'the app stopped while this step ran; whether it finished is unknown';

export function emptyStepResult(): StepResult {
  return {
    status: 'pending',
    exitCode: null,
    startedAt: null,
    endedAt: null,
    durationMs: null,
    note: null,
    skipReason: null,
    detail: null,
    output: null,
    outputBytes: 0,
    host: null,
    user: null,
    hostKey: null,
    failedCommands: [],
    hosts: {},
    rollout: null,
  };
}

/** Paths and ids that are not in the journal body but belong to the state (live, or where the file is). */
export interface RunContext {
  journalPath: string;
  sessionId: string | null;
  /** Fan-out shells by host name. */
  hostSessions?: Record<string, string>;
  /** SSH connections and their state. */
  connections?: RunState['connections'];
  /** Steps of a "Run from here" waiting after the running one. */
  queued?: string[];
  /** A rehearsal's flagged step held until it is confirmed. */
  heldStepId?: string | null;
}

/**
 * Folds journal records into the run state. The engine applies each record as
 * it writes it, and a restart replays the file, so both see the same state.
 */
export function applyRecord(
  state: RunState | null,
  record: JournalRecord,
  runbook: Runbook,
  ctx: RunContext,
): RunState {
  if (record.type === 'run.started') {
    const steps: Record<string, StepResult> = {};
    for (const step of actionableSteps(runbook)) {
      steps[step.id] = { ...emptyStepResult(), status: step.checked ? 'checked' : 'pending' };
    }
    return withTotals({
      id: record.runId,
      runbookId: record.runbookId,
      runbookTitle: record.runbookTitle,
      runbookPath: record.runbookPath,
      status: 'active',
      startedAt: record.ts,
      endedAt: null,
      maintainer: record.maintainer,
      host: record.host,
      environment: record.environment,
      outsideWindow: record.outsideWindow ?? null,
      issues: '',
      nextActions: '',
      rehearsal: record.rehearsal ?? null,
      runbookCommit: record.runbookCommit ?? null,
      readOnly: false,
      seq: record.seq,
      sessionId: ctx.sessionId,
      hostSessions: ctx.hostSessions ?? {},
      connections: ctx.connections ?? [],
      stepTargets: {},
      runningStepId: null,
      queued: ctx.queued ?? [],
      heldStepId: ctx.heldStepId ?? null,
      storageFault: null,
      steps,
      variables: {},
      manualCommands: [],
      confirmations: [],
      approval: null,
      done: 0,
      total: 0,
      logPath: record.logPath,
      journalPath: ctx.journalPath,
      timeline: { steps: [], interruptions: [], lastAt: Date.parse(record.ts) },
    });
  }
  if (!state)
    throw new Error(`journal ${ctx.journalPath}: record ${record.seq} comes before run.started`);
  const next: RunState = {
    ...state,
    steps: { ...state.steps },
    sessionId: ctx.sessionId,
    hostSessions: ctx.hostSessions ?? state.hostSessions,
    connections: ctx.connections ?? state.connections,
    queued: ctx.queued ?? state.queued,
    heldStepId: ctx.heldStepId !== undefined ? ctx.heldStepId : state.heldStepId,
    seq: record.seq,
    timeline: timelineAfter(state.timeline, record),
  };
  const current = (id: string): StepResult => next.steps[id] ?? emptyStepResult();
  switch (record.type) {
    case 'step.checked':
      next.steps[record.stepId] = {
        ...current(record.stepId),
        status: record.checked ? 'checked' : 'pending',
        endedAt: record.checked ? record.ts : null,
        note: record.note ?? current(record.stepId).note,
        skipReason: null,
      };
      break;
    case 'plan.approved':
      next.approval = {
        planSha256: record.planSha256,
        signer: record.signer,
        key: record.key,
        at: record.ts,
      };
      break;
    case 'step.confirmed': {
      const { type: _type, seq: _seq, ts, prev: _prev, hash: _hash, ...confirmation } = record;
      next.confirmations = [...next.confirmations, { ...confirmation, at: ts }];
      break;
    }
    case 'step.skipped':
      next.steps[record.stepId] = {
        ...current(record.stepId),
        status: 'skipped',
        endedAt: record.ts,
        skipReason: record.reason,
      };
      break;
    case 'step.started':
      next.runningStepId = record.stepId;
      next.steps[record.stepId] = {
        ...emptyStepResult(),
        note: current(record.stepId).note,
        status: 'running',
        startedAt: record.ts,
        host: record.host,
        user: record.user,
        hostKey: record.hostKey,
        rollout: record.rollout ?? null,
      };
      break;
    case 'step.batch': {
      const step = current(record.stepId);
      if (!step.rollout) break;
      const rollout = { ...step.rollout, current: record.index };
      rollout.waiting = record.state === 'waiting' ? { until: record.until ?? null } : null;
      if (record.state === 'stopped') rollout.stopped = record.reason ?? 'stopped';
      next.steps[record.stepId] = { ...step, rollout };
      break;
    }
    case 'step.manual':
      next.steps[record.stepId] = {
        ...current(record.stepId),
        status: 'manual',
        endedAt: record.ts,
        note: record.note ?? current(record.stepId).note,
      };
      break;
    case 'manual.command':
      next.manualCommands = [
        ...next.manualCommands,
        {
          command: record.command,
          exitCode: record.exitCode,
          durationMs: record.durationMs,
          host: record.host,
          at: record.ts,
          output: record.text.length > 4096 ? record.text.slice(-4096) : record.text,
        },
      ];
      break;
    case 'step.host.finished': {
      const step = current(record.stepId);
      next.steps[record.stepId] = {
        ...step,
        hosts: {
          ...step.hosts,
          [record.host]: {
            status: record.status,
            exitCode: record.exitCode,
            durationMs: record.durationMs,
            user: record.user,
            hostKey: record.hostKey,
            detail: record.detail,
            output:
              record.text.length > HOST_OUTPUT_CHARS
                ? record.text.slice(-HOST_OUTPUT_CHARS)
                : record.text,
            failedCommands: record.failedCommands ?? [],
          },
        },
      };
      break;
    }
    case 'step.output':
      // Counted as it arrives (step.finished gives the total): an interrupted step keeps its count.
      next.steps[record.stepId] = {
        ...current(record.stepId),
        outputBytes: current(record.stepId).outputBytes + record.length,
      };
      break;
    case 'step.finished':
      if (next.runningStepId === record.stepId) next.runningStepId = null;
      next.steps[record.stepId] = {
        ...current(record.stepId),
        status: record.status,
        exitCode: record.exitCode,
        endedAt: record.ts,
        durationMs: record.durationMs,
        detail: record.detail,
        outputBytes: record.bytes,
        failedCommands: record.failedCommands ?? [],
        output:
          record.text.length > OUTPUT_TAIL_CHARS
            ? record.text.slice(-OUTPUT_TAIL_CHARS)
            : record.text,
      };
      break;
    case 'step.target': {
      const { [record.stepId]: _previous, ...others } = next.stepTargets;
      next.stepTargets = record.host ? { ...others, [record.stepId]: record.host } : others;
      break;
    }
    case 'vars.set':
      next.variables = { ...next.variables, ...record.values };
      break;
    case 'runbook.reloaded': {
      const steps: Record<string, StepResult> = {};
      for (const { id, checked } of record.steps) {
        steps[id] = next.steps[id] ?? {
          ...emptyStepResult(),
          status: checked ? 'checked' : 'pending',
        };
      }
      // Work already done on steps that left the runbook stays on record.
      for (const [id, result] of Object.entries(next.steps)) {
        if (!(id in steps) && result.status !== 'pending') steps[id] = result;
      }
      next.steps = steps;
      break;
    }
    case 'run.fields':
      if (record.maintainer !== undefined) next.maintainer = record.maintainer;
      if (record.environment !== undefined) next.environment = record.environment;
      if (record.issues !== undefined) next.issues = record.issues;
      if (record.nextActions !== undefined) next.nextActions = record.nextActions;
      break;
    case 'run.interrupted':
      next.status = 'interrupted';
      next.endedAt = record.lastActivityAt;
      next.runningStepId = null;
      for (const { stepId, text } of record.steps) {
        next.steps[stepId] = {
          ...current(stepId),
          status: 'interrupted',
          detail: INTERRUPTED,
          output: text.length > OUTPUT_TAIL_CHARS ? text.slice(-OUTPUT_TAIL_CHARS) : text,
        };
      }
      break;
    case 'run.resumed':
      next.status = 'active';
      next.endedAt = null;
      // Journals from before the recovery pass named the interrupted steps here.
      for (const id of record.interruptedStepIds) {
        if (next.steps[id])
          next.steps[id] = { ...current(id), status: 'interrupted', detail: INTERRUPTED };
      }
      next.runningStepId = null;
      break;
    case 'run.finished':
      next.status = 'finished';
      next.endedAt = record.ts;
      break;
  }
  return withTotals(next, new Set(actionableSteps(runbook).map((s) => s.id)));
}

/**
 * The run's timeline after a record: when each step ran (step.started to step.finished) and
 * when the app was not running (the last activity before a stop to the resumption). Only
 * records that change it copy its lists: output records arrive by the thousand.
 */
function timelineAfter(timeline: Timeline, record: JournalRecord): Timeline {
  const at = Date.parse(record.ts);
  // Fields edited after the run, and the recovery's own record, are not part of the walk.
  const lastAt =
    record.type === 'run.fields' || record.type === 'run.interrupted'
      ? timeline.lastAt
      : Math.max(timeline.lastAt, at);
  const close = (end: number, which: (stepId: string) => boolean): Timeline['steps'] =>
    timeline.steps.map((s) =>
      s.end === null && which(s.stepId) ? { ...s, end: Math.max(s.start, end) } : s,
    );
  switch (record.type) {
    case 'step.started':
      return {
        ...timeline,
        lastAt,
        steps: [
          ...close(at, (id) => id === record.stepId),
          { stepId: record.stepId, start: at, end: null },
        ],
      };
    case 'step.finished':
      return { ...timeline, lastAt, steps: close(at, (id) => id === record.stepId) };
    case 'run.finished':
      return { ...timeline, lastAt, steps: close(at, () => true) };
    case 'run.interrupted': {
      // Steps running when the app stopped ran until its last record, as far as anyone knows.
      const stoppedAt = Date.parse(record.lastActivityAt);
      return {
        ...timeline,
        steps: close(stoppedAt, () => true),
        interruptions: [...timeline.interruptions, { start: stoppedAt, end: null }],
      };
    }
    case 'run.resumed': {
      const open = timeline.interruptions.findIndex((i) => i.end === null);
      if (open >= 0)
        return {
          ...timeline,
          lastAt,
          interruptions: timeline.interruptions.map((i, n) => (n === open ? { ...i, end: at } : i)),
        };
      // Journals from before the recovery pass have no run.interrupted: stopped at the last record.
      return {
        lastAt,
        steps: close(timeline.lastAt, () => true),
        interruptions: [...timeline.interruptions, { start: timeline.lastAt, end: at }],
      };
    }
    default:
      return lastAt === timeline.lastAt ? timeline : { ...timeline, lastAt };
  }
}

function withTotals(state: RunState, current?: ReadonlySet<string>): RunState {
  const results = Object.entries(state.steps)
    .filter(([id]) => !current || current.has(id))
    .map(([, result]) => result);
  return {
    ...state,
    total: results.length,
    done: results.filter((r) => DONE.has(r.status)).length,
  };
}
