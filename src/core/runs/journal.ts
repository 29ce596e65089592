import { createHash } from 'node:crypto';
import { closeSync, fdatasyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry, JournalRecord } from '../../shared/log/journal-records';

function hashOf(record: Omit<JournalRecord, 'hash'>): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('hex');
}

/**
 * Append-only JSON-lines journal of one run. Each record carries a sequence
 * number and a SHA-256 over its content and the previous record's hash, so a
 * torn tail or a later edit is detectable. Appends are synchronous: a record
 * is in the kernel before `append` returns; `sync()` (fdatasync) is called at
 * step boundaries.
 */
export class JournalWriter {
  private fd: number | null;
  private seq = 0;
  private prev = '';

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'a', 0o600);
  }

  append(entry: JournalEntry): JournalRecord {
    if (this.fd === null) throw new Error(`journal ${this.path} is closed`);
    const body = { ...entry, seq: ++this.seq, ts: new Date().toISOString(), prev: this.prev };
    const record = { ...body, hash: hashOf(body) } as JournalRecord;
    writeSync(this.fd, `${JSON.stringify(record)}\n`);
    this.prev = record.hash;
    return record;
  }

  get closed(): boolean {
    return this.fd === null;
  }

  sync(): void {
    if (this.fd !== null) fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fdatasyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}

export interface JournalReadResult {
  records: JournalRecord[];
  /** Problems found, each naming the file and line. */
  errors: string[];
}

/** Reads a journal and checks sequence and hash chain. */
export function readJournal(path: string): JournalReadResult {
  const lines = readFileSync(path, 'utf8').split('\n');
  const records: JournalRecord[] = [];
  const errors: string[] = [];
  let prev = '';
  lines.forEach((line, index) => {
    if (line === '') return;
    const where = `${path}:${index + 1}`;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      errors.push(`${where}: not valid JSON (torn or edited record)`);
      return;
    }
    const { hash, ...body } = record;
    if (record.seq !== records.length + 1)
      errors.push(`${where}: sequence ${record.seq}, expected ${records.length + 1}`);
    if (record.prev !== prev) errors.push(`${where}: does not chain to the previous record`);
    if (hashOf(body) !== hash) errors.push(`${where}: checksum mismatch (record was changed)`);
    prev = hash;
    records.push(record);
  });
  return { records, errors };
}
