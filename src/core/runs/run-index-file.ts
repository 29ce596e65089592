import type { RunSummary } from '../../shared/model';
import type { RunProgress, ScopeProgress } from '../schedule/due';

/** One run as the index keeps it: enough for the history list, its search and the due list. */
export interface IndexEntry {
  /** The journal's size and modification time when this entry was made: it is stale when they differ. */
  size: number;
  mtimeMs: number;
  summary: Omit<RunSummary, 'journalPath'>;
  /** How far the run got in the runbook and in each section it touched (by the runbook it ran), for due dates. */
  progress: RunProgress;
  /** Left open by its writer (neither finished nor found interrupted yet), or torn at its end: the recovery pass looks at it. */
  needsRecovery: boolean;
}

/**
 * The run index on disk, compact: a row per run (an array, not an object), with
 * the strings that repeat from run to run (runbook, title, path, who, where,
 * section ids) stored once in a table and referred to by number. Ten thousand
 * runs take about a quarter of the bytes of plain JSON objects, and reading the
 * file is most of what listing the history costs in a new process.
 *
 * Written by this process, read back by any: a row that does not have the shape
 * below is dropped (and its journal read again), never trusted.
 */
export const INDEX_VERSION = 3;

type Row = [
  runId: string,
  size: number,
  mtimeMs: number,
  needsRecovery: 0 | 1,
  status: number,
  runbookId: number,
  runbookTitle: number,
  runbookPath: number,
  startedAt: string,
  endedAt: string | null,
  lastActivityAt: string,
  durationMs: number,
  maintainer: number,
  host: number,
  environment: number,
  done: number,
  failed: number,
  issues: string,
  nextActions: string,
  rehearsal: RunSummary['rehearsal'],
  logPath: string,
  /** done, failed, total of the whole runbook, then section (string ref), done, failed, total per section. */
  progress: number[],
];

/** Statuses as the index stores them (a run is active only while a live process holds its lock). */
const STATUSES: ReadonlyArray<RunSummary['status']> = ['finished', 'interrupted'];

export interface IndexFileData {
  version: typeof INDEX_VERSION;
  strings: string[];
  runs: Row[];
}

export function encodeIndex(entries: Map<string, IndexEntry>): string {
  const strings: string[] = [];
  const ids = new Map<string, number>();
  const ref = (text: string): number => {
    let id = ids.get(text);
    if (id === undefined) {
      id = strings.push(text) - 1;
      ids.set(text, id);
    }
    return id;
  };
  const runs: Row[] = [];
  for (const [runId, { size, mtimeMs, summary: s, progress, needsRecovery }] of entries)
    runs.push([
      runId,
      size,
      mtimeMs,
      needsRecovery ? 1 : 0,
      STATUSES.indexOf(s.status),
      ref(s.runbookId),
      ref(s.runbookTitle),
      ref(s.runbookPath),
      s.startedAt,
      s.endedAt,
      s.lastActivityAt,
      s.durationMs,
      ref(s.maintainer),
      ref(s.host),
      ref(s.environment),
      s.done,
      s.failed,
      s.issues,
      s.nextActions,
      s.rehearsal,
      s.logPath,
      [
        ...counts(progress.whole),
        ...Object.entries(progress.sections).flatMap(([id, p]) => [ref(id), ...counts(p)]),
      ],
    ]);
  const data: IndexFileData = { version: INDEX_VERSION, strings, runs };
  return JSON.stringify(data);
}

const counts = (p: ScopeProgress): number[] => [p.done, p.failed, p.total];

/** Three counts from `at` in a row's progress: whole non-negative numbers, or the row is not ours. */
function scope(flat: unknown[], at: number): ScopeProgress {
  const [done, failed, total] = flat.slice(at, at + 3);
  for (const n of [done, failed, total])
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error('not a count');
  return { done: done as number, failed: failed as number, total: total as number };
}

/** The entries of an index file; rows that are not what `encodeIndex` writes are left out. */
export function decodeIndex(text: string): Map<string, IndexEntry> {
  const entries = new Map<string, IndexEntry>();
  let data: Partial<IndexFileData>;
  try {
    data = JSON.parse(text) as Partial<IndexFileData>;
  } catch {
    return entries;
  }
  if (data?.version !== INDEX_VERSION || !Array.isArray(data.strings) || !Array.isArray(data.runs))
    return entries;
  const { strings } = data;
  const str = (n: unknown): string => {
    const value = typeof n === 'number' ? strings[n] : undefined;
    if (typeof value !== 'string') throw new Error('bad string reference');
    return value;
  };
  const text_ = (v: unknown): string => {
    if (typeof v !== 'string') throw new Error('not a string');
    return v;
  };
  const num = (v: unknown): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error('not a number');
    return v;
  };
  for (const row of data.runs) {
    try {
      if (!Array.isArray(row) || row.length !== 22) continue;
      const status = STATUSES[num(row[4])];
      const rehearsal = row[19];
      const flat = row[21];
      if (!status || !Array.isArray(flat) || flat.length < 3 || flat.length % 4 !== 3) continue;
      if (
        rehearsal !== null &&
        (typeof rehearsal !== 'object' ||
          typeof rehearsal.target !== 'string' ||
          typeof rehearsal.rtoMs !== 'number')
      )
        continue;
      const runId = text_(row[0]);
      entries.set(runId, {
        size: num(row[1]),
        mtimeMs: num(row[2]),
        needsRecovery: row[3] === 1,
        summary: {
          runId,
          runbookId: str(row[5]),
          runbookTitle: str(row[6]),
          runbookPath: str(row[7]),
          status,
          startedAt: text_(row[8]),
          endedAt: row[9] === null ? null : text_(row[9]),
          lastActivityAt: text_(row[10]),
          durationMs: num(row[11]),
          maintainer: str(row[12]),
          host: str(row[13]),
          environment: str(row[14]),
          done: num(row[15]),
          failed: num(row[16]),
          issues: text_(row[17]),
          nextActions: text_(row[18]),
          rehearsal:
            rehearsal === null ? null : { target: rehearsal.target, rtoMs: rehearsal.rtoMs },
          logPath: text_(row[20]),
        },
        progress: {
          whole: scope(flat, 0),
          sections: Object.fromEntries(
            Array.from({ length: (flat.length - 3) / 4 }, (_, i) => [
              str(flat[3 + i * 4]),
              scope(flat, 4 + i * 4),
            ]),
          ),
        },
      });
    } catch {
      // Not a row this code wrote: left out, so its journal is read again.
    }
  }
  return entries;
}
