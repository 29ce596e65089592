import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { ApiError } from '../../shared/api/errors';

/** The largest runbook Runsheet opens. */
export const MAX_RUNBOOK_BYTES = 10 * 1024 * 1024;

/**
 * A runbook's text, exactly as written: UTF-8 or refused. A decoder that replaced bad
 * bytes with U+FFFD would change the commands a step runs; a file with NUL bytes is not
 * Markdown; a file over 10 MB is not a runbook a person walks.
 */
export function decodeRunbook(bytes: Buffer, path: string): string {
  checkRunbookSize(bytes.length, path);
  if (looksBinary(bytes))
    throw new ApiError('invalid-input', `${path} is a binary file, not Markdown`);
  if (!isUtf8(bytes)) {
    // Name the first line with a byte that is not UTF-8.
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 0x0a) {
        if (!isUtf8(bytes.subarray(start, i)))
          throw new ApiError(
            'invalid-input',
            `${path}:${line}: not UTF-8 (save the file as UTF-8; a byte on this line is not)`,
          );
        line++;
        start = i + 1;
      }
    }
  }
  return bytes.toString('utf8');
}

/** Refuses a file over the cap, before it is read. */
export function checkRunbookSize(size: number, path: string): void {
  if (size > MAX_RUNBOOK_BYTES)
    throw new ApiError(
      'invalid-input',
      `${path} is ${(size / 1024 / 1024).toFixed(1)} MB; runbooks up to ${MAX_RUNBOOK_BYTES / 1024 / 1024} MB are opened`,
    );
}

/** NUL bytes in the first 8 kB: a binary file (the test git and grep use). */
export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, 8192).includes(0);
}

/** Reads a runbook file as `decodeRunbook` accepts it. */
export function readRunbookText(path: string): string {
  checkRunbookSize(statSync(path).size, path);
  return decodeRunbook(readFileSync(path), path);
}
