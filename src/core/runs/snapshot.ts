import { readFileSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import type { JournalRecord, Runbook, RunbookChange } from '../../shared/model';
import { parseRunbookFile, type StepAnalyzer } from '../../shared/runbook';
import type { JournalStore } from '../journal/store';
import { sha256 } from '../journal/reader';

/** For a journal that names no runbook text and whose file is gone: the records alone. */
export const EMPTY_RUNBOOK: Runbook = {
  title: '',
  frontmatter: {},
  sections: [],
  steps: [],
  blocks: [],
  warnings: [],
  cadence: null,
  schedule: [],
  windows: [],
};

/** Parses of runbook texts by SHA-256: thousands of runs share a handful of texts. */
const parsed = new Map<string, Runbook>();
const PARSE_CACHE = 64;

function parseCached(
  hash: string,
  source: string,
  runbookId: string,
  analyze?: StepAnalyzer,
): Runbook {
  const key = `${hash}:${runbookId}:${analyze ? 'checked' : ''}`;
  let runbook = parsed.get(key);
  if (runbook) {
    parsed.delete(key);
  } else {
    runbook = parseRunbookFile(source, runbookId, analyze);
  }
  parsed.set(key, runbook);
  if (parsed.size > PARSE_CACHE) parsed.delete(parsed.keys().next().value!);
  return runbook;
}

/** The runbook text a run used last (its start, or the latest reload), with its hash. */
export function snapshotHash(records: JournalRecord[]): string | null {
  let hash: string | null = null;
  for (const r of records) {
    if (r.type === 'run.started') hash = r.runbookSha256 ?? null;
    else if (r.type === 'runbook.reloaded' && r.sha256) hash = r.sha256;
  }
  return hash;
}

/**
 * The runbook a run ran: the text kept with the record (the one it used last),
 * whatever happened to the file since. A journal from before runs kept their
 * text falls back to the file at its recorded path, then to the records alone.
 */
export function runbookOfRecords(
  records: JournalRecord[],
  store: JournalStore,
  /** The guard, for a run that goes on (resume): its steps carry their danger flags. */
  analyze?: StepAnalyzer,
): { runbook: Runbook; source: string | null; recorded: boolean } {
  const first = records[0];
  if (!first || first.type !== 'run.started')
    return { runbook: EMPTY_RUNBOOK, source: null, recorded: false };
  const hash = snapshotHash(records);
  const kept = hash ? store.readRunbook(hash) : null;
  if (hash && kept !== null)
    return {
      runbook: parseCached(hash, kept, first.runbookId, analyze),
      source: kept,
      recorded: true,
    };
  const current = readText(first.runbookPath);
  if (current === null) return { runbook: EMPTY_RUNBOOK, source: null, recorded: false };
  return {
    runbook: parseCached(sha256(current), current, first.runbookId, analyze),
    source: current,
    recorded: false,
  };
}

/** The run's runbook text against the file at its recorded path now. */
export function runbookChange(records: JournalRecord[], store: JournalStore): RunbookChange {
  const first = records[0];
  const path = first?.type === 'run.started' ? first.runbookPath : '';
  const hash = snapshotHash(records);
  const kept = hash ? store.readRunbook(hash) : null;
  if (kept === null) return { status: 'unrecorded', path, diff: null };
  const current = readText(path);
  if (current === null) return { status: 'missing', path, diff: null };
  if (sha256(current) === hash) return { status: 'unchanged', path, diff: null };
  return {
    status: 'edited',
    path,
    diff: createTwoFilesPatch('as run', 'now', kept, current, '', '', { context: 3 }),
  };
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
