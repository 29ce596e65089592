import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { ApiError } from '../../shared/api/errors';
import type { RunbookSummary } from '../../shared/api/contract';
import { actionableSteps, type Runbook } from '../../shared/model';
import { parseRunbookFile, type StepAnalyzer } from '../../shared/runbook';
import { checkRunbookSize, decodeRunbook } from './runbook-text';

const MAX_DEPTH = 4;
const SKIP_DIRS = new Set(['node_modules', '.git', 'maintenance-logs']);

interface Cached {
  mtimeMs: number;
  size: number;
  runbook: Runbook;
  /** The text the runbook was parsed from (a run keeps it as its record of what it ran). */
  source: string;
}

/** A folder of Markdown runbooks. Ids are paths relative to the folder. */
export class Workspace {
  private readonly cache = new Map<string, Cached>();

  /** One watcher per runbook that was opened (cheap and exact, unlike watching the whole tree). */
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  private onChange:
    ((id: string, runbook: Runbook, summary: RunbookSummary, source: string) => void) | null = null;

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
   * Calls back with the new parse when an opened runbook changes on disk
   * (debounced: editors write in several steps, or replace the file).
   */
  watch(
    onChange: (id: string, runbook: Runbook, summary: RunbookSummary, source: string) => void,
  ): void {
    this.onChange = onChange;
  }

  unwatch(): void {
    this.onChange = null;
    for (const watcher of this.watchers.values()) watcher.close();
    this.watchers.clear();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private watchFile(id: string): void {
    if (!this.onChange || this.watchers.has(id)) return;
    try {
      const watcher = watch(this.pathOf(id), (event) => {
        // An editor that saves by rename replaces the file: watch the new one.
        if (event === 'rename') {
          watcher.close();
          this.watchers.delete(id);
        }
        this.scheduleReload(id);
      });
      watcher.on('error', () => {
        watcher.close();
        this.watchers.delete(id);
      });
      this.watchers.set(id, watcher);
    } catch {
      // Not watchable (gone, or no inotify): the runbook still reloads when opened again.
    }
  }

  private scheduleReload(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.load(id).then(
          ({ runbook, source }) => {
            // Announced on every change on disk, even when an open() in between already read
            // the new text: each listener compares with what it holds (a run, its own copy).
            this.onChange?.(id, runbook, summarize(id, runbook), source);
          },
          () => undefined, // deleted or unreadable: the next open reports it, naming the file
        );
      }, 80),
    );
  }

  async list(): Promise<RunbookSummary[]> {
    const files = await this.findRunbooks(this.dir, 0);
    const summaries: RunbookSummary[] = [];
    for (const file of files) {
      const id = relative(this.dir, file).split(sep).join('/');
      try {
        const { runbook } = await this.load(id);
        summaries.push(summarize(id, runbook));
      } catch (error) {
        // Listed, so the user sees why it does not open; a binary file is not a runbook at all.
        if ((error as Error).message.endsWith('is a binary file, not Markdown')) continue;
        summaries.push(unreadable(id, (error as Error).message));
      }
    }
    return summaries.sort((a, b) => rank(a.id) - rank(b.id) || a.title.localeCompare(b.title));
  }

  /** Reads and parses one runbook; errors name the file. */
  async open(
    id: string,
  ): Promise<{ runbook: Runbook; summary: RunbookSummary; path: string; source: string }> {
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
      throw new ApiError('not-found', `runbook not found: ${path}`);
    }
    const cached = this.cache.get(id);
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached;
    // A symlink (or a folder that is one) may point anywhere: only files inside the workspace open.
    const [real, root] = await Promise.all([realpath(path), realpath(this.dir)]);
    if (!real.startsWith(root + sep))
      throw new ApiError('forbidden', `${path} points outside the workspace (${real})`);
    checkRunbookSize(info.size, path);
    this.watchFile(id);
    const source = decodeRunbook(await readFile(path), path);
    const runbook = parseRunbookFile(source, id, this.analyze);
    if (this.notice)
      runbook.warnings.unshift({ line: 1, message: this.notice, severity: 'warning' });
    const entry = { mtimeMs: info.mtimeMs, size: info.size, runbook, source };
    this.cache.set(id, entry);
    return entry;
  }

  private async findRunbooks(dir: string, depth: number): Promise<string[]> {
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
    const found: string[] = [];
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory() && depth < MAX_DEPTH && !SKIP_DIRS.has(entry.name)) {
        found.push(...(await this.findRunbooks(full, depth + 1)));
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
  };
}

function summarize(id: string, runbook: Runbook): RunbookSummary {
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
  };
}
