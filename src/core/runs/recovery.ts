import type { EventSink } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import { acquireLock, releaseLock } from '../journal/lock';
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
 * recovery pass, a resume): its lock is taken first (unless the caller holds it,
 * `locked`), then its records are read, and the journal continues after the last
 * one; the change goes the one way every change goes (LiveRun). A journal
 * damaged in the middle is refused: nothing is written after damage.
 */
export async function reopenRun(
  records: RunRecords,
  runId: string,
  deps: ReopenDeps,
  options: { locked?: boolean } = {},
): Promise<LiveRun> {
  const path = records.store.pathOf(runId);
  if (!options.locked && !acquireLock(path))
    throw new ApiError(
      'conflict',
      `run ${runId} is being written (by another Runsheet process, or another change in this one)`,
    );
  try {
    const { records: kept, errors } = records.store.read(runId);
    if (errors.length > 0)
      throw new ApiError(
        'conflict',
        `the journal of run ${runId} is damaged, so nothing more is written to it: ${errors[0]} (runsheet verify lists every problem)`,
      );
    const { runbook } = records.fold(kept);
    const logRunbook = await redactRunbook({ text: deps.redact }, runbook);
    const journal = new JournalWriter(path, kept, { locked: true });
    return new LiveRun(journal, kept, runbook, logRunbook, deps.emit);
  } catch (error) {
    releaseLock(path);
    throw error;
  }
}

/**
 * Recovery of one run, under its journal's lock: a torn tail is cut, and a run
 * its writer left open (a crash, a kill, a power loss) is recorded as
 * interrupted, with what its running steps printed, and its log written again.
 * A journal damaged in the middle is left as it is (and said). The one place
 * that repairs a journal: the pass at start runs it for every run that needs
 * it, and resume for the run it picks up.
 */
export async function recoverRun(
  records: RunRecords,
  runId: string,
  deps: ReopenDeps,
): Promise<'recovered' | 'busy' | 'damaged'> {
  const path = records.store.pathOf(runId);
  if (!acquireLock(path)) return 'busy';
  let handedOver = false;
  try {
    const { records: kept, damaged } = cutTornTail(path);
    if (damaged) return 'damaged';
    if (kept[0]?.type !== 'run.started' || !leftOpen(kept)) return 'recovered';
    const live = await reopenRun(records, runId, deps, { locked: true });
    handedOver = true;
    try {
      live.record(await interruptionOf(live.state, kept), { durable: true });
    } finally {
      live.close();
    }
    return 'recovered';
  } finally {
    if (!handedOver) releaseLock(path);
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
      const outcome = await recoverRun(records, runId, deps);
      if (outcome === 'recovered') recovered.push(runId);
      if (outcome === 'damaged')
        console.warn(
          `runsheet: the journal of run ${runId} is damaged in the middle; it is left as it is (runsheet verify ${records.store.pathOf(runId)})`,
        );
    } catch (error) {
      // One damaged journal must not stop the others, nor the app.
      console.warn(`runsheet: could not recover run ${runId}: ${(error as Error).message}`);
    }
  }
  records.index.save();
  return recovered;
}
