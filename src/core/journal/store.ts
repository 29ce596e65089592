import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api/errors';
import type { JournalRecord } from '../../shared/model';
import { writeFileAtomic } from '../files/atomic-write';
import { outputEnd, outputPathOf, readJournal, sha256, type JournalReadResult } from './reader';

/**
 * The journals folder: `<run id>.jsonl` (records), `<run id>.out` (raw output),
 * `<run id>.jsonl.lock` (its writer), and `runbooks/<sha256>.md`, the exact text
 * of every runbook a run used, stored once however many runs used it.
 */
export class JournalStore {
  constructor(readonly dir: string) {}

  pathOf(runId: string): string {
    return join(this.dir, `${runId}.jsonl`);
  }

  /** The run ids with a journal here. */
  runIds(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => name.slice(0, -'.jsonl'.length));
  }

  /** A run's records, read (never changed); not-found when there is no such run. */
  read(runId: string): JournalReadResult {
    const path = this.pathOf(runId);
    if (!existsSync(path)) throw new ApiError('not-found', `no run with id ${runId}`);
    const result = readJournal(path);
    const first = result.records[0];
    if (!first || first.type !== 'run.started')
      throw new ApiError(
        'invalid-input',
        result.errors[0] ?? `${path}: does not start with run.started`,
      );
    return result;
  }

  /** Keeps a runbook's exact text (once per distinct text); returns its SHA-256. */
  saveRunbook(source: string): string {
    const hash = sha256(source);
    const path = this.runbookPath(hash);
    if (!existsSync(path)) {
      mkdirSync(join(this.dir, 'runbooks'), { recursive: true, mode: 0o700 });
      writeFileAtomic(path, source, 0o600);
    }
    return hash;
  }

  /** The text a run used, or null when it is missing or no longer hashes to its name. */
  readRunbook(hash: string): string | null {
    try {
      const source = readFileSync(this.runbookPath(hash), 'utf8');
      return sha256(source) === hash ? source : null;
    } catch {
      return null;
    }
  }

  runbookPath(hash: string): string {
    return join(this.dir, 'runbooks', `${hash}.md`);
  }
}

/**
 * Cuts a torn tail off a journal: the last line, when a crash left it half
 * written. Only a tail is ever cut; a journal damaged in the middle is left as
 * it is (and reported). The output file is cut after the last byte a kept record
 * points at. Call only while holding the journal's lock (the recovery pass).
 */
export function cutTornTail(path: string): {
  records: JournalRecord[];
  cut: number;
  /** Damaged in the middle (an edit, not a crash): nothing was cut, and it must not be appended to. */
  damaged: string[] | null;
} {
  const { records, end, torn, errors } = readJournal(path);
  const size = statSync(path).size;
  const cut = torn ? size - end : 0;
  if (cut > 0) truncate(path, end);
  const outPath = outputPathOf(path);
  const outEnd = outputEnd(records);
  // Bytes past the last record: written by a step whose record the crash cut off.
  // (Damage in the middle hides later records, and the bytes they point at stay.)
  const damaged = errors.length > 0 && !torn;
  if (!damaged && existsSync(outPath) && statSync(outPath).size > outEnd) truncate(outPath, outEnd);
  return { records, cut, damaged: damaged ? errors : null };
}

function truncate(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}
