import type { StepStatus } from '../api/contract';

/** Journal record bodies, one JSON line each; the writer adds seq, ts, prev and hash. */
export type JournalEntry =
  | {
      type: 'run.started';
      runId: string;
      runbookId: string;
      runbookTitle: string;
      runbookPath: string;
      maintainer: string;
      host: string;
      environment: string;
      /** Started outside the environment's maintenance window, the user having chosen to: why. */
      outsideWindow?: string;
      /** A disaster-recovery rehearsal: its target environment and recovery time objective. */
      rehearsal?: { target: string; rtoMs: number } | null;
      /** The runbook's last commit, when it lives in a git repository. */
      runbookCommit?: string | null;
      logPath: string;
    }
  /** Operator fields, edited during or after the run (only the fields given change). */
  | {
      type: 'run.fields';
      maintainer?: string;
      environment?: string;
      issues?: string;
      nextActions?: string;
    }
  /** The run was picked up again after the app stopped (crash, kill, power loss). */
  | { type: 'run.resumed'; interruptedStepIds: string[] }
  | { type: 'step.checked'; stepId: string; checked: boolean; note: string | null }
  | { type: 'step.skipped'; stepId: string; reason: string }
  /** Done another way, marked by hand. */
  | { type: 'step.manual'; stepId: string; note: string | null }
  /** A command typed by hand in the run's shell, between steps. */
  | {
      type: 'manual.command';
      command: string;
      exitCode: number | null;
      durationMs: number;
      host: string;
      text: string;
    }
  | {
      type: 'step.started';
      stepId: string;
      host: string;
      user: string;
      /** SHA256 fingerprint of the remote host's key; null on this machine. */
      hostKey: string | null;
      code: string;
    }
  /**
   * Raw terminal bytes, batched: stored byte for byte in the run's `.out` file
   * beside the journal, at this offset, with their SHA-256 in the hash chain.
   */
  | {
      type: 'step.output';
      stepId: string;
      /** The host of a fan-out this output came from. */
      host?: string;
      offset: number;
      length: number;
      sha256: string;
    }
  /** One host of a fan-out finished its part of a step. */
  | {
      type: 'step.host.finished';
      stepId: string;
      host: string;
      status: 'passed' | 'failed' | 'unreachable' | 'unknown' | 'cancelled';
      exitCode: number | null;
      durationMs: number;
      user: string | null;
      hostKey: string | null;
      detail: string | null;
      bytes: number;
      text: string;
    }
  | {
      type: 'step.finished';
      stepId: string;
      status: Extract<StepStatus, 'passed' | 'failed' | 'cancelled' | 'interrupted' | 'unknown'>;
      /** Why, when the exit code does not say (timeout, cancel, shell exit). */
      detail: string | null;
      exitCode: number | null;
      durationMs: number;
      bytes: number;
      /** Plain text as a person saw it, rendered with a headless terminal. */
      text: string;
    }
  /** The user moved a step to another host or group for this run; null moves it back. */
  | { type: 'step.target'; stepId: string; host: string | null }
  /** Placeholder values filled in (merged into the run's variables). */
  | { type: 'vars.set'; values: Record<string, string> }
  /** The runbook changed on disk: its actionable steps now (results of surviving ids are kept). */
  | { type: 'runbook.reloaded'; steps: Array<{ id: string; checked: boolean }> }
  | { type: 'run.finished' };

/** A journal line as stored. */
export type JournalRecord = JournalEntry & {
  seq: number;
  ts: string;
  /** Hash of the previous record ('' for the first), chaining the file against edits. */
  prev: string;
  hash: string;
};
