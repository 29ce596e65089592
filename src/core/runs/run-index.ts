import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  DONE,
  type JournalRecord,
  type Runbook,
  type RunState,
  type RunSummary,
} from '../../shared/model';
import { writeFileAtomic } from '../files/atomic-write';
import { lockHolder } from '../journal/lock';
import type { JournalStore } from '../journal/store';
import { progressOf, type FinishedRun } from '../schedule/due';
import { leftOpen } from './fold';
import { decodeIndex, encodeIndex, type IndexEntry } from './run-index-file';

/**
 * An index of the runs on record, kept beside the journals (`index.json`) so the
 * history and the due list do not read every journal on every call. The journals
 * stay the source of truth: an entry whose journal changed size or time since is
 * read again, a journal the index lacks is read and added, an entry without a
 * journal is dropped, and a missing or unreadable index is rebuilt. Reads change
 * only the copy in memory; the file is written by `save()` (the recovery pass at
 * start, and a process when one of its runs starts or ends).
 */
export class RunIndex {
  private runs = new Map<string, IndexEntry>();
  private loaded = false;
  /** Entries changed since the file was read or written. */
  private dirty = false;

  constructor(
    private readonly store: JournalStore,
    /** A run's records folded with the runbook it ran (the records' own, see snapshot.ts). */
    private readonly fold: (records: JournalRecord[]) => { state: RunState; runbook: Runbook },
  ) {}

  get path(): string {
    return join(this.store.dir, 'index.json');
  }

  /** Every run on record, newest first; a live writer's run is `active`. */
  list(): RunSummary[] {
    this.refresh();
    const summaries: RunSummary[] = [];
    for (const [runId, entry] of this.runs) {
      const journalPath = this.store.pathOf(runId);
      const status =
        entry.summary.status !== 'finished' && lockHolder(journalPath) !== null
          ? 'active'
          : entry.summary.status;
      summaries.push({ ...entry.summary, status, journalPath });
    }
    // ISO timestamps sort as strings (a plain comparison: localeCompare costs 10x here).
    return summaries.sort((a, b) =>
      a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0,
    );
  }

  /** Finished runs, for due dates: when each ended and how far it got. */
  finished(): FinishedRun[] {
    this.refresh();
    return [...this.runs.values()]
      .filter((e) => e.summary.status === 'finished' && e.summary.endedAt)
      .map((e) => ({
        runId: e.summary.runId,
        runbookId: e.summary.runbookId,
        endedAt: e.summary.endedAt!,
        rehearsal: e.summary.rehearsal !== null,
        progress: e.progress,
      }));
  }

  /** Brings the copy in memory up to date with the journals (reading only what changed). */
  refresh(): void {
    if (!this.loaded) this.load();
    const present = new Set(this.store.runIds());
    for (const runId of this.runs.keys())
      if (!present.has(runId)) {
        this.runs.delete(runId);
        this.dirty = true;
      }
    for (const runId of present) {
      let stat;
      try {
        stat = statSync(this.store.pathOf(runId));
      } catch {
        continue; // removed meanwhile
      }
      const known = this.runs.get(runId);
      if (known && known.size === stat.size && known.mtimeMs === stat.mtimeMs) continue;
      const entry = this.entryOf(runId, stat.size, stat.mtimeMs);
      if (entry) this.runs.set(runId, entry);
      else this.runs.delete(runId);
      this.dirty = true;
    }
  }

  /** Writes the index when it changed; a failure to write costs speed only, never a record. */
  save(): void {
    this.refresh();
    if (!this.dirty) return;
    try {
      writeFileAtomic(this.path, encodeIndex(this.runs), 0o600);
      this.dirty = false;
    } catch {
      // Read-only or full: the next process reads the journals again.
    }
  }

  private load(): void {
    this.loaded = true;
    try {
      this.runs = decodeIndex(readFileSync(this.path, 'utf8'));
    } catch {
      // Missing or unreadable: rebuilt from the journals.
      this.runs = new Map();
    }
  }

  /** Runs the recovery pass should look at: left open or torn, and no live process writing them. */
  needingRecovery(): string[] {
    this.refresh();
    return [...this.runs]
      .filter(([runId, e]) => e.needsRecovery && lockHolder(this.store.pathOf(runId)) === null)
      .map(([runId]) => runId);
  }

  private entryOf(runId: string, size: number, mtimeMs: number): IndexEntry | null {
    let read;
    try {
      read = this.store.read(runId);
    } catch {
      return null; // not a run's journal (empty, or damaged at its start)
    }
    const { records, torn, errors } = read;
    const { state, runbook } = this.fold(records);
    const summary = summaryOf(state, records);
    return {
      size,
      mtimeMs,
      summary,
      progress: progressOf(runbook, state),
      // A journal damaged in the middle is reported (runsheet verify), never repaired or appended to.
      needsRecovery: torn || (errors.length === 0 && leftOpen(records)),
    };
  }
}

/** A run as history lists it. */
export function summaryOf(
  state: RunState,
  records: JournalRecord[],
): Omit<RunSummary, 'journalPath'> {
  const results = Object.values(state.steps);
  const finished = state.status === 'finished';
  // An interrupted run's last activity is the last record before the stop, not the
  // recovery pass's record of it.
  const lastActivityAt =
    state.status === 'interrupted' && state.endedAt
      ? state.endedAt
      : records[records.length - 1]!.ts;
  const endedAt = finished ? state.endedAt : null;
  return {
    runId: state.id,
    runbookId: state.runbookId,
    runbookTitle: state.runbookTitle,
    runbookPath: state.runbookPath,
    status: finished ? 'finished' : 'interrupted',
    startedAt: state.startedAt,
    endedAt,
    lastActivityAt,
    durationMs: Date.parse(endedAt ?? lastActivityAt) - Date.parse(state.startedAt),
    maintainer: state.maintainer,
    host: state.host,
    environment: state.environment,
    done: results.filter((r) => DONE.has(r.status)).length,
    failed: results.filter((r) => r.status === 'failed').length,
    issues: state.issues,
    nextActions: state.nextActions,
    rehearsal: state.rehearsal,
    logPath: state.logPath,
  };
}
