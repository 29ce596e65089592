import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { JournalRecord } from '../../shared/model';
import type { JournalRecord as Record_ } from '../../shared/model';

export const sha256 = (data: string | Uint8Array): string =>
  createHash('sha256').update(data).digest('hex');

/** The file beside a journal that holds its steps' raw output bytes. */
export function outputPathOf(journalPath: string): string {
  return journalPath.replace(/\.jsonl$/, '') + '.out';
}

export interface JournalReadResult {
  /** The records that parse, match the schema and chain, up to the first that does not. */
  records: Record_[];
  /** Problems found, each naming the file and line. */
  errors: string[];
  /** Where the good records end (bytes): a torn tail starts here. */
  end: number;
  /**
   * What follows the good records is a torn tail only: what a crash mid-append
   * leaves (half a line, a line that is not JSON, zeros). Anything else after a
   * bad record (a line edited, a record after the bad one) is damage to report,
   * never to cut.
   */
  torn: boolean;
}

/**
 * Reads a journal: every line is JSON, a journal record by its schema, in
 * sequence, chained to the one before and hashed over its own body. With
 * `checkOutput`, the output bytes each record points at are read and hashed too.
 * The one reader: recovery, folding, the index and `runsheet verify` all use it.
 */
export function readJournal(
  path: string,
  options: { checkOutput?: boolean } = {},
): JournalReadResult {
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const outPath = outputPathOf(path);
  const out = options.checkOutput && existsSync(outPath) ? openSync(outPath, 'r') : null;
  const records: Record_[] = [];
  const errors: string[] = [];
  let prev = '';
  let offset = 0;
  let end = 0;
  let seen = 0;
  let badLines = 0;
  /** Bad lines a crash can leave (half a line, not JSON, zeros): nothing else is ever cut. */
  let crashLines = 0;
  /** A good record after a bad line: the damage is in the middle. */
  let goodAfterBad = false;
  try {
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index]!;
      const last = index === lines.length - 1;
      if (last && line === '') break;
      const where = `${path}:${index + 1}`;
      // A power loss can leave zeros where the last write should be.
      const blank = line.replace(/\0/g, '').trim() === '';
      const seq = ++seen;
      const checked = blank
        ? 'no record (empty, or zeros): torn by a crash'
        : last
          ? 'not finished (no newline): torn by a crash mid-write'
          : checkLine(line, seq, prev);
      if (typeof checked === 'string') {
        errors.push(`${where}: ${checked}`);
        badLines += 1;
        if (blank || last || checked.startsWith('not valid JSON')) crashLines += 1;
        // Go on checking the rest against what this line claims, to name every problem.
        try {
          prev = String((JSON.parse(line) as { hash?: unknown }).hash ?? prev);
        } catch {
          // Not JSON: the next line cannot chain to it either.
        }
        continue;
      }
      const record = checked;
      if (badLines > 0) goodAfterBad = true;
      if (out && record.type === 'step.output') {
        const bytes = readAt(out, record.offset, record.length);
        if (bytes.length !== record.length || sha256(bytes) !== record.sha256)
          errors.push(
            `${where}: output bytes ${record.offset}..${record.offset + record.length} in ${outPath} were changed or are missing`,
          );
      }
      prev = record.hash;
      offset += Buffer.byteLength(line) + 1;
      // Only the unbroken prefix is trusted.
      if (badLines === 0) {
        records.push(record);
        end = offset;
      }
    }
  } finally {
    if (out !== null) closeSync(out);
  }
  // Torn: everything after the good records is what a crash mid-append leaves. A complete
  // line that parses but does not check out (an edit) is damage, reported and never cut.
  const torn = badLines > 0 && crashLines === badLines && !goodAfterBad;
  return { records, errors, end, torn };
}

/** A record, or what is wrong with the line. */
function checkLine(line: string, seq: number, prev: string): Record_ | string {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return 'not valid JSON (torn or edited record)';
  }
  const parsed = JournalRecord.safeParse(json);
  if (!parsed.success)
    return `not a journal record (${parsed.error.issues[0]?.path.join('.') || 'type'}: ${parsed.error.issues[0]?.message ?? 'invalid'})`;
  const record = json as Record_;
  if (record.seq !== seq) return `sequence ${record.seq}, expected ${seq}`;
  if (record.prev !== prev) return 'does not chain to the previous record';
  const { hash, ...body } = record;
  if (sha256(JSON.stringify(body)) !== hash) return 'checksum mismatch (record was changed)';
  return record;
}

/** The raw output of one step (of one host of it, with `host`), from the `.out` file. */
export function readStepOutput(
  journalPath: string,
  stepId: string,
  records: Record_[] = readJournal(journalPath).records,
  host?: string,
): Buffer {
  const outPath = outputPathOf(journalPath);
  if (!existsSync(outPath)) return Buffer.alloc(0);
  const out = openSync(outPath, 'r');
  try {
    return Buffer.concat(
      records.flatMap((r) =>
        r.type === 'step.output' && r.stepId === stepId && (host === undefined || r.host === host)
          ? [readAt(out, r.offset, r.length)]
          : [],
      ),
    );
  } finally {
    closeSync(out);
  }
}

/** Where the output file's referenced bytes end. */
export function outputEnd(records: Record_[]): number {
  let max = 0;
  for (const r of records) if (r.type === 'step.output') max = Math.max(max, r.offset + r.length);
  return max;
}

/**
 * The bytes one `step.output` record points at, from the open `.out` file `fd`,
 * checked against the record's SHA-256: a byte changed or missing is an error
 * naming the file and range, never output. (`readJournal` with `checkOutput`
 * reports the same instead of throwing, to name every problem.)
 */
export function readOutputBatch(
  fd: number,
  outPath: string,
  batch: { offset: number; length: number; sha256: string },
): Buffer {
  const bytes = readAt(fd, batch.offset, batch.length);
  if (bytes.length !== batch.length || sha256(bytes) !== batch.sha256)
    throw new Error(
      `${basename(outPath)}: bytes ${batch.offset}..${batch.offset + batch.length} were changed or are missing (see runsheet verify)`,
    );
  return bytes;
}

/**
 * A run's journal read whole, with its `run.started` record: an error naming
 * the file when it does not start with one (not a run's journal, or damaged).
 */
export function readRunJournal(
  path: string,
  options: { checkOutput?: boolean } = {},
): JournalReadResult & { started: Extract<Record_, { type: 'run.started' }> } {
  const result = readJournal(path, options);
  const first = result.records[0];
  if (!first || first.type !== 'run.started')
    throw new Error(result.errors[0] ?? `${path}: does not start with run.started`);
  return { ...result, started: first };
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const n = readSync(fd, buffer, read, length - read, offset + read);
    if (n === 0) break;
    read += n;
  }
  return buffer.subarray(0, read);
}
