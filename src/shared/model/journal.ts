/**
 * Journal records: one JSON line each, appended as a run happens. The writer adds
 * seq, ts, prev and hash; the reader checks every record against these schemas,
 * so a hand-edited or forged line is reported, never folded into a run.
 */
import { z } from 'zod';
import { FailedCommand, FinishedStatus, HostStatus, Rehearsal } from './run';
import { Confirmation } from './danger';
import { Rollout } from './rollout';

const stepId = z.string().min(1);

export const JournalEntry = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('run.started'),
    runId: z.string(),
    runbookId: z.string(),
    runbookTitle: z.string(),
    /** Where the runbook was (absolute path). */
    runbookPath: z.string(),
    /**
     * The SHA-256 of the runbook's exact text as the run used it. The text is kept
     * beside the journals (`runbooks/<sha256>.md`), so the record stands alone
     * whatever happens to the file later; the hash in the chain vouches for it.
     * (Absent in journals written before runs kept their runbook.)
     */
    runbookSha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    maintainer: z.string(),
    host: z.string(),
    environment: z.string(),
    /** Started outside the environment's maintenance window, the user having chosen to: why. */
    outsideWindow: z.string().optional(),
    /** A disaster-recovery rehearsal: its target environment and recovery time objective. */
    rehearsal: Rehearsal.nullable().optional(),
    /** The runbook's last commit, when it lives in a git repository. */
    runbookCommit: z.string().nullable().optional(),
    logPath: z.string(),
  }),
  /** Operator fields, edited during or after the run (only the fields given change). */
  z.object({
    type: z.literal('run.fields'),
    maintainer: z.string().optional(),
    environment: z.string().optional(),
    issues: z.string().optional(),
    nextActions: z.string().optional(),
  }),
  /**
   * Written by the recovery pass: the process writing this run died (crash,
   * kill, power loss). Steps that were running are interrupted, with what they
   * had printed; `lastActivityAt` is the last record before the stop.
   */
  z.object({
    type: z.literal('run.interrupted'),
    lastActivityAt: z.string(),
    steps: z.array(z.object({ stepId, text: z.string() })),
  }),
  /** The run was picked up again after it was interrupted. */
  z.object({ type: z.literal('run.resumed'), interruptedStepIds: z.array(stepId) }),
  z.object({
    type: z.literal('step.checked'),
    stepId,
    checked: z.boolean(),
    note: z.string().nullable(),
  }),
  z.object({ type: z.literal('step.skipped'), stepId, reason: z.string() }),
  /** The plan about to run was signed by an approver in allowed_signers (production, approval: required). */
  z.object({
    type: z.literal('plan.approved'),
    planSha256: z.string(),
    signer: z.string(),
    key: z.string(),
  }),
  /** The operator confirmed steps that ask before they ran (see Confirmation). */
  Confirmation.omit({ at: true }).extend({ type: z.literal('step.confirmed') }),
  /** Done another way, marked by hand. */
  z.object({ type: z.literal('step.manual'), stepId, note: z.string().nullable() }),
  /** A command typed by hand in the run's shell, between steps. */
  z.object({
    type: z.literal('manual.command'),
    command: z.string(),
    exitCode: z.number().int().nullable(),
    durationMs: z.number(),
    host: z.string(),
    text: z.string(),
  }),
  z.object({
    type: z.literal('step.started'),
    stepId,
    host: z.string(),
    user: z.string(),
    /** SHA256 fingerprint of the remote host's key; null on this machine. */
    hostKey: z.string().nullable(),
    code: z.string(),
    /** A fan-out in batches: its plan for the step's hosts (absent: every host in one go). */
    rollout: Rollout.optional(),
  }),
  /**
   * Where a rollout is: waiting before a batch (until a time, or for the operator when
   * `until` is null), running one (`by`: who said go on after an `ask`), or stopped before
   * one, and why (the failure limit, a cancel).
   */
  z.object({
    type: z.literal('step.batch'),
    stepId,
    index: z.number().int().nonnegative(),
    state: z.enum(['waiting', 'running', 'stopped']),
    until: z.string().nullable().optional(),
    by: z.string().optional(),
    reason: z.string().optional(),
  }),
  /**
   * Raw terminal bytes, batched: stored byte for byte in the run's `.out` file
   * beside the journal, at this offset, with their SHA-256 in the hash chain.
   */
  z.object({
    type: z.literal('step.output'),
    stepId,
    /** The host of a fan-out this output came from. */
    host: z.string().optional(),
    offset: z.number().int().nonnegative(),
    length: z.number().int().nonnegative(),
    sha256: z.string(),
  }),
  /** One host of a fan-out finished its part of a step. */
  z.object({
    type: z.literal('step.host.finished'),
    stepId,
    host: z.string(),
    status: HostStatus,
    exitCode: z.number().int().nullable(),
    durationMs: z.number(),
    user: z.string().nullable(),
    hostKey: z.string().nullable(),
    detail: z.string().nullable(),
    bytes: z.number().int().nonnegative(),
    text: z.string(),
    /** Commands that failed on this host (absent in journals written before they were recorded). */
    failedCommands: z.array(FailedCommand).max(100).optional(),
  }),
  z.object({
    type: z.literal('step.finished'),
    stepId,
    status: FinishedStatus,
    /** Why, when the exit code does not say (timeout, cancel, shell exit). */
    detail: z.string().nullable(),
    exitCode: z.number().int().nullable(),
    durationMs: z.number(),
    bytes: z.number().int().nonnegative(),
    /** Plain text as a person saw it, rendered with a headless terminal. */
    text: z.string(),
    /**
     * Every command of the step that failed, in order, though the step went on: a step whose
     * last command passed is "passed with failing commands". Absent in older journals.
     */
    failedCommands: z.array(FailedCommand).max(100).optional(),
  }),
  /** The user moved a step to another host or group for this run; null moves it back. */
  z.object({ type: z.literal('step.target'), stepId, host: z.string().nullable() }),
  /** Placeholder values filled in (merged into the run's variables). */
  z.object({ type: z.literal('vars.set'), values: z.record(z.string(), z.string()) }),
  /**
   * The runbook changed on disk during the run: its actionable steps now (results
   * of surviving ids are kept), and the SHA-256 of its new text (kept like the first).
   */
  z.object({
    type: z.literal('runbook.reloaded'),
    steps: z.array(z.object({ id: z.string(), checked: z.boolean() })),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
  }),
  z.object({ type: z.literal('run.finished') }),
]);
export type JournalEntry = z.infer<typeof JournalEntry>;

/** What the writer adds to every entry. */
export const JournalMeta = z.object({
  seq: z.number().int().positive(),
  ts: z.string(),
  /** Hash of the previous record ('' for the first), chaining the file against edits. */
  prev: z.string(),
  hash: z.string(),
});

/** A journal line as stored. */
export const JournalRecord = z.intersection(JournalEntry, JournalMeta);
export type JournalRecord = JournalEntry & z.infer<typeof JournalMeta>;

/** The entry of one type (what is appended). */
export type EntryOf<T extends JournalEntry['type']> = Extract<JournalEntry, { type: T }>;

/** The record of one type. */
export type RecordOf<T extends JournalEntry['type']> = Extract<JournalRecord, { type: T }>;
