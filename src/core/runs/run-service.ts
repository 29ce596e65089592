import { planContent, planText, type PlanOptions } from './plan';
import { sha256 } from '../journal/reader';
import { approvalFile, approvalRequired, findSignature } from '../guard/approval';
import type { Plan } from '../../shared/model';
import type { StepAnalyzer } from '../../shared/runbook';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { EventSink } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import { runbookTargets, type Rehearsal, type Runbook, type RunState } from '../../shared/model';
import { slugify } from '../../shared/util/hash';
import type { CoreDirs } from '../paths';
import { SettingsFile } from '../settings';
import { JournalWriter } from '../journal/writer';
import type { RedactionEngine } from '../redaction/engine';
import { checkWritable, describeDiskError, isDiskError } from '../files/disk-error';
import { workspacePatterns } from '../redaction/config';
import { Redactor } from '../redaction/redactor';
import { checkWindow, runEnvironment, type WindowVerdict } from '../schedule/window-check';
import type { SessionManager } from '../sessions/session-manager';
import type { Workspace } from '../workspace/workspace';
import { ActiveRun, type RunTarget } from './active-run';
import { gitCommitOf } from './git';
import { LiveRun, redactRunbook } from './live-run';
import { recoverRun, recoverRuns, reopenRun, type ReopenDeps } from './recovery';
import { RunRecords } from './run-records';
import { runbookOfRecords, snapshotHash } from './snapshot';

export interface RunServiceDeps {
  dirs: CoreDirs;
  workspace: Workspace;
  /** Danger flags for a runbook's steps (core/guard). */
  analyze: StepAnalyzer;
  sessions: SessionManager;
  emit: EventSink;
  /** A host name, a comma-separated list, or a hosts.yaml group, as host names. */
  expandHosts(spec: string): string[];
  /** Whether a name is a host or a group of the inventory. */
  inInventory(name: string): boolean;
  /** A host's environment tag in the inventory (production, staging, dev, local). */
  hostEnvironment(name: string): string | null;
  /** The workspace's maintenance windows by environment, and the file they come from. */
  windows(): { windows: Record<string, string>; file: string };
  /** A redaction engine for a run (in a worker thread when the app has one). */
  redaction(patterns: Array<{ name: string; pattern: RegExp }>): RedactionEngine;
}

/**
 * The life of runs: start, resume, finish, and the fields edited after a run.
 * A run in progress is an ActiveRun (its steps, shells and journal); runs on
 * record are read through `records`. Recovery runs once, at start.
 */
export class RunService {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly starting = new Map<string, Promise<RunState>>();
  /** Changes to runs on record in progress (resume, fields after the run), by run id. */
  private readonly changing = new Map<string, Promise<unknown>>();
  /** Runs on record (history, due list, read-only views, exports), this process's live runs included. */
  readonly records: RunRecords;
  /** The recovery pass at start; record reads wait for it. */
  readonly recovered: Promise<string[]>;
  /** What the next run starts with (the last maintainer given). */
  readonly settings: SettingsFile;

  constructor(private readonly deps: RunServiceDeps) {
    this.records = new RunRecords({
      journalsDir: join(deps.dirs.dataDir, 'journals'),
      workspaceDir: deps.dirs.workspaceDir,
      workspace: deps.workspace,
      analyze: deps.analyze,
      live: (runId) => this.runs.get(runId),
    });
    this.recovered = recoverRuns(this.records, this.reopenDeps());
    this.settings = new SettingsFile(join(deps.dirs.dataDir, 'settings.yaml'));
  }

  active(): RunState[] {
    return [...this.runs.values()].filter((r) => r.state.status === 'active').map((r) => r.state);
  }

  activeRunFor(runbookId: string): RunState | null {
    for (const run of this.runs.values())
      if (run.state.runbookId === runbookId && run.state.status === 'active') return run.state;
    return null;
  }

  get(runId: string): RunState {
    return this.find(runId).state;
  }

  /** An active run of this process, to act on. */
  find(runId: string): ActiveRun {
    const run = this.runs.get(runId);
    if (!run) throw new ApiError('not-found', `no run with id ${runId}`);
    if (run.state.status !== 'active')
      throw new ApiError('conflict', `run ${runId} is ${run.state.status}`);
    return run;
  }

  /** What starting this runbook now would mean: its environment and maintenance window. */
  async preflight(runbookId: string, host?: string): Promise<WindowVerdict> {
    return (await this.where(runbookId, host)).verdict;
  }

  /**
   * Starts a run, or returns the run already in progress for this runbook.
   * Outside the environment's maintenance window it is refused unless
   * `outsideWindow` says the user chose to go ahead (the log says so).
   */
  start(
    runbookId: string,
    options: { host?: string; outsideWindow?: boolean; rehearsal?: Rehearsal } = {},
  ): Promise<RunState> {
    // Two clicks (or two windows) starting the same runbook at once get the same run.
    const pending = this.starting.get(runbookId);
    if (pending) return pending;
    const existing = this.activeRunFor(runbookId);
    if (existing) return Promise.resolve(existing);
    const started = this.createRun(runbookId, options).finally(() =>
      this.starting.delete(runbookId),
    );
    this.starting.set(runbookId, started);
    return started;
  }

  /**
   * Picks up an interrupted run: the journal continues after its last record,
   * steps that were running stay interrupted (never re-run by themselves), and a
   * new shell opens on the run's host.
   */
  resume(runId: string): Promise<RunState> {
    const mine = this.runs.get(runId);
    if (mine?.state.status === 'active') return Promise.resolve(mine.state);
    // Two clicks on Resume get the same run; changes to one record go one at a time.
    return this.exclusive(runId, () => {
      const again = this.runs.get(runId);
      return again?.state.status === 'active' ? again.state : this.resumeRun(runId);
    });
  }

  private async resumeRun(runId: string): Promise<RunState> {
    await this.recovered;
    if ((await recoverRun(this.records, runId, this.reopenDeps())) === 'busy')
      throw new ApiError('conflict', `run ${runId} is being written by another Runsheet process`);
    const live = await this.reopen(runId);
    if (live.state.status === 'finished') {
      live.close();
      throw new ApiError('conflict', `run ${runId} is finished; start a new run instead`);
    }
    const started = live.state;
    const local = started.host === hostname() && !this.deps.inInventory(started.host);
    const records = this.records.store.read(runId).records;
    const kept = runbookOfRecords(records, this.records.store).source ?? '';
    const run = this.activate(
      live,
      this.targetOf(local ? [] : this.deps.expandHosts(started.host)),
      kept,
    );
    try {
      run.shells.ownShell();
    } catch (error) {
      run.dispose();
      throw new ApiError('invalid-input', (error as Error).message);
    }
    live.record({ type: 'run.resumed', interruptedStepIds: [] }, { durable: true });
    // Edited since it stopped (a fix after the crash, say): the run follows the new text, as it
    // follows an edit while it runs, keeping the results of every step whose text did not change.
    const current = await this.deps.workspace.open(started.runbookId).catch(() => null);
    if (current && current.path === started.runbookPath) {
      const hash = this.records.store.saveRunbook(current.source);
      if (hash !== snapshotHash(this.records.store.read(runId).records))
        await run.reload(current.runbook, hash, current.source);
    }
    this.records.index.save();
    return run.state;
  }

  /** Operator fields, during the run or after it (its journal is reopened for the one record). */
  async setFields(
    runId: string,
    fields: { maintainer?: string; environment?: string; issues?: string; nextActions?: string },
  ): Promise<RunState> {
    const mine = this.runs.get(runId);
    const redact = mine ? (text: string) => mine.redactor.text(text) : this.reopenDeps().redact;
    // Every field is free text a secret can be pasted into (a Maintainer of "ops, token=…").
    for (const key of ['maintainer', 'environment', 'issues', 'nextActions'] as const)
      if (fields[key] !== undefined) fields = { ...fields, [key]: await redact(fields[key]) };
    if (mine && !mine.live.closed) {
      mine.rememberEnvironment();
      mine.live.record({ type: 'run.fields', ...fields }, { durable: true });
      this.rememberMaintainer(fields.maintainer);
      return mine.state;
    }
    await this.recovered;
    const saved = await this.exclusive(runId, async () => {
      const live = await this.reopen(runId);
      try {
        live.record({ type: 'run.fields', ...fields }, { durable: true });
        // A finished run has no retry to wait for: the edit is written now or refused.
        if (live.faulted && !live.retry())
          throw new ApiError(
            'conflict',
            `the edit was not saved: ${live.state.storageFault?.message ?? 'the disk refused it'}`,
          );
      } finally {
        live.close();
      }
      this.records.index.save();
      return live.state;
    });
    this.rememberMaintainer(fields.maintainer);
    return saved;
  }

  /** The maintainer given last is the next run's (kept in the data folder, not in a window). */
  private rememberMaintainer(maintainer: string | undefined): void {
    const name = maintainer?.trim();
    if (!name) return;
    try {
      this.settings.update({ maintainer: name });
    } catch (error) {
      throw new ApiError(
        'conflict',
        `the maintainer is saved in the run, but not remembered for the next one: ${(error as Error).message}`,
      );
    }
  }

  /** Who the next run's maintainer is: the last one given, else git's user.name or the OS user. */
  private maintainerFor(runbookPath: string): string {
    try {
      return this.settings.read().maintainer ?? maintainerName(runbookPath);
    } catch (error) {
      throw new ApiError('invalid-input', (error as Error).message);
    }
  }

  /** Runs `change` after every change to the same run's record still in progress in this process. */
  private exclusive<T>(runId: string, change: () => T | Promise<T>): Promise<T> {
    const before = this.changing.get(runId) ?? Promise.resolve();
    const result = before.then(change, change);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.changing.set(runId, settled);
    void settled.then(() => {
      if (this.changing.get(runId) === settled) this.changing.delete(runId);
    });
    return result;
  }

  /** Ends a run: recorded, its log written, its shells closed. */
  /** Writes what a run that could not write keeps in memory (see LiveRun). */
  retryWrites(runId: string): RunState {
    const run = this.find(runId);
    if (run.live.retry()) this.records.index.save();
    return run.state;
  }

  async finish(runId: string): Promise<RunState> {
    const state = await this.find(runId).finish();
    this.records.index.save();
    return state;
  }

  /** The runbook changed on disk: active runs of it follow the new text. */
  reload(runbookId: string, runbook: Runbook, source: string): void {
    const following = [...this.runs.values()].filter(
      (run) =>
        run.state.runbookId === runbookId &&
        run.state.status === 'active' &&
        run.runbookSource !== source,
    );
    // The text is kept only for a run that follows it (an edit of a runbook nobody runs
    // writes nothing to the data folder).
    if (following.length === 0) return;
    const hash = this.records.store.saveRunbook(source);
    for (const run of following) void run.reload(runbook, hash, source);
  }

  dispose(): void {
    for (const run of this.runs.values()) run.dispose();
    this.runs.clear();
  }

  /**
   * What a run would do, before anything runs: every step in order with its command
   * as it would run (secrets masked), hosts and danger flags, the environment and its
   * window, and the SHA-256 an approver signs. `runHosts` (a live run's own) overrides
   * the hosts `host` or the runbook names.
   */
  async planRun(runbookId: string, options: PlanOptions = {}): Promise<Plan> {
    // A live run's plan is of its own copy of the runbook, not of the file as it is now
    // (which may differ, or be gone).
    const own =
      options.runbook && options.source !== undefined
        ? { runbook: options.runbook, source: options.source }
        : undefined;
    const where = await this.where(runbookId, options.host, own);
    const { expanded, verdict, runbook, source } = where;
    const workspaceDir = this.deps.dirs.workspaceDir;
    const content = planContent({
      runbookId,
      runbook,
      source,
      verdict,
      approval: approvalRequired(runbook, workspaceDir),
      runHosts: options.runHosts ?? expanded,
      stepTargets: options.stepTargets ?? {},
      expandHosts: (spec) => this.deps.expandHosts(spec),
      variables: options.variables ?? {},
      analyze: this.deps.analyze,
    });
    const text = planText(content);
    const hash = sha256(text);
    const found =
      content.approval === 'required'
        ? await findSignature(workspaceDir, runbookId, hash, text)
        : { signature: null, problem: null };
    return {
      ...content,
      sha256: hash,
      text,
      verdict: { at: new Date().toISOString(), open: verdict.open, message: verdict.message },
      signature: found.signature,
      signatureProblem: found.problem,
      approvalFile: approvalFile(workspaceDir, hash),
    };
  }

  /** Where a run would go, its environment, and what its maintenance window says. */
  private async where(
    runbookId: string,
    host?: string,
    own?: { runbook: Runbook; source: string },
  ) {
    const { runbook, path, source } = own
      ? { ...own, path: this.deps.workspace.pathOf(runbookId) }
      : await this.deps.workspace.open(runbookId);
    const requested = host ?? runbookTargets(runbook);
    const expanded = requested ? this.deps.expandHosts(requested) : [];
    const environment = runEnvironment(
      runbook.frontmatter.environment,
      expanded.map((h) => this.deps.hostEnvironment(h)),
    );
    const { windows, file } = this.deps.windows();
    const verdict = checkWindow(environment, windows, file, runbook.windows, path, new Date());
    return { runbook, source, path, requested, expanded, verdict };
  }

  private async createRun(
    runbookId: string,
    options: { host?: string; outsideWindow?: boolean; rehearsal?: Rehearsal },
  ): Promise<RunState> {
    const { runbook, source, path, requested, expanded, verdict } = await this.where(
      runbookId,
      options.host,
    );
    if (verdict.open === false && !options.outsideWindow)
      throw new ApiError('forbidden', `${verdict.message}. Start anyway to run outside it.`);
    const maintainer = this.maintainerFor(path);
    const now = new Date();
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${randomBytes(4).toString('hex')}`;
    const logName = `${now.toISOString().slice(0, 10)}-${stamp.slice(9)}-${slugify(runbookId.replace(/\.md$/, ''))}.md`;
    // Nothing starts that could not be kept: the journal's and the log's folders take a file.
    checkWritable(this.records.store.dir, 'journal');
    checkWritable(this.deps.dirs.logDir, 'log');
    // The record keeps the runbook's exact text: it stands alone, whatever happens to the file.
    const runbookSha256 = this.records.store.saveRunbook(source);
    const redactor = this.deps.redaction(workspacePatterns(this.deps.dirs.workspaceDir));
    const logRunbook = await redactRunbook(redactor, runbook);
    const journal = new JournalWriter(this.records.store.pathOf(id));
    const live = new LiveRun(journal, [], runbook, logRunbook, this.deps.emit);
    const run = this.activate(live, this.targetOf(expanded), source, redactor);
    try {
      run.shells.ownShell();
    } catch (error) {
      run.dispose();
      this.runs.delete(id);
      rmSync(journal.path, { force: true });
      throw new ApiError('invalid-input', (error as Error).message);
    }
    const started = (): void =>
      live.record(
        {
          type: 'run.started',
          runId: id,
          runbookId,
          runbookTitle: runbook.title,
          runbookPath: path,
          runbookSha256,
          maintainer,
          host: requested ?? hostname(),
          environment: verdict.environment,
          ...(verdict.open === false ? { outsideWindow: verdict.message! } : {}),
          rehearsal: options.rehearsal ?? null,
          runbookCommit: gitCommitOf(path),
          logPath: join(this.deps.dirs.logDir, logName),
        },
        { durable: true },
      );
    try {
      started();
    } catch (error) {
      // Its first record could not be written (the disk filled since the check): no run.
      run.dispose();
      rmSync(journal.path, { force: true });
      if (!isDiskError(error)) throw error;
      throw new ApiError(
        'forbidden',
        `the run cannot start: ${describeDiskError(error, journal.path)}`,
      );
    }
    this.runs.set(id, run);
    run.rememberEnvironment();
    return run.state;
  }

  /** A group (or a list) fans steps out; a single host is the run's own shell. */
  private targetOf(expanded: string[]): RunTarget {
    const group = expanded.length > 1 ? expanded : null;
    return { host: group ? null : (expanded[0] ?? null), group };
  }

  private activate(
    live: LiveRun,
    target: RunTarget,
    source: string,
    redactor?: RedactionEngine,
  ): ActiveRun {
    const run = new ActiveRun(
      live,
      target,
      source,
      redactor ?? this.deps.redaction(workspacePatterns(this.deps.dirs.workspaceDir)),
      mkdtempSync(join(tmpdir(), 'runsheet-state-')),
      {
        ...this.deps,
        workspaceDir: this.deps.dirs.workspaceDir,
        plan: (request) => this.planRun(request.runbookId, request),
      },
    );
    if (live.state) this.runs.set(live.state.id, run);
    return run;
  }

  private reopen(runId: string): Promise<LiveRun> {
    return reopenRun(this.records, runId, this.reopenDeps());
  }

  private reopenDeps(): ReopenDeps {
    return {
      emit: this.deps.emit,
      redact: (text) =>
        new Redactor({ patterns: workspacePatterns(this.deps.dirs.workspaceDir) }).text(text),
    };
  }
}

/** Who runs it: git's user.name where the runbook lives (or globally), else the OS user. */
function maintainerName(runbookPath: string): string {
  const git = spawnSync('git', ['-C', dirname(runbookPath), 'config', 'user.name'], {
    encoding: 'utf8',
    timeout: 5000,
  });
  const name = git.status === 0 ? git.stdout.trim() : '';
  if (name) return name;
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
