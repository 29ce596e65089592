import type { EventSink } from '../../shared/api/contract';
import { acquireLock, lockHolder, releaseLock } from '../journal/lock';
import { cutTornTail } from '../journal/store';
import { JournalWriter } from '../journal/writer';
import { interruptionOf, leftOpen } from './fold';
import { LiveRun, redactRunbook } from './live-run';
import type { RunRecords } from './run-records';

export interface ReopenDeps {
  emit: EventSink;
  /** Redacts texts for the log (the workspace's patterns, secretlint's rules). */
  redact(text: string): Promise<string>;
}

/**
 * Opens a run on record for one more change (fields edited after the run, the
 * recovery pass, a resume): its journal continues after its last record, under
 * its lock, and the change goes the one way every change goes (LiveRun).
 */
export async function reopenRun(
  records: RunRecords,
  runId: string,
  deps: ReopenDeps,
): Promise<LiveRun> {
  const { records: kept } = records.store.read(runId);
  const { runbook } = records.fold(kept);
  const logRunbook = await redactRunbook({ text: deps.redact }, runbook);
  const journal = new JournalWriter(records.store.pathOf(runId), kept);
  return new LiveRun(journal, kept, runbook, logRunbook, deps.emit);
}

/**
 * Recovery of one run, under its journal's lock: a torn tail is cut, and a run
 * its writer left open (a crash, a kill, a power loss) is recorded as
 * interrupted, with what its running steps printed, and its log written again.
 * False when a live process holds the journal. The one place that repairs a
 * journal: the pass at start runs it for every run that needs it, and resume
 * for the run it picks up.
 */
export async function recoverRun(
  records: RunRecords,
  runId: string,
  deps: ReopenDeps,
): Promise<boolean> {
  const path = records.store.pathOf(runId);
  if (lockHolder(path) !== null || !acquireLock(path)) return false;
  try {
    const { records: kept } = cutTornTail(path);
    if (kept[0]?.type !== 'run.started' || !leftOpen(kept)) return true;
    const live = await reopenRun(records, runId, deps);
    try {
      live.record(await interruptionOf(live.state, kept), { durable: true });
    } finally {
      live.close();
    }
    return true;
  } finally {
    releaseLock(path);
  }
}

/**
 * The recovery pass at start (the app, `serve`, every CLI command that reads
 * records): every run left open or torn whose writer is gone is recovered, and
 * the index is brought up to date. Every other read only reads.
 */
export async function recoverRuns(records: RunRecords, deps: ReopenDeps): Promise<string[]> {
  const recovered: string[] = [];
  for (const runId of records.index.needingRecovery()) {
    try {
      if (await recoverRun(records, runId, deps)) recovered.push(runId);
    } catch (error) {
      // One damaged journal must not stop the others, nor the app.
      console.warn(`runsheet: could not recover run ${runId}: ${(error as Error).message}`);
    }
  }
  records.index.save();
  return recovered;
}
