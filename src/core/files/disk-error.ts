import { closeSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../shared/api/errors';

/**
 * Errors of the disk, not of the program: a full disk, a read-only or vanished
 * folder, a file the process may not write, a failing device. A run meets them
 * while it writes its journal, output or log; they stop that run (see LiveRun),
 * never the process.
 */
const DISK_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'an input/output error (the disk or its connection failed)',
  EFBIG: 'the file is too large for its file system',
  ENOENT: 'the folder is gone',
  ENOTDIR: 'a part of the path is not a folder',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on the system',
};

export function isDiskError(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in DISK_ERRORS;
}

/** "no space left on the device (ENOSPC)". */
function reason(error: NodeJS.ErrnoException): string {
  const code = error.code ?? 'EIO';
  return `${DISK_ERRORS[code] ?? error.message} (${code})`;
}

/** "no space left on the device (ENOSPC) writing /path/to/file". */
export function describeDiskError(error: NodeJS.ErrnoException, path: string): string {
  return `${reason(error)} writing ${error.path ?? path}`;
}

/**
 * Refuses (naming the folder and why) when `dir` cannot take a file: tried for real,
 * with a small file written and removed, since a read-only mount or a full disk is not
 * always visible in a folder's permissions. (Not synced: starting a run stays quick, and
 * a disk that fails later is what the run's own fault handling is for.)
 */
export function checkWritable(dir: string, what: string): void {
  const probe = join(dir, `.runsheet-write-check-${process.pid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, Buffer.alloc(4096));
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    rmSync(probe, { force: true });
    if (!isDiskError(error)) throw error;
    throw new ApiError(
      'forbidden',
      `the run cannot start: its ${what} folder ${dir} cannot be written: ${reason(error)}`,
    );
  }
  rmSync(probe, { force: true });
}
