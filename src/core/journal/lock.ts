import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Who may write a journal: `<journal>.lock` holds the writer's host, process id
 * and the time its process started. Written here rather than taken from a
 * library: the lock packages for Node (proper-lockfile and its kin) judge a lock
 * stale by its age, so a crashed writer's journal would stay locked for that
 * period and the recovery pass right after a crash would skip it. A process id
 * tells at once whether the writer is alive; its start time tells a reused id
 * apart; a lock from another host (a shared data folder) is never judged stale.
 *
 * Every acquisition ends in an atomic `link` of a complete file, so a lock is
 * never seen empty and at most one process ever holds it. The lock is not
 * re-entrant: a second acquisition in the same process is refused too.
 */
export function lockPathOf(journalPath: string): string {
  return `${journalPath}.lock`;
}

interface Holder {
  host: string;
  pid: number;
  /** The process's start time (Linux /proc), or '' where the system does not say. */
  started: string;
}

/** Journals this process holds. */
const held = new Set<string>();

/** The start time of a process, from /proc (Linux); '' elsewhere or when it is gone. */
function startTimeOf(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name (which may hold spaces) in parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

const self = (): string =>
  JSON.stringify({ host: hostname(), pid: process.pid, started: startTimeOf(process.pid) });

function parseHolder(text: string): Holder | null {
  try {
    const h = JSON.parse(text) as Partial<Holder>;
    if (typeof h.host !== 'string' || !Number.isInteger(h.pid) || (h.pid as number) <= 0)
      return null;
    return { host: h.host, pid: h.pid as number, started: String(h.started ?? '') };
  } catch {
    return null;
  }
}

/** Whether the lock's writer may still be writing (a lock that cannot be read counts as live). */
function alive(text: string): boolean {
  // Locks written before the host was recorded held the process id alone.
  const legacy = /^\s*(\d+)\s*$/.exec(text);
  const holder = legacy
    ? { host: hostname(), pid: Number(legacy[1]), started: '' }
    : parseHolder(text);
  if (!holder) return text.trim() !== '';
  // Another host's process cannot be checked from here: never taken over.
  if (holder.host !== hostname()) return true;
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

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** The id of a live process writing this journal, or null (no lock, or its writer is gone). */
export function lockHolder(journalPath: string): number | null {
  if (held.has(journalPath)) return process.pid;
  const text = read(lockPathOf(journalPath));
  if (text === null || !alive(text)) return null;
  return parseHolder(text)?.pid ?? -1;
}

/** Places a complete file at `target` only if nothing is there (atomic); false when something is. */
function linkInto(target: string, content: string): boolean {
  const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/**
 * Takes the journal's lock for this process: true when it is now ours, false
 * when someone holds it (another live process, or this one). A lock left by a
 * dead writer is taken over under a second lock (`.lock.takeover`), so that two
 * processes replacing the same stale lock cannot remove each other's.
 */
export function acquireLock(journalPath: string): boolean {
  if (held.has(journalPath)) return false;
  const path = lockPathOf(journalPath);
  const mine = self();
  if (linkInto(path, mine)) {
    held.add(journalPath);
    return true;
  }
  const stale = read(path);
  if (stale !== null && alive(stale)) return false;
  const takeover = `${path}.takeover`;
  if (!linkInto(takeover, mine)) {
    // Someone else is taking it over, or died doing so (then its marker is stale too).
    const other = read(takeover);
    if (other === null || alive(other)) return false;
    unlinkQuietly(takeover);
    if (!linkInto(takeover, mine)) return false;
  }
  try {
    // Still the stale lock we read (nobody took it over meanwhile): replace it.
    if (read(path) === stale && stale !== null) unlinkQuietly(path);
    if (!linkInto(path, mine)) return false;
    held.add(journalPath);
    return true;
  } finally {
    unlinkQuietly(takeover);
  }
}

/** Gives the lock up, if this process holds it. */
export function releaseLock(journalPath: string): void {
  if (!held.delete(journalPath)) return;
  const path = lockPathOf(journalPath);
  if (read(path) === self()) unlinkQuietly(path);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}
