import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fdatasyncSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  statSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import { ApiError } from '../../shared/api/errors';
import type { JournalEntry, JournalRecord } from '../../shared/model';
import { acquireLock, releaseLock } from './lock';
import { outputPathOf, sha256 } from './reader';

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
 *
 * The writer holds the journal's lock (see lock.ts) from open to close, so no
 * other process resumes, edits or recovers the run meanwhile.
 *
 * A write the disk refuses (full, read-only, failing) throws, and leaves both
 * files as they were before it: a torn record or output batch is cut off again,
 * so the chain stays whole and the next append, once the disk takes it, follows
 * the last record written.
 */
export class JournalWriter {
  private fd: number | null;
  private outFd: number | null = null;
  private outOffset = 0;
  /** The journal's size after the last whole record. */
  private size = 0;
  private seq = 0;
  private prev = '';

  /**
   * Opens (creating) the journal at `path`. `continueFrom` picks up an existing
   * journal after its last record (a resumed run, fields edited afterwards, the
   * recovery pass). Refused when another live process holds the journal.
   */
  constructor(
    readonly path: string,
    continueFrom: JournalRecord[] = [],
    /** The caller took the journal's lock already and hands it to this writer. */
    options: { locked?: boolean } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    if (!options.locked && !acquireLock(path))
      throw new ApiError(
        'conflict',
        `run ${basename(path, '.jsonl')} is being written by another Runsheet process`,
      );
    try {
      this.fd = openSync(path, 'a', 0o600);
      this.size = fstatSync(this.fd).size;
    } catch (error) {
      releaseLock(path);
      throw error;
    }
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
    const line = Buffer.from(`${json.slice(0, -1)},"hash":"${hash}"}\n`);
    try {
      writeAll(this.fd, line);
    } catch (error) {
      this.seq--;
      cutBack(this.fd, this.size);
      throw error;
    }
    this.size += line.length;
    this.prev = hash;
    return { ...body, hash } as JournalRecord;
  }

  /**
   * Writes raw output bytes to the `.out` file, then the record that points at
   * them; null when the journal is closed.
   */
  appendOutput(stepId: string, chunks: Uint8Array[], host?: string): JournalRecord | null {
    if (this.fd === null) return null;
    this.outFd ??= openSync(outputPathOf(this.path), 'a', 0o600);
    const hash = createHash('sha256');
    const offset = this.outOffset;
    let length = 0;
    for (const chunk of chunks) {
      hash.update(chunk);
      length += chunk.length;
    }
    try {
      writeAllSync(this.outFd, chunks, length);
    } catch (error) {
      cutBack(this.outFd, offset);
      throw error;
    }
    this.outOffset += length;
    try {
      return this.append({
        type: 'step.output',
        stepId,
        ...(host ? { host } : {}),
        offset,
        length,
        sha256: hash.digest('hex'),
      });
    } catch (error) {
      // No record points at these bytes: they go too.
      cutBack(this.outFd, offset);
      this.outOffset = offset;
      throw error;
    }
  }

  sync(): void {
    if (this.outFd !== null) fdatasyncSync(this.outFd);
    if (this.fd !== null) fdatasyncSync(this.fd);
  }

  /** Syncs and closes; the files are closed and the lock released even when the sync fails. */
  close(): void {
    if (this.fd === null) return;
    try {
      this.sync();
    } finally {
      if (this.outFd !== null) closeSync(this.outFd);
      closeSync(this.fd);
      this.fd = null;
      this.outFd = null;
      releaseLock(this.path);
    }
  }
}

/** Cuts a file back to its size before a write that failed (best effort: the disk may fail this too). */
function cutBack(fd: number, size: number): void {
  try {
    ftruncateSync(fd, size);
  } catch {
    // The reader drops a torn last line; one in the middle is what the chain check reports.
  }
}

/** A record's line, whole: a short write (a full disk, a signal) continues where it stopped. */
function writeAll(fd: number, bytes: Buffer): void {
  for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
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
