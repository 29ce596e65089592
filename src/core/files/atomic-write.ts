import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';

/** Writes a file so readers see the old or the new content, never a mix: temp file, fsync, rename. */
export function writeFileAtomic(path: string, content: string, mode = 0o644): void {
  const { fd, commit, abort } = openAtomic(path, mode);
  try {
    writeSync(fd, content);
  } catch (error) {
    throw abort(error);
  }
  commit();
}

/**
 * The same, for content that arrives in pieces (a step's whole output): each piece
 * written as it comes, so the content never sits in memory whole.
 */
export async function writeFileAtomicFrom(
  path: string,
  pieces: AsyncIterable<string>,
  mode = 0o644,
): Promise<void> {
  const { fd, commit, abort } = openAtomic(path, mode);
  try {
    for await (const piece of pieces) writeSync(fd, piece);
  } catch (error) {
    throw abort(error);
  }
  commit();
}

/**
 * A temp file beside `path` (its name unique, so two writers of one path cannot mix
 * their bytes), made the file at `commit` (fsync, close, rename). A failure removes it:
 * a full disk leaves no half-written temp file behind (the old file is untouched),
 * and the error names the file meant, not the temp file.
 */
function openAtomic(path: string, mode: number) {
  mkdirSync(dirname(path), { recursive: true });
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  const fd = openSync(temp, 'w', mode);
  let open = true;
  const abort = (error: unknown) => {
    if (open) {
      open = false;
      try {
        closeSync(fd);
      } catch {
        // Closing failed too: the temp file goes all the same, and the first error is the one told.
      }
    }
    rmSync(temp, { force: true });
    if (error && typeof error === 'object' && 'path' in error) error.path = path;
    return error;
  };
  const commit = () => {
    try {
      fsyncSync(fd);
      closeSync(fd);
      open = false;
      renameSync(temp, path);
    } catch (error) {
      throw abort(error);
    }
  };
  return { fd, commit, abort };
}
