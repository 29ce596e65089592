import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';

/**
 * Who may write a journal: `<journal>.lock` holds the writer's process id and
 * the time its process started. Written here rather than taken from a library:
 * the lock packages for Node (proper-lockfile and its kin) judge a lock stale by
 * its age, so a crashed writer's journal would stay locked for that period and
 * the recovery pass right after a crash would skip it. A process id tells at
 * once whether the writer is alive; its start time tells a reused id apart.
 */
export function lockPathOf(journalPath: string): string {
  return `${journalPath}.lock`;
}

interface Holder {
  pid: number;
  /** The process's start time (Linux /proc), or null where the system does not say. */
  started: string | null;
}

/** The start time of a process, from /proc (Linux); null elsewhere or when it is gone. */
function startTimeOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name (which may hold spaces) in parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

function parseHolder(text: string): Holder | null {
  const [pid, started] = text.trim().split(':');
  const n = Number(pid);
  if (!Number.isInteger(n) || n <= 0) return null;
  return { pid: n, started: started || null };
}

function alive(holder: Holder): boolean {
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    // EPERM: it exists, owned by someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // The id was given to another process since: the writer is gone.
  const started = startTimeOf(holder.pid);
  return !(holder.started && started && started !== holder.started);
}

const self = (): string => `${process.pid}:${startTimeOf(process.pid) ?? ''}`;

/** The id of a live process writing this journal, or null (no lock, or its writer is gone). */
export function lockHolder(journalPath: string): number | null {
  let holder: Holder | null;
  try {
    holder = parseHolder(readFileSync(lockPathOf(journalPath), 'utf8'));
  } catch {
    return null;
  }
  return holder && alive(holder) ? holder.pid : null;
}

/**
 * Takes the journal's lock for this process: true when it is ours (made now, or
 * already ours), false when a live process holds it. A lock left by a dead
 * writer is taken over: moved aside under a unique name (only one process can
 * move it), checked to be the stale one, then replaced.
 */
export function acquireLock(journalPath: string): boolean {
  const path = lockPathOf(journalPath);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, self());
      } finally {
        closeSync(fd);
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue; // released meanwhile: try again
    }
    const holder = parseHolder(text);
    if (holder?.pid === process.pid && text.trim() === self()) return true;
    if (holder && alive(holder)) return false;
    const aside = `${path}.${randomBytes(6).toString('hex')}.stale`;
    try {
      renameSync(path, aside);
    } catch {
      continue; // someone else moved it first
    }
    const moved = readFileSync(aside, 'utf8');
    if (moved !== text) {
      // Another process took it over between our read and our move: give it back.
      try {
        linkSync(aside, path);
      } catch {
        // A third process holds it now; either way it is not ours.
      }
      rmSync(aside, { force: true });
      return false;
    }
    rmSync(aside, { force: true });
  }
  return false;
}

/** Gives the lock up, if this process holds it. */
export function releaseLock(journalPath: string): void {
  const path = lockPathOf(journalPath);
  try {
    if (readFileSync(path, 'utf8').trim() === self()) rmSync(path, { force: true });
  } catch {
    // Already gone.
  }
}
