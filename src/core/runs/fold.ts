import type { EntryOf, JournalRecord, Runbook, RunState } from '../../shared/model';
import { applyRecord } from '../../shared/log/run-reducer';
import { renderPlainText } from '../capture/plain-text';
import { readStepOutput } from '../journal/reader';

/** An interrupted step's text is rendered from at most this much of its raw output (its end). */
const INTERRUPTED_TAIL_BYTES = 2 * 1024 * 1024;

/** A journal's records folded into the run state they make (not live: no session). */
export function foldJournal(
  records: JournalRecord[],
  runbook: Runbook,
  journalPath: string,
): RunState {
  let state: RunState | null = null;
  for (const record of records)
    state = applyRecord(state, record, runbook, { journalPath, sessionId: null });
  return state!;
}

/** Whether the run was left open: neither finished nor already found interrupted. */
export function leftOpen(records: JournalRecord[]): boolean {
  for (let i = records.length - 1; i >= 0; i--) {
    const type = records[i]!.type;
    if (type === 'run.finished' || type === 'run.interrupted') return false;
    if (type === 'run.resumed') return true;
  }
  return records.length > 0;
}

/**
 * What a run left open by a writer that died amounts to: the steps that were
 * running are interrupted, each with the text it printed so far (from the raw
 * output in the journal). The recovery pass records it; a read of a run whose
 * writer died after this process started folds it in without writing.
 */
export async function interruptionOf(
  state: RunState,
  records: JournalRecord[],
): Promise<EntryOf<'run.interrupted'>> {
  const running = Object.entries(state.steps)
    .filter(([, r]) => r.status === 'running')
    .map(([id]) => id);
  const steps = await Promise.all(
    running.map(async (stepId) => {
      const bytes = readStepOutput(state.journalPath, stepId, records);
      const tail = bytes.subarray(Math.max(0, bytes.length - INTERRUPTED_TAIL_BYTES));
      const cut = bytes.length - tail.length;
      const text = await renderPlainText(tail, 100);
      return {
        stepId,
        text: cut > 0 ? `[${cut} earlier bytes are in the run's journal]\n${text}` : text,
      };
    }),
  );
  return {
    type: 'run.interrupted',
    lastActivityAt: records[records.length - 1]!.ts,
    steps,
  };
}
