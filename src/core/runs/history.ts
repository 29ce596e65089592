import { createHash } from 'node:crypto';
import {
  existsSync,
  ftruncateSync,
  openSync,
  closeSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { join } from 'node:path';
import type { RunSummary } from '../../shared/api/contract';
import type { JournalRecord } from '../../shared/log/journal-records';
import { DONE } from '../../shared/log/run-reducer';
import { journalWriter, outputPathOf, readJournal } from './journal';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * Cuts a torn tail off a journal: the records after the last one that parses
 * and chains (a crash can leave half a line). Everything before it is kept as
 * it is; the output file is cut after the last byte a kept record points at.
 * Returns the kept records and how many bytes were cut.
 */
export function cutTornTail(path: string): { records: JournalRecord[]; cut: number } {
  const text = readFileSync(path, 'utf8');
  const records: JournalRecord[] = [];
  let prev = '';
  let good = 0;
  let offset = 0;
  for (const line of text.split('\n')) {
    const end = offset + Buffer.byteLength(line) + 1;
    // A last line without its newline was not finished.
    if (end > Buffer.byteLength(text)) break;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      break;
    }
    const { hash, ...body } = record;
    if (record.seq !== records.length + 1 || record.prev !== prev) break;
    if (sha256(JSON.stringify(body)) !== hash) break;
    records.push(record);
    prev = hash;
    good = end;
    offset = end;
  }
  const cut = Buffer.byteLength(text) - good;
  if (cut > 0) truncate(path, good);
  const outPath = outputPathOf(path);
  if (existsSync(outPath)) {
    const outEnd = records.reduce(
      (max, r) => (r.type === 'step.output' ? Math.max(max, r.offset + r.length) : max),
      0,
    );
    if (statSync(outPath).size > outEnd) truncate(outPath, outEnd);
  }
  return { records, cut };
}

function truncate(path: string, size: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** Each step's last status in a journal, by step id, without the runbook. */
export function stepStatuses(records: JournalRecord[]): Map<string, string> {
  const status = new Map<string, string>();
  for (const r of records) {
    if (r.type === 'step.finished') status.set(r.stepId, r.status);
    else if (r.type === 'step.checked') status.set(r.stepId, r.checked ? 'checked' : 'pending');
    else if (r.type === 'step.skipped') status.set(r.stepId, 'skipped');
    else if (r.type === 'step.manual') status.set(r.stepId, 'manual');
  }
  return status;
}

/** A past or present run, from its journal alone (no runbook needed). */
export function summarize(records: JournalRecord[], journalPath: string): RunSummary | null {
  const first = records[0];
  if (!first || first.type !== 'run.started') return null;
  const last = records[records.length - 1]!;
  const finished = records.find((r) => r.type === 'run.finished');
  const statuses = [...stepStatuses(records).values()];
  let rehearsal: RunSummary['rehearsal'] = null;
  let fields = {
    issues: '',
    nextActions: '',
    maintainer: first.maintainer,
    environment: first.environment,
  };
  for (const r of records) {
    if (r.type === 'run.fields')
      fields = {
        issues: r.issues ?? fields.issues,
        nextActions: r.nextActions ?? fields.nextActions,
        maintainer: r.maintainer ?? fields.maintainer,
        environment: r.environment ?? fields.environment,
      };
  }
  if (first.rehearsal) rehearsal = first.rehearsal;
  const endedAt = finished?.ts ?? null;
  return {
    runId: first.runId,
    runbookId: first.runbookId,
    runbookTitle: first.runbookTitle,
    status: finished ? 'finished' : 'interrupted',
    startedAt: first.ts,
    endedAt,
    lastActivityAt: last.ts,
    durationMs: Date.parse(endedAt ?? last.ts) - Date.parse(first.ts),
    maintainer: fields.maintainer,
    host: first.host,
    environment: fields.environment,
    done: statuses.filter((s) => DONE.has(s)).length,
    failed: statuses.filter((s) => s === 'failed').length,
    issues: fields.issues,
    nextActions: fields.nextActions,
    rehearsal,
    logPath: first.logPath,
    journalPath,
  };
}

/**
 * Every run recorded under `journalsDir`, newest first. Torn tails are cut on
 * the way (a crash mid-write), so what is listed is what can be resumed.
 */
export function scanJournals(
  journalsDir: string,
): Array<{ summary: RunSummary; records: JournalRecord[] }> {
  if (!existsSync(journalsDir)) return [];
  const runs: Array<{ summary: RunSummary; records: JournalRecord[] }> = [];
  for (const name of readdirSync(journalsDir)) {
    if (!name.endsWith('.jsonl')) continue;
    const path = join(journalsDir, name);
    // A journal another live process is writing is read, never cut.
    const live = journalWriter(path) !== null;
    const records = live ? readJournal(path).records : cutTornTail(path).records;
    const summary = summarize(records, path);
    if (summary) runs.push({ summary: live ? { ...summary, status: 'active' } : summary, records });
  }
  return runs.sort((a, b) => b.summary.startedAt.localeCompare(a.summary.startedAt));
}
