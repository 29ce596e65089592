import { statSync, watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { ApiError } from '../../shared/api/errors';
import type { EventPayload, RunbookSummary } from '../../shared/api/contract';
import { actionableSteps, type Runbook } from '../../shared/model';
import { parseRunbookFile, type StepAnalyzer } from '../../shared/runbook';
import { checkRunbookSize, decodeRunbook } from './runbook-text';

const MAX_DEPTH = 4;
const SKIP_DIRS = new Set(['node_modules', '.git', 'maintenance-logs']);

interface Cached {
  mtimeMs: number;
  size: number;
  ino: number;
  runbook: Runbook;
  /** The text the runbook was parsed from (a run keeps it as its record of what it ran). */
  source: string;
}

/** Runbooks added, deleted and renamed on disk, with the list as it is now (the event's payload). */
export type WorkspaceChange = EventPayload<'workspace.didChange'>;

/** Who is told what changed on disk while the workspace is watched. */
export interface WorkspaceListener {
  /** A runbook's text changed (or it can be read again): its new parse. */
  changed(id: string, runbook: Runbook, summary: RunbookSummary, source: string): void;
  /** Runbooks were added, deleted or renamed (a broken one is listed with its error). */
  listChanged(change: WorkspaceChange): void;
}

/** Quiet time after the last event before the folder is looked at again; bursts wait at most MAX_WAIT_MS. */
const SETTLE_MS = 100;
const MAX_WAIT_MS = 1000;
/**
 * A runbook that vanished is looked for once more after this long before it is called deleted:
 * an editor that saves by renaming the old file away and writing a new one is not a deletion.
 */
const CONFIRM_GONE_MS = 250;
/** How often a workspace folder that is gone is looked for again. */
const MISSING_ROOT_MS = 2000;

/** A folder of Markdown runbooks. Ids are paths relative to the folder. */
export class Workspace {
  private readonly cache = new Map<string, Cached>();

  /**
   * One watcher per folder the runbook scan walks (the same depth and skipped folders), not
   * node's `recursive: true`: on Linux that walks and watches every folder below, node_modules
   * and .git included, and a data folder inside the workspace would wake it on every journal
   * write. The project depends on no watcher library, and needs little of one: a folder event
   * only schedules a fresh scan, so the scan, not the events, is the truth.
   */
  private readonly watchers = new Map<string, FSWatcher>();
  private listener: WorkspaceListener | null = null;
  private watching = false;
  private timer: NodeJS.Timeout | null = null;
  private firstEventAt = 0;
  private scanning = false;
  private scanAgain = false;
  /** What listeners were last told: each runbook's text, or null while it cannot be read. */
  private readonly announced = new Map<string, string | null>();
  private baseline: Map<string, RunbookSummary> | null = null;
  /** When the scan first missed a runbook it still has to confirm gone (0: none). */
  private goneSince = 0;

  /**
   * `analyze` flags destructive commands (core/guard); without it steps carry none.
   * `notice` is a workspace-wide problem every runbook shows (a broken runsheet.yaml).
   */
  constructor(
    readonly dir: string,
    private readonly analyze?: StepAnalyzer,
    private readonly notice: string | null = null,
  ) {}

  /**
   * Follows the folder from the first `list()` or `open()` on (the UI's first look; a one-shot
   * CLI command that reads no runbook watches nothing): edits, runbooks
   * added, deleted and renamed, debounced (editors write in several steps, or replace the file).
   */
  watch(listener: WorkspaceListener): void {
    this.listener = listener;
  }

  unwatch(): void {
    this.listener = null;
    this.watching = false;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Watches exactly these folders (the scan's), closing the others. */
  private watchFolders(dirs: string[]): void {
    if (!this.watching) return;
    const wanted = new Set(dirs);
    for (const [dir, watcher] of this.watchers)
      if (!wanted.has(dir)) {
        watcher.close();
        this.watchers.delete(dir);
      }
    for (const dir of wanted) {
      if (this.watchers.has(dir)) continue;
      try {
        // Not persistent: a watched workspace never keeps a process (the CLI) alive by itself.
        const watcher = watch(dir, { persistent: false }, (_event, name) => {
          if (typeof name === 'string' && !this.concerns(join(dir, name))) return;
          this.schedule(SETTLE_MS);
        });
        watcher.on('error', () => {
          watcher.close();
          if (this.watchers.get(dir) === watcher) this.watchers.delete(dir);
          this.schedule(SETTLE_MS);
        });
        this.watchers.set(dir, watcher);
      } catch {
        // Gone meanwhile, or no inotify watches left: the next scan tries again.
      }
    }
  }

  /**
   * Whether an event on this path can change the list: a Markdown file, or a folder (now, or
   * one that was watched). Hidden files, editors' backups and temp files, and journals or logs
   * written inside the workspace wake nothing.
   */
  private concerns(path: string): boolean {
    const name = basename(path);
    if (name.startsWith('.')) return false;
    if (name.toLowerCase().endsWith('.md')) return true;
    if (this.watchers.has(path)) return true;
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  }

  private schedule(delay: number): void {
    if (!this.watching) return;
    const now = Date.now();
    if (!this.timer) this.firstEventAt = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(delay, this.firstEventAt + MAX_WAIT_MS - now));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.rescan();
    }, wait).unref();
  }

  /** A scan after `delay` whatever happens meanwhile (events only bring it closer). */
  private later(delay: number): void {
    setTimeout(() => this.schedule(0), delay).unref();
  }

  /** Scans the folder again and tells the listener what changed since it was last told. */
  private async rescan(): Promise<void> {
    if (this.scanning) {
      this.scanAgain = true;
      return;
    }
    this.scanning = true;
    try {
      let summaries: RunbookSummary[];
      try {
        summaries = await this.list();
      } catch {
        // The folder itself is gone or unreadable: nothing is listed, and with no folder to
        // watch, it is looked for every few seconds until it is back.
        summaries = [];
        this.later(MISSING_ROOT_MS);
      }
      if (!this.listener) return;
      const before = this.baseline ?? new Map<string, RunbookSummary>();
      const now = new Map(summaries.map((s) => [s.id, s]));
      const gone = [...before.keys()].filter((id) => !now.has(id));
      if (gone.length > 0) {
        // Looked for once more before anything is called deleted (see CONFIRM_GONE_MS).
        this.goneSince ||= Date.now();
        const left = this.goneSince + CONFIRM_GONE_MS - Date.now();
        if (left > 0) {
          this.later(left);
          return;
        }
      }
      this.goneSince = 0;
      this.baseline = now;
      this.announce(before, now, gone);
    } finally {
      this.scanning = false;
      if (this.scanAgain) {
        this.scanAgain = false;
        void this.rescan();
      }
    }
  }

  private announce(
    before: Map<string, RunbookSummary>,
    now: Map<string, RunbookSummary>,
    gone: string[],
  ): void {
    const listener = this.listener!;
    const added = [...now.keys()].filter((id) => !before.has(id));
    const renamedTo = new Set<string>();
    // A rename: a runbook gone and one new with the very same text, in the same scan.
    const removed = gone.map((id) => {
      const text = this.announced.get(id);
      const to =
        text == null
          ? undefined
          : added.find((a) => this.cache.get(a)?.source === text && !renamedTo.has(a));
      if (to) renamedTo.add(to);
      return { id, renamedTo: to ?? null };
    });
    for (const id of gone) this.announced.delete(id);
    for (const [id, summary] of now) {
      const entry = summary.error === null ? this.cache.get(id) : undefined;
      const text = entry?.source ?? null;
      const known = this.announced.has(id);
      const last = this.announced.get(id);
      this.announced.set(id, text);
      if (known && entry && last !== text) listener.changed(id, entry.runbook, summary, text!);
    }
    const broke = [...now].some(([id, s]) => before.has(id) && before.get(id)!.error !== s.error);
    if (added.length > 0 || removed.length > 0 || broke)
      listener.listChanged({ runbooks: [...now.values()], added, removed });
  }

  /** The runbooks in the folder; the first call starts watching it (when someone listens). */
  async list(): Promise<RunbookSummary[]> {
    const first = this.listener !== null && !this.watching;
    if (first) this.watching = true;
    const dirs: string[] = [];
    let files: string[];
    try {
      files = await this.findRunbooks(this.dir, 0, dirs);
    } finally {
      this.watchFolders(dirs);
    }
    const summaries: RunbookSummary[] = [];
    const ids = new Set<string>();
    for (const file of files) {
      const id = relative(this.dir, file).split(sep).join('/');
      try {
        const { runbook } = await this.load(id);
        summaries.push(summarize(id, runbook));
        ids.add(id);
      } catch (error) {
        // Listed, so the user sees why it does not open; a binary file is not a runbook at all.
        if ((error as Error).message.endsWith('is a binary file, not Markdown')) continue;
        summaries.push(unreadable(id, (error as Error).message));
        ids.add(id);
      }
    }
    for (const id of this.cache.keys()) if (!ids.has(id)) this.cache.delete(id);
    const sorted = summaries.sort(
      (a, b) => rank(a.id) - rank(b.id) || a.title.localeCompare(b.title),
    );
    if (first) {
      // What the watcher compares with from now on; one more look covers what changed while
      // the folders were being watched.
      this.baseline = new Map(sorted.map((s) => [s.id, s]));
      for (const s of sorted)
        this.announced.set(s.id, s.error === null ? (this.cache.get(s.id)?.source ?? null) : null);
      this.schedule(0);
    }
    return sorted;
  }

  /** Reads and parses one runbook; errors name the file. */
  async open(
    id: string,
  ): Promise<{ runbook: Runbook; summary: RunbookSummary; path: string; source: string }> {
    // The first look at a runbook starts the watch too (a list first is what the UI does).
    if (this.listener && !this.watching) void this.list().catch(() => undefined);
    const { runbook, source } = await this.load(id);
    return { runbook, source, summary: summarize(id, runbook), path: this.pathOf(id) };
  }

  pathOf(id: string): string {
    return join(this.dir, ...id.split('/'));
  }

  private async load(id: string): Promise<Cached> {
    const path = this.pathOf(id);
    let info;
    try {
      info = await stat(path);
    } catch {
      this.cache.delete(id);
      throw new ApiError('not-found', `runbook not found: ${path}`);
    }
    const cached = this.cache.get(id);
    if (
      cached &&
      cached.mtimeMs === info.mtimeMs &&
      cached.size === info.size &&
      cached.ino === info.ino
    )
      return cached;
    try {
      // A symlink (or a folder that is one) may point anywhere: only files inside the workspace open.
      const [real, root] = await Promise.all([realpath(path), realpath(this.dir)]);
      if (!real.startsWith(root + sep))
        throw new ApiError('forbidden', `${path} points outside the workspace (${real})`);
      checkRunbookSize(info.size, path);
      const source = decodeRunbook(await readFile(path), path);
      const runbook = parseRunbookFile(source, id, this.analyze);
      if (this.notice)
        runbook.warnings.unshift({ line: 1, message: this.notice, severity: 'warning' });
      const entry = { mtimeMs: info.mtimeMs, size: info.size, ino: info.ino, runbook, source };
      this.cache.set(id, entry);
      return entry;
    } catch (error) {
      // What could be read before is not what the file holds now.
      this.cache.delete(id);
      if (error instanceof ApiError) throw error;
      throw new ApiError('invalid-input', `cannot read ${path}: ${(error as Error).message}`);
    }
  }

  /** The runbook files below `dir`; `dirs` collects the folders walked (the ones to watch). */
  private async findRunbooks(dir: string, depth: number, dirs: string[]): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (depth === 0)
        throw new ApiError(
          'not-found',
          `cannot read the workspace folder ${dir}: ${(error as Error).message}`,
        );
      return [];
    }
    dirs.push(dir);
    const found: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < MAX_DEPTH && !SKIP_DIRS.has(entry.name)) {
        found.push(...(await this.findRunbooks(full, depth + 1, dirs)));
      } else if (
        entry.isFile() &&
        entry.name.toLowerCase().endsWith('.md') &&
        entry.name.toLowerCase() !== 'readme.md'
      ) {
        found.push(full);
      }
    }
    return found;
  }
}

/** Getting started first: it is the one a new user should open. */
function rank(id: string): number {
  return id === 'getting-started.md' ? 0 : 1;
}

function unreadable(id: string, message: string): RunbookSummary {
  return {
    id,
    title: id.replace(/\.md$/, ''),
    description: `Cannot be opened: ${message}`,
    cadence: null,
    checks: 0,
    commands: 0,
    warnings: 0,
    errors: 1,
    cadenceError: null,
    error: message,
  };
}

export function summarize(id: string, runbook: Runbook): RunbookSummary {
  const description = runbook.frontmatter.description;
  return {
    id,
    title: runbook.title,
    description: typeof description === 'string' ? description : null,
    cadence: runbook.cadence,
    checks: runbook.steps.filter((s) => s.kind === 'check').length,
    commands: actionableSteps(runbook).filter((s) => s.runnable).length,
    warnings: runbook.warnings.filter((w) => w.severity === 'warning').length,
    errors: runbook.warnings.filter((w) => w.severity === 'error').length,
    cadenceError:
      runbook.cadence === null && runbook.frontmatter.cadence !== undefined
        ? (runbook.warnings.find((w) => w.message.startsWith('frontmatter cadence:'))?.line ?? 1)
        : null,
    error: null,
  };
}
