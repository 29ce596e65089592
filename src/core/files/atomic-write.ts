import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** Writes a file so readers see the old or the new content, never a mix: temp file, fsync, rename. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const fd = openSync(temp, 'w', mode);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    // A full disk leaves no half-written temp file behind (the old file is untouched),
    // and the error names the file meant, not the temp file.
    rmSync(temp, { force: true });
    if (error && typeof error === 'object' && 'path' in error) error.path = path;
    throw error;
  }
}
