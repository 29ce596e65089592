import { z } from 'zod';

/** Runbook ids are paths relative to the workspace: no absolute paths, no `..`. */
export const RunbookId = z
  .string()
  .min(1)
  .max(512)
  .regex(
    /^(?!.*(?:^|\/)\.\.?(?:\/|$))[\w][\w .@+-]*(?:\/[\w][\w .@+-]*)*\.md$/,
    'not a runbook id',
  );
export const RunId = z.string().regex(/^[0-9A-Za-z_-]{8,80}$/, 'not a run id');
export const StepId = z.string().min(1).max(1024);
export const SessionId = z.string().regex(/^[0-9A-Za-z_-]{4,80}$/, 'not a session id');

export const Cadence = z.enum(['daily', 'weekly', 'monthly', 'quarterly', 'annual']);

export const RunbookWarning = z.object({ line: z.number().int(), message: z.string() });

export const Section = z.object({
  id: z.string(),
  title: z.string(),
  level: z.number().int().min(1).max(6),
  line: z.number().int(),
  parentId: z.string().nullable(),
  cadence: Cadence.nullable(),
});

export const StepAttributes = z
  .object({
    name: z.string(),
    host: z.string(),
    hosts: z.array(z.string()),
    concurrency: z.number().int().min(1).max(1000),
    confirm: z.boolean(),
    timeout: z.number().nonnegative(),
    interactive: z.boolean(),
    cwd: z.string(),
    interpreter: z.string(),
    continueOnError: z.boolean(),
    excludeFromRunAll: z.boolean(),
    background: z.boolean(),
    safe: z.boolean(),
    id: z.string(),
    terminalRows: z.string(),
    promptEnv: z.boolean(),
  })
  .partial();

export const Placeholder = z.object({
  name: z.string(),
  tokens: z.array(z.string()),
  example: z.string().nullable(),
});

export const Step = z.object({
  id: z.string(),
  kind: z.enum(['check', 'command']),
  section: z.string().nullable(),
  line: z.number().int(),
  text: z.string(),
  code: z.string().nullable(),
  source: z.string().nullable(),
  lang: z.string().nullable(),
  expectedOutput: z.string().nullable(),
  runnable: z.boolean(),
  checked: z.boolean(),
  depth: z.number().int().min(0),
  attrs: StepAttributes,
  placeholders: z.array(Placeholder),
  env: z.array(z.string()),
  cadence: Cadence.nullable(),
});

export const ScheduleEntry = z.object({
  line: z.number().int(),
  task: z.string(),
  frequency: z.string(),
  cadence: Cadence.nullable(),
  preferredTime: z.string().nullable(),
  duration: z.string().nullable(),
});

export const MaintenanceWindow = z.object({
  line: z.number().int(),
  environment: z.string(),
  window: z.string(),
  duration: z.string().nullable(),
  frequency: z.string().nullable(),
});

export const RunbookBlock = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('heading'), sectionId: z.string() }),
  z.object({
    kind: z.literal('prose'),
    line: z.number().int(),
    markdown: z.string(),
    depth: z.number().int(),
  }),
  z.object({ kind: z.literal('step'), stepId: z.string() }),
]);

export const Runbook = z.object({
  title: z.string(),
  frontmatter: z.record(z.string(), z.unknown()),
  cadence: Cadence.nullable(),
  sections: z.array(Section),
  steps: z.array(Step),
  blocks: z.array(RunbookBlock),
  schedule: z.array(ScheduleEntry),
  windows: z.array(MaintenanceWindow),
  warnings: z.array(RunbookWarning),
});

/** A runbook as listed in the workspace. */
export const RunbookSummary = z.object({
  id: RunbookId,
  title: z.string(),
  description: z.string().nullable(),
  cadence: Cadence.nullable(),
  checks: z.number().int(),
  commands: z.number().int(),
  warnings: z.number().int(),
});

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

/** One host's part of a step run on several hosts (fan-out). */
export const HostResult = z.object({
  status: z.enum(['passed', 'failed', 'unreachable', 'unknown', 'cancelled']),
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nonnegative(),
  user: z.string().nullable(),
  hostKey: z.string().nullable(),
  detail: z.string().nullable(),
  output: z.string(),
});

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
  /** Per-host results when the step ran on several hosts, by host name. */
  hosts: z.record(z.string(), HostResult),
});

/** A disaster-recovery rehearsal: where it runs and the recovery time objective. */
export const Rehearsal = z.object({
  target: z.string().min(1).max(200),
  rtoMs: z.number().int().positive(),
});

/** A run as history lists it, from its journal alone. */
export const RunSummary = z.object({
  runId: RunId,
  runbookId: RunbookId,
  runbookTitle: z.string(),
  /** interrupted: the app stopped before the run was finished (it can be resumed). */
  status: z.enum(['active', 'finished', 'interrupted']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  lastActivityAt: z.string(),
  durationMs: z.number(),
  maintainer: z.string(),
  host: z.string(),
  environment: z.string(),
  done: z.number().int(),
  failed: z.number().int(),
  issues: z.string(),
  nextActions: z.string(),
  rehearsal: Rehearsal.nullable(),
  logPath: z.string(),
  journalPath: z.string(),
});

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
});

/** A walk through a runbook. */
export const RunState = z.object({
  id: RunId,
  runbookId: RunbookId,
  runbookTitle: z.string(),
  status: z.enum(['active', 'finished', 'interrupted']),
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  maintainer: z.string(),
  host: z.string(),
  environment: z.string(),
  /** Set when the run was started outside its environment's maintenance window: the window and the time. */
  outsideWindow: z.string().nullable(),
  /** Operator fields for the log's Issues and Next Actions (empty: derived from the steps). */
  issues: z.string(),
  nextActions: z.string(),
  rehearsal: Rehearsal.nullable(),
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
  connections: z.array(
    z.object({
      host: z.string(),
      sessionId: SessionId,
      state: z.enum(['connecting', 'ready', 'lost', 'failed', 'closed']),
      detail: z.string().nullable(),
    }),
  ),
  /** Steps moved by the user to another host or group than the run's, by step id. */
  stepTargets: z.record(z.string(), z.string()),
  runningStepId: StepId.nullable(),
  steps: z.record(z.string(), StepResult),
  /** Commands typed by hand in the run's shell between steps. */
  manualCommands: z.array(
    z.object({
      command: z.string(),
      exitCode: z.number().int().nullable(),
      durationMs: z.number().nonnegative(),
      host: z.string(),
      at: z.string(),
      output: z.string(),
    }),
  ),
  /** Placeholder values filled in this run, by placeholder name. */
  variables: z.record(z.string(), z.string()),
  done: z.number().int(),
  total: z.number().int(),
  logPath: z.string(),
  journalPath: z.string(),
});

export const AppInfo = z.object({
  version: z.string(),
  dataDir: z.string(),
  logDir: z.string(),
  workspaceDir: z.string(),
  user: z.string(),
  host: z.string(),
});
