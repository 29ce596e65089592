/**
 * Runs: what happened to each step, a run as history lists it, and the live run
 * state the UI shows. Schemas first; the types are inferred from them.
 */
import { z } from 'zod';
import { Cadence, RunbookId } from './runbook';
import { Confirmation } from './danger';
import { Rollout } from './rollout';

export const RunId = z.string().regex(/^[0-9A-Za-z_-]{8,80}$/, 'not a run id');
export const StepId = z.string().min(1).max(1024);
export const SessionId = z.string().regex(/^[0-9A-Za-z_-]{4,80}$/, 'not a session id');

/** Where a step stands in a run. */
export const StepStatus = z.enum([
  'pending',
  'running',
  'passed',
  'failed',
  'checked',
  'skipped',
  'cancelled',
  /** The user ran it another way and marked it done. */
  'manual',
  'interrupted',
  /** The connection to the host was lost while the step ran: it may or may not have finished. */
  'unknown',
]);
export type StepStatus = z.infer<typeof StepStatus>;

/** How a step that ran can end (what `step.finished` records). */
export const FinishedStatus = StepStatus.extract([
  'passed',
  'failed',
  'cancelled',
  'interrupted',
  'unknown',
]);
export type FinishedStatus = z.infer<typeof FinishedStatus>;

/** How one host's part of a step ended. */
export const HostStatus = z.enum([
  'passed',
  'failed',
  'unreachable',
  'unknown',
  'cancelled',
  /** A rollout stopped before this host's batch (its failure limit): the step never started there. */
  'not-run',
]);
export type HostStatus = z.infer<typeof HostStatus>;

/**
 * A command of a multi-line step that failed, though the step may have gone on (and passed,
 * when its last command did): the shell integration reports each one, not only the last.
 */
export const FailedCommand = z.object({
  /** The 1-based line of the runbook file; null when the step's lines are not the file's (a transcript). */
  line: z.number().int().positive().nullable(),
  /** The 1-based line within the step's code. */
  stepLine: z.number().int().positive(),
  /** The line as written, redacted and shortened. */
  command: z.string().max(500),
  exitCode: z.number().int(),
});
export type FailedCommand = z.infer<typeof FailedCommand>;

/** One host's part of a step run on several hosts (fan-out). */
export const HostResult = z.object({
  status: HostStatus,
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  user: z.string().nullable(),
  hostKey: z.string().nullable(),
  detail: z.string().nullable(),
  output: z.string(),
  failedCommands: z.array(FailedCommand),
});
export type HostResult = z.infer<typeof HostResult>;

/** What happened to one step in a run. */
export const StepResult = z.object({
  status: StepStatus,
  exitCode: z.number().int().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nonnegative().nullable(),
  note: z.string().nullable(),
  skipReason: z.string().nullable(),
  /** Why a step ended the way it did, when the exit code does not say (timeout, cancel, shell exit). */
  detail: z.string().nullable(),
  /** Plain-text output as a person saw it (tail, for display). */
  output: z.string().nullable(),
  outputBytes: z.number().int().nonnegative(),
  host: z.string().nullable(),
  /** The user the step ran as, and the host key (SHA256 fingerprint) of a remote host. */
  user: z.string().nullable(),
  hostKey: z.string().nullable(),
  /** Commands of the step that failed, in order (a step that passed may have some). */
  failedCommands: z.array(FailedCommand),
  /** Per-host results when the step ran on several hosts, by host name. */
  hosts: z.record(z.string(), HostResult),
  /** A fan-out rolled out in batches (`batch=`, `maxFail=`, `pauseBetween=`): its batches and where it is. */
  rollout: Rollout.nullable(),
});
export type StepResult = z.infer<typeof StepResult>;

/** A disaster-recovery rehearsal: where it runs and the recovery time objective. */
export const Rehearsal = z.object({
  target: z.string().min(1).max(200),
  rtoMs: z.number().int().positive(),
});
export type Rehearsal = z.infer<typeof Rehearsal>;

/** A run's life: in progress, finished, or stopped by a crash before it was finished (resumable). */
export const RunStatus = z.enum(['active', 'finished', 'interrupted']);
export type RunStatus = z.infer<typeof RunStatus>;

/** What a run's summary and its full state both say about it. */
const RunFacts = z.object({
  runbookId: RunbookId,
  runbookTitle: z.string(),
  /** Where the runbook was when the run started; the run keeps its text either way. */
  runbookPath: z.string(),
  status: RunStatus,
  startedAt: z.string(),
  /** When the run was finished; for an interrupted run's state, its last recorded activity. */
  endedAt: z.string().nullable(),
  maintainer: z.string(),
  host: z.string(),
  environment: z.string(),
  /** Operator fields for the log's Issues and Next Actions (empty: derived from the steps). */
  issues: z.string(),
  nextActions: z.string(),
  rehearsal: Rehearsal.nullable(),
  logPath: z.string(),
  journalPath: z.string(),
});

/** A run as history lists it, from its journal alone. */
export const RunSummary = RunFacts.extend({
  runId: RunId,
  lastActivityAt: z.string(),
  durationMs: z.number(),
  done: z.number().int(),
  failed: z.number().int(),
});
export type RunSummary = z.infer<typeof RunSummary>;

/** A runbook (or one of its sections) with a cadence, and when it is due. */
export const DueItem = z.object({
  runbookId: RunbookId,
  runbookTitle: z.string(),
  sectionId: z.string().nullable(),
  sectionTitle: z.string().nullable(),
  cadence: Cadence,
  lastDoneAt: z.string().nullable(),
  lastRunId: z.string().nullable(),
  dueAt: z.string().nullable(),
  status: z.enum(['overdue', 'never', 'due-soon', 'ok']),
  /**
   * The newest finished run since the last complete one that did some of this
   * runbook or section but not all of it (it does not count towards the cadence).
   */
  lastPartial: z
    .object({
      runId: RunId,
      endedAt: z.string(),
      /** Steps of the runbook or section done (passed, ticked, skipped, marked done), failed, of all. */
      done: z.number().int().nonnegative(),
      failed: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      rehearsal: z.boolean(),
    })
    .nullable(),
});
export type DueItem = z.infer<typeof DueItem>;

/**
 * What history can be narrowed to: a run's status, or `failed`, a run with a
 * step that failed (written `status:failed` in a search).
 */
export const HistoryStatus = z.enum(['active', 'finished', 'interrupted', 'failed']);
export type HistoryStatus = z.infer<typeof HistoryStatus>;

/** A run a history search found, and where the first word found outside its summary was. */
export const HistoryRun = RunSummary.extend({
  match: z
    .object({
      where: z.enum(['command', 'output', 'host', 'note']),
      /** The step it was found in (null: a command typed at the prompt, or the run itself). */
      stepId: z.string().nullable(),
      /** A line around the match, at most 160 characters. */
      text: z.string(),
    })
    .nullable(),
});
export type HistoryRun = z.infer<typeof HistoryRun>;

/** The longest text an output search looks for (the search box's limit). */
export const OUTPUT_SEARCH_MAX = 200;

/** A search of every past run's output and notes (history.searchOutput, `runsheet search`). */
export const OutputSearch = z
  .object({
    text: z
      .string()
      .min(1)
      .max(OUTPUT_SEARCH_MAX)
      .regex(/^[^\r\n]*$/, 'one line of text'),
    /** Matches case as typed; otherwise ASCII letters match either case. */
    caseSensitive: z.boolean().optional(),
    /** Lines returned at most (100 unless told). */
    limit: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type OutputSearch = z.infer<typeof OutputSearch>;

/** One line of a past run that holds the text: in a step's output, or a note, skip reason or field. */
export const OutputHit = z.object({
  runId: RunId,
  runbookTitle: z.string(),
  startedAt: z.string(),
  /** Output of a step, a step's note or skip reason, or the run's Issues / Next actions. */
  where: z.enum(['output', 'note', 'skip', 'issues', 'next-actions']),
  /** Null for the run's own fields. */
  stepId: z.string().nullable(),
  stepTitle: z.string().nullable(),
  /** The host the output came from (each host of a fan-out apart); null for notes and fields. */
  host: z.string().nullable(),
  /** 1-based, in the text as `runsheet output` prints that host's part (or in the note). */
  line: z.number().int().positive(),
  /** The line as shown (escape sequences applied), cut around the match with … where cut. */
  text: z.string(),
  /** Where the match is in `text` (UTF-16 offsets, end exclusive). */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
});
export type OutputHit = z.infer<typeof OutputHit>;

export const OutputSearchResult = z.object({
  hits: z.array(OutputHit),
  /** There are more lines than `limit`: the search stopped there. */
  more: z.boolean(),
});
export type OutputSearchResult = z.infer<typeof OutputSearchResult>;

/** An SSH connection of a run and how it is doing (live, not journaled). */
export const Connection = z.object({
  host: z.string(),
  sessionId: SessionId,
  state: z.enum(['connecting', 'ready', 'lost', 'failed', 'closed']),
  detail: z.string().nullable(),
});
export type Connection = z.infer<typeof Connection>;

/** A command typed by hand in a run's shell between steps. */
export const ManualCommand = z.object({
  command: z.string(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  host: z.string(),
  at: z.string(),
  output: z.string(),
});
export type ManualCommand = z.infer<typeof ManualCommand>;

/**
 * Why a run stopped writing (a full disk, a read-only or vanished folder, a failing
 * disk) and what waits in memory for the disk to take it again (live, not journaled).
 */
export const StorageFault = z.object({
  /** The file that could not be written. */
  path: z.string(),
  /** What failed, in words, naming the file: "no space left on the device (ENOSPC) writing …". */
  message: z.string(),
  code: z.string(),
  since: z.string(),
  /** Changes kept in memory until they can be written (ticks, notes, a step's end). */
  unsaved: z.number().int().nonnegative(),
  /** Output bytes that arrived meanwhile and are not in the journal (its text is kept). */
  droppedBytes: z.number().int().nonnegative(),
});
export type StorageFault = z.infer<typeof StorageFault>;

/**
 * When the run's steps ran and when the app was not running, in epoch milliseconds from
 * the journal's timestamps: what a run's time splits into (`runTimes`, timing.ts).
 */
export const Timeline = z.object({
  /** Each time a step ran: from its `step.started` to its `step.finished` (null: still running). */
  steps: z.array(z.object({ stepId: StepId, start: z.number(), end: z.number().nullable() })),
  /** From the last activity before the app stopped to the run's resumption (null: not resumed). */
  interruptions: z.array(z.object({ start: z.number(), end: z.number().nullable() })),
  /** The newest timestamp of a record that is part of the walk (not fields edited later). */
  lastAt: z.number(),
});
export type Timeline = z.infer<typeof Timeline>;

/** A walk through a runbook. */
export const RunState = RunFacts.extend({
  id: RunId,
  /** Set when the run was started outside its environment's maintenance window: the window and the time. */
  outsideWindow: z.string().nullable(),
  runbookCommit: z.string().nullable(),
  /** Opened from history to read: no actions. */
  readOnly: z.boolean(),
  /** The last journal record folded in: a state with a lower one is older. */
  seq: z.number().int().nonnegative(),
  sessionId: SessionId.nullable(),
  /** Shells of a fan-out, by host name (a terminal tab each). */
  hostSessions: z.record(z.string(), SessionId),
  /**
   * SSH connections of this run (the run's host, fan-out hosts) and their state:
   * live, not journaled. A lost or failed one can be reconnected on demand.
   */
  connections: z.array(Connection),
  /** Steps moved by the user to another host or group than the run's, by step id. */
  stepTargets: z.record(z.string(), z.string()),
  runningStepId: StepId.nullable(),
  /** Steps of a "Run from here" still waiting to run after the running one, in order (live). */
  queued: z.array(StepId),
  /** A rehearsal's "Run from here" stopped before this flagged step until it is confirmed (live). */
  heldStepId: StepId.nullable(),
  /** Set while the run cannot write its journal, output or log (live). */
  storageFault: StorageFault.nullable(),
  steps: z.record(z.string(), StepResult),
  /** Commands typed by hand in the run's shell between steps. */
  manualCommands: z.array(ManualCommand),
  /** Steps that asked before they ran, and who confirmed them, typing what. */
  confirmations: z.array(Confirmation),
  /** The signed plan the run follows (production, approval: required): who signed it, with which key. */
  approval: z
    .object({ planSha256: z.string(), signer: z.string(), key: z.string(), at: z.string() })
    .nullable(),
  /** Placeholder values filled in this run, by placeholder name. */
  variables: z.record(z.string(), z.string()),
  done: z.number().int(),
  total: z.number().int(),
  timeline: Timeline,
});
export type RunState = z.infer<typeof RunState>;

/**
 * A past run's runbook against the file as it is now: the run keeps the text it
 * ran, so a record reads the same whatever happened to the file since.
 */
export const RunbookChange = z.object({
  /**
   * unchanged: the file still holds the text the run used; edited: it differs
   * (`diff` says how); missing: no file at that path any more (moved or deleted);
   * unrecorded: a journal from before runs kept their runbook's text.
   */
  status: z.enum(['unchanged', 'edited', 'missing', 'unrecorded']),
  path: z.string(),
  /** A unified diff from the run's text to the file's, when edited. */
  diff: z.string().nullable(),
});
export type RunbookChange = z.infer<typeof RunbookChange>;
