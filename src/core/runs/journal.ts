import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  rmSync,
  statSync,
  writeFileSync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { dirname } from 'node:path';
import type { JournalEntry, JournalRecord } from '../../shared/log/journal-records';

const sha256 = (text: string | Uint8Array): string =>
  createHash('sha256').update(text).digest('hex');

/** The file beside a journal that holds its steps' raw output bytes. */
export function outputPathOf(journalPath: string): string {
  return journalPath.replace(/\.jsonl$/, '') + '.out';
}

/**
 * Append-only JSON-lines journal of one run. Each record carries a sequence
 * number and a SHA-256 over its own JSON (which holds the previous record's
 * hash), so a torn tail or a later edit is detectable. Raw step output goes,
 * byte for byte, to a `.out` file beside it; its records give offset, length
 * and SHA-256, so the chain covers the output too. Appends are synchronous
 * (one writev per output batch, then its record): in the kernel before the call
 * returns. Measured here, this beats handing the bytes to the thread pool, which
 * competes with the program producing them. `sync()` (fdatasync) is called at
 * step boundaries.
 */
export class JournalWriter {
  private fd: number | null;
  private outFd: number | null = null;
  private outOffset = 0;
  /** Output writes in order; each record is appended after its bytes are written. */
  private outQueue: Promise<unknown> = Promise.resolve();
  private seq = 0;
  private prev = '';

  /**
   * Opens (creating) the journal at `path`. `continueFrom` picks up an existing
   * journal after its last record (a resumed run, fields edited afterwards).
   * A `.lock` file holding this process's id marks the journal as being
   * written, so no other process (or a history scan) cuts or resumes it.
   */
  constructor(
    readonly path: string,
    continueFrom: JournalRecord[] = [],
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'a', 0o600);
    writeFileSync(lockPathOf(path), String(process.pid), { mode: 0o600 });
    const last = continueFrom[continueFrom.length - 1];
    if (last) {
      this.seq = last.seq;
      this.prev = last.hash;
      const out = outputPathOf(path);
      this.outOffset = existsSync(out) ? statSync(out).size : 0;
    }
  }

  get closed(): boolean {
    return this.fd === null;
  }

  append(entry: JournalEntry): JournalRecord {
    if (this.fd === null) throw new Error(`journal ${this.path} is closed`);
    const body = { ...entry, seq: ++this.seq, ts: new Date().toISOString(), prev: this.prev };
    // One serialization: the hash covers exactly the JSON that is written, minus the hash itself.
    const json = JSON.stringify(body);
    const hash = sha256(json);
    writeSync(this.fd, `${json.slice(0, -1)},"hash":"${hash}"}\n`);
    this.prev = hash;
    return { ...body, hash } as JournalRecord;
  }

  /**
   * Writes raw output bytes to the `.out` file, then the record that points at
   * them; resolves with the record (null if the journal closed meanwhile).
   */
  appendOutput(stepId: string, chunks: Uint8Array[], host?: string): Promise<JournalRecord | null> {
    if (this.fd === null) return Promise.resolve(null);
    this.outFd ??= openSync(outputPathOf(this.path), 'a', 0o600);
    const hash = createHash('sha256');
    const offset = this.outOffset;
    let length = 0;
    for (const chunk of chunks) {
      hash.update(chunk);
      length += chunk.length;
    }
    writeAllSync(this.outFd, chunks, length);
    this.outOffset += length;
    const record = this.append({
      type: 'step.output',
      stepId,
      ...(host ? { host } : {}),
      offset,
      length,
      sha256: hash.digest('hex'),
    });
    return Promise.resolve(record);
  }

  /** Resolves when every output write so far is written, with its record. */
  drain(): Promise<void> {
    return this.outQueue.then(() => undefined);
  }

  sync(): void {
    if (this.outFd !== null) fdatasyncSync(this.outFd);
    if (this.fd !== null) fdatasyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    this.sync();
    if (this.outFd !== null) closeSync(this.outFd);
    closeSync(this.fd);
    this.fd = null;
    this.outFd = null;
    rmSync(lockPathOf(this.path), { force: true });
  }
}

export function lockPathOf(journalPath: string): string {
  return `${journalPath}.lock`;
}

/** The id of a live process writing this journal, or null (no lock, or its process is gone). */
export function journalWriter(journalPath: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPathOf(journalPath), 'utf8'));
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

export interface JournalReadResult {
  records: JournalRecord[];
  /** Problems found, each naming the file and line. */
  errors: string[];
}

/** Reads a journal and checks sequence, hash chain and the output bytes each record points at. */
export function readJournal(path: string): JournalReadResult {
  const lines = readFileSync(path, 'utf8').split('\n');
  const outPath = outputPathOf(path);
  const out = existsSync(outPath) ? openSync(outPath, 'r') : null;
  const records: JournalRecord[] = [];
  const errors: string[] = [];
  let prev = '';
  try {
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
      if (sha256(JSON.stringify(body)) !== hash)
        errors.push(`${where}: checksum mismatch (record was changed)`);
      if (record.type === 'step.output') {
        const bytes = out ? readAt(out, record.offset, record.length) : Buffer.alloc(0);
        if (bytes.length !== record.length || sha256(bytes) !== record.sha256) {
          errors.push(
            `${where}: output bytes ${record.offset}..${record.offset + record.length} in ${outPath} were changed or are missing`,
          );
        }
      }
      prev = hash;
      records.push(record);
    });
  } finally {
    if (out !== null) closeSync(out);
  }
  return { records, errors };
}

/** The raw output of one step, concatenated from the `.out` file. */
export function readStepOutput(
  journalPath: string,
  stepId: string,
  records = readJournal(journalPath).records,
): Buffer {
  const out = openSync(outputPathOf(journalPath), 'r');
  try {
    return Buffer.concat(
      records.flatMap((r) =>
        r.type === 'step.output' && r.stepId === stepId ? [readAt(out, r.offset, r.length)] : [],
      ),
    );
  } finally {
    closeSync(out);
  }
}

/** One writev per batch; a short write continues where it stopped. */
function writeAllSync(fd: number, chunks: Uint8Array[], total: number): void {
  let rest = chunks;
  let left = total;
  while (left > 0) {
    let written = writevSync(fd, rest);
    left -= written;
    const remaining: Uint8Array[] = [];
    for (const chunk of rest) {
      if (written >= chunk.length) written -= chunk.length;
      else {
        remaining.push(written > 0 ? chunk.subarray(written) : chunk);
        written = 0;
      }
    }
    rest = remaining;
  }
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
