import { dirname } from 'node:path';
import type { JournalRecord } from '../../shared/model';
import { readJournal } from './reader';
import { JournalStore } from './store';

/**
 * Checks a journal for edits after the fact: sequence, schema, hash chain, the
 * output bytes each record points at, and the runbook text the run kept (its
 * SHA-256 is in the chain). Every problem names the file and line.
 */
export function verifyJournal(path: string): { records: JournalRecord[]; errors: string[] } {
  const { records, errors } = readJournal(path, { checkOutput: true });
  const store = new JournalStore(dirname(path));
  const lines = records.map((r, i) => ({ r, line: i + 1 }));
  for (const { r, line } of lines) {
    const hash =
      r.type === 'run.started' ? r.runbookSha256 : r.type === 'runbook.reloaded' ? r.sha256 : null;
    if (hash && store.readRunbook(hash) === null)
      errors.push(
        `${path}:${line}: the runbook text it names (${store.runbookPath(hash)}) is missing or was changed`,
      );
  }
  return { records, errors };
}
