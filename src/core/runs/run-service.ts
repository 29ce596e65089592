import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { EventSink, RunState, StepResult } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import type { JournalEntry, JournalRecord } from '../../shared/log/journal-records';
import { formatDuration } from '../../shared/log/format';
import { renderMaintenanceLog } from '../../shared/log/render-log';
import { renderRehearsalReport } from '../../shared/log/rehearsal';
import { actionableSteps, applyRecord, DONE } from '../../shared/log/run-reducer';
import type { Runbook, Step } from '../../shared/runbook/types';
import { slugify } from '../../shared/util/hash';
import { renderPlainText } from '../capture/plain-text';
import type { CoreDirs } from '../paths';
import type { ManagedSession, SessionManager } from '../sessions/session-manager';
import type { Workspace } from '../workspace/workspace';
import { writeFileAtomic } from './atomic-write';
import { JournalWriter, journalWriter } from './journal';
import { StepCapture } from './step-capture';
import { Connections } from './connections';
import { Redactor } from '../redaction/redactor';
import type { RedactionEngine } from '../redaction/engine';
import { isSecretVariable, workspacePatterns } from '../redaction/config';
import { checkWindow, runEnvironment, type WindowVerdict } from './window-check';
import { gitCommitOf } from './git';
import { runFanOut } from './fan-out';
import { commandFor, missingValues } from './step-command';
import {
  EMPTY_RUNBOOK,
  foldJournal,
  interruptRunning,
  RunRecords,
  withInterruptedOutput,
} from './run-records';

/** After a timeout's Ctrl-C, how long a step has to stop before its shell is killed. */
const KILL_GRACE_MS = 3000;

interface ActiveRun {
  state: RunState;
  runbook: Runbook;
  journal: JournalWriter;
  session: ManagedSession | null;
  /** Shell state (cwd, exports) saved before each step, restored into a replacement shell. */
  stateDir: string;
  /** The running step's cancel state. */
  cancel: { requested: boolean; killed: boolean; timedOut: number | null } | null;
  /** "Run all from here" in progress. */
  sequence: boolean;
  /** The host steps run on (an ssh_config alias), or null for this machine. */
  targetHost: string | null;
  /** The run targets several hosts (a group): steps fan out to all of them. */
  groupHosts: string[] | null;
  /** Shells of fan-out steps, by host. */
  hostSessions: Map<string, ManagedSession>;
  /** The session id of each of them, as the run state gives it (kept with the map: states go out often). */
  hostSessionIds: Record<string, string>;
  /** The state of each SSH connection, for the UI. */
  connections: Connections;
  /** Everything written for this run goes through it (secret values, tokens, workspace patterns). */
  redactor: RedactionEngine;
  /** Values of secret variables: used in commands, never journaled. */
  secrets: Record<string, string>;
  /** The runbook as the log shows it: its commands and texts redacted. */
  logRunbook: Runbook;
  /** When run.didChange last went out, and the pending trailing one. */
  published: number;
  publishTimer: NodeJS.Timeout | null;
}

/**
 * run.didChange goes out at most this often per run (always ending with the
 * latest state): a fan-out's records would otherwise send, and each listener
 * validate, the whole state hundreds of times a second.
 */
const PUBLISH_INTERVAL_MS = 30;

/** A rehearsal's target and RTO. */
type Rehearsal = { target: string; rtoMs: number };

/** Runs: start, tick, skip, execute steps in the run's shell, finish; journal and log on disk. */
export class RunService {
  private readonly runs = new Map<string, ActiveRun>();
  private readonly starting = new Map<string, Promise<RunState>>();
  /** Runs on record (history, due list, read-only views, exports), this process's live runs included. */
  readonly records: RunRecords;

  constructor(
    private readonly deps: {
      dirs: CoreDirs;
      workspace: Workspace;
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
    },
  ) {
    this.records = new RunRecords({
      journalsDir: this.journalsDir,
      workspaceDir: deps.dirs.workspaceDir,
      workspace: deps.workspace,
      live: (runId) => this.runs.get(runId),
    });
  }

  active(): RunState[] {
    return [...this.runs.values()].filter((r) => r.state.status === 'active').map((r) => r.state);
  }

  activeRunFor(runbookId: string): RunState | null {
    for (const run of this.runs.values()) {
      if (run.state.runbookId === runbookId && run.state.status === 'active') return run.state;
    }
    return null;
  }

  /** What starting this runbook now would mean: its environment and maintenance window. */
  async preflight(runbookId: string, host?: string): Promise<WindowVerdict> {
    return (await this.plan(runbookId, host)).verdict;
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

  /** Where a run would go, its environment, and what its maintenance window says. */
  private async plan(runbookId: string, host?: string) {
    const { runbook, path } = await this.deps.workspace.open(runbookId);
    // Frontmatter `host`, `hosts` or `targets`: a name, a group, or a list of them.
    const fm = runbook.frontmatter.host ?? runbook.frontmatter.hosts ?? runbook.frontmatter.targets;
    const frontmatterHost = Array.isArray(fm)
      ? fm.map(String).join(',')
      : typeof fm === 'string'
        ? fm
        : null;
    const requested = host ?? frontmatterHost;
    const expanded = requested ? this.deps.expandHosts(requested) : [];
    const environment = runEnvironment(
      runbook.frontmatter.environment,
      expanded.map((h) => this.deps.hostEnvironment(h)),
    );
    const { windows, file } = this.deps.windows();
    const verdict = checkWindow(environment, windows, file, runbook.windows, path, new Date());
    return { runbook, path, requested, expanded, verdict };
  }

  private async createRun(
    runbookId: string,
    options: { host?: string; outsideWindow?: boolean; rehearsal?: Rehearsal },
  ): Promise<RunState> {
    const { runbook, path, requested, expanded, verdict } = await this.plan(
      runbookId,
      options.host,
    );
    if (verdict.open === false && !options.outsideWindow) {
      throw new ApiError('forbidden', `${verdict.message}. Start anyway to run outside it.`);
    }
    // A group (or a list) fans steps out; a single host is the run's own shell.
    const groupHosts = expanded.length > 1 ? expanded : null;
    const targetHost = groupHosts ? null : (expanded[0] ?? null);
    const now = new Date();
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${randomBytes(4).toString('hex')}`;
    const logName = `${now.toISOString().slice(0, 10)}-${stamp.slice(9)}-${slugify(runbookId.replace(/\.md$/, ''))}.md`;
    const run = this.newActiveRun(
      runbook,
      new JournalWriter(join(this.journalsDir, `${id}.jsonl`)),
      targetHost,
      groupHosts,
    );
    run.logRunbook = await redactRunbook(run.redactor, runbook);
    try {
      this.openSession(run, false);
    } catch (error) {
      run.journal.close();
      rmSync(run.journal.path, { force: true });
      rmSync(run.stateDir, { recursive: true, force: true });
      throw new ApiError('invalid-input', (error as Error).message);
    }
    this.runs.set(id, run);
    this.record(run, {
      type: 'run.started',
      runId: id,
      runbookId,
      runbookTitle: runbook.title,
      runbookPath: path,
      maintainer: maintainerName(path),
      host: requested ?? hostname(),
      environment: verdict.environment,
      ...(verdict.open === false ? { outsideWindow: verdict.message! } : {}),
      rehearsal: options.rehearsal ?? null,
      runbookCommit: gitCommitOf(path),
      logPath: join(this.deps.dirs.logDir, logName),
    });
    run.journal.sync();
    this.writeLog(run);
    return run.state;
  }

  private get journalsDir(): string {
    return join(this.deps.dirs.dataDir, 'journals');
  }

  private newActiveRun(
    runbook: Runbook,
    journal: JournalWriter,
    targetHost: string | null,
    groupHosts: string[] | null,
  ): ActiveRun {
    const run: ActiveRun = {
      state: null as unknown as RunState,
      runbook,
      journal,
      session: null,
      stateDir: mkdtempSync(join(tmpdir(), 'runsheet-state-')),
      cancel: null,
      sequence: false,
      targetHost,
      groupHosts,
      hostSessions: new Map(),
      hostSessionIds: {},
      connections: new Connections(() => {
        if (run.state) this.publish(run);
      }),
      redactor: this.deps.redaction(workspacePatterns(this.deps.dirs.workspaceDir)),
      secrets: {},
      logRunbook: runbook,
      published: 0,
      publishTimer: null,
    };
    return run;
  }

  get(runId: string): RunState {
    return this.find(runId).state;
  }

  /**
   * Picks up an interrupted run: the journal continues after its last record,
   * steps that were running are marked interrupted (never re-run by themselves),
   * and a new shell opens on the run's host.
   */
  async resume(runId: string): Promise<RunState> {
    if (this.runs.get(runId)?.state.status === 'active') return this.runs.get(runId)!.state;
    const path = this.records.pathOf(runId);
    if (journalWriter(path) !== null)
      throw new ApiError('conflict', `run ${runId} is being written by another Runsheet process`);
    const { records, runbook } = await this.records.load(runId);
    if (records.some((r) => r.type === 'run.finished'))
      throw new ApiError('conflict', `run ${runId} is finished; start a new run instead`);
    if (!runbook) throw new ApiError('not-found', `the runbook of run ${runId} is gone`);
    const started = records[0] as Extract<JournalRecord, { type: 'run.started' }>;
    const local = started.host === hostname() && !this.deps.inInventory(started.host);
    const expanded = local ? [] : this.deps.expandHosts(started.host);
    const groupHosts = expanded.length > 1 ? expanded : null;
    const run = this.newActiveRun(
      runbook,
      new JournalWriter(path, records),
      groupHosts ? null : (expanded[0] ?? null),
      groupHosts,
    );
    run.logRunbook = await redactRunbook(run.redactor, runbook);
    run.state = foldJournal(records, runbook, path);
    const interrupted = Object.entries(run.state.steps)
      .filter(([, r]) => r.status === 'running')
      .map(([id]) => id);
    // What the interrupted steps printed before the stop, as text for the UI and the log.
    const texts = await withInterruptedOutput(interruptRunning(run.state), records);
    this.runs.set(runId, run);
    this.openSession(run, false);
    this.record(run, { type: 'run.resumed', interruptedStepIds: interrupted }, false);
    for (const id of interrupted)
      run.state.steps[id] = { ...run.state.steps[id]!, output: texts.steps[id]!.output };
    this.publish(run);
    run.journal.sync();
    this.writeLog(run);
    return run.state;
  }

  /** Operator fields; after the run too (its journal is reopened for the one record). */
  async setFields(
    runId: string,
    fields: { maintainer?: string; environment?: string; issues?: string; nextActions?: string },
  ): Promise<RunState> {
    const live = this.runs.get(runId);
    const redactor =
      live?.redactor ?? new Redactor({ patterns: workspacePatterns(this.deps.dirs.workspaceDir) });
    for (const key of ['issues', 'nextActions'] as const)
      if (fields[key] !== undefined)
        fields = { ...fields, [key]: await redactor.text(fields[key]) };
    if (live && !live.journal.closed) {
      this.record(live, { type: 'run.fields', ...fields });
      return this.settle(live);
    }
    const path = this.records.pathOf(runId);
    if (journalWriter(path) !== null)
      throw new ApiError('conflict', `run ${runId} is being written by another Runsheet process`);
    const { records, runbook } = await this.records.load(runId);
    const journal = new JournalWriter(path, records);
    try {
      const record = journal.append({ type: 'run.fields', ...fields });
      const state = foldJournal([...records, record], runbook ?? EMPTY_RUNBOOK, path);
      if (runbook)
        writeFileAtomic(state.logPath, renderMaintenanceLog(state, runbook, state.runbookId));
      if (live) live.state = state;
      this.deps.emit('run.didChange', state);
      return state;
    } finally {
      journal.close();
    }
  }

  async setChecked(
    runId: string,
    stepId: string,
    checked: boolean,
    note?: string,
  ): Promise<RunState> {
    const run = this.findIdle(runId, stepId);
    const text = note === undefined ? null : await run.redactor.text(note);
    this.record(run, { type: 'step.checked', stepId, checked, note: text });
    return this.settle(run);
  }

  async skip(runId: string, stepId: string, reason: string): Promise<RunState> {
    const run = this.findIdle(runId, stepId);
    this.record(run, { type: 'step.skipped', stepId, reason: await run.redactor.text(reason) });
    return this.settle(run);
  }

  /** "Mark done manually": the user ran the step another way. */
  async markDone(runId: string, stepId: string, note?: string): Promise<RunState> {
    const run = this.findIdle(runId, stepId);
    const text = note === undefined ? null : await run.redactor.text(note);
    this.record(run, { type: 'step.manual', stepId, note: text });
    return this.settle(run);
  }

  /** Fills placeholder values for the rest of the run (remembered, editable). */
  setVariables(runId: string, values: Record<string, string>): RunState {
    const run = this.findActive(runId);
    // Secret values stay in memory for the commands; the journal (and the UI) see a marker.
    const recorded: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      if (isSecretVariable(run.runbook, name)) {
        run.secrets[name] = value;
        run.redactor.addSecret(name, value);
        recorded[name] = `[REDACTED: secret ${name}]`;
      } else {
        recorded[name] = value;
      }
    }
    this.record(run, { type: 'vars.set', values: recorded });
    run.journal.sync();
    return run.state;
  }

  /**
   * Moves a step to another host or group (an inventory name) for this run, or
   * back to where the runbook puts it (null). Recorded in the journal and log.
   */
  setStepTarget(runId: string, stepId: string, host: string | null): RunState {
    const run = this.findIdle(runId, stepId);
    const step = this.step(run, stepId);
    if (!step.runnable) {
      throw new ApiError('invalid-input', `step at line ${step.line} is not a runnable command`);
    }
    if (host !== null && !this.deps.inInventory(host)) {
      throw new ApiError('invalid-input', `no host or group named "${host}" in the inventory`);
    }
    this.record(run, { type: 'step.target', stepId, host });
    return this.settle(run);
  }

  /**
   * Opens a fresh connection to a host of the run (its own host or a fan-out
   * host), restoring the shell state saved before the last step. Refused while
   * a step runs.
   */
  reconnect(runId: string, host: string): RunState {
    const run = this.findActive(runId);
    if (run.state.runningStepId || run.sequence)
      throw new ApiError('conflict', 'a step is running; wait for it or cancel it first');
    if (host === run.targetHost) {
      const old = run.session;
      run.session = null;
      old?.dispose();
      this.openSession(run, true);
    } else if (run.hostSessions.has(host) || run.groupHosts?.includes(host)) {
      this.hostSession(run, host, true);
    } else {
      throw new ApiError('invalid-input', `${host} is not a host of this run`);
    }
    this.publish(run);
    return run.state;
  }

  /**
   * The runbook changed on disk: the run follows the new text, keeping the
   * results of every step whose id survived the edit.
   */
  reload(runbookId: string, runbook: Runbook): void {
    for (const run of this.runs.values()) {
      if (run.state.runbookId !== runbookId || run.state.status !== 'active') continue;
      run.runbook = runbook;
      const steps = actionableSteps(runbook).map((s) => ({ id: s.id, checked: s.checked }));
      this.record(run, { type: 'runbook.reloaded', steps });
      void redactRunbook(run.redactor, runbook).then((redacted) => {
        if (run.runbook !== runbook || run.journal.closed) return;
        run.logRunbook = redacted;
        this.writeLog(run);
      });
    }
  }

  /**
   * Starts a step (or, with `andFollowing`, it and every runnable step after it)
   * in the run's shell. Returns at once; progress arrives as run.didChange events.
   * Missing placeholder values and unconfirmed `confirm=true` steps are refused
   * up front, naming them, before anything runs.
   */
  async execute(
    runId: string,
    stepId: string,
    options: { confirmed?: boolean; andFollowing?: boolean } = {},
  ): Promise<RunState> {
    const run = this.findActive(runId);
    const first = this.step(run, stepId);
    if (!first.runnable || first.code === null) {
      throw new ApiError('invalid-input', `step at line ${first.line} is not a runnable command`);
    }
    if (run.state.runningStepId || run.sequence) {
      throw new ApiError(
        'conflict',
        'another step is still running; wait for it or cancel it first',
      );
    }
    const steps = options.andFollowing ? this.stepsFrom(run, first) : [first];
    const missing = [...new Set(steps.flatMap((s) => missingValues(s, variablesOf(run))))];
    if (missing.length > 0) {
      throw new ApiError(
        'invalid-input',
        `fill in ${missing.join(', ')} before running the step at line ${first.line}`,
      );
    }
    const unconfirmed = steps.filter((s) => s.attrs.confirm);
    if (unconfirmed.length > 0 && !options.confirmed) {
      throw new ApiError(
        'forbidden',
        `confirmation needed for the step${unconfirmed.length > 1 ? 's' : ''} at line ${unconfirmed.map((s) => s.line).join(', ')}`,
      );
    }
    const { done: firstDone } = await this.startStep(run, first);
    if (steps.length > 1) {
      run.sequence = true;
      void this.continueSequence(run, steps.slice(1), firstDone, first).finally(() => {
        run.sequence = false;
        this.publish(run);
      });
    }
    return run.state;
  }

  /** Ctrl-C to the running step; with `force`, kill its shell (a fresh one is restored for the next step). */
  cancel(runId: string, force = false): RunState {
    const run = this.findActive(runId);
    if (!run.state.runningStepId || !run.session || !run.cancel) {
      throw new ApiError('conflict', 'no step is running');
    }
    run.cancel.requested = true;
    if (force) {
      run.cancel.killed = true;
      run.session.dispose();
    } else {
      run.session.shell.interrupt();
    }
    return run.state;
  }

  finish(runId: string): RunState {
    const run = this.findActive(runId);
    if (run.state.runningStepId || run.sequence)
      throw new ApiError('conflict', 'a step is still running');
    this.record(run, { type: 'run.finished' });
    run.journal.close();
    this.writeLog(run);
    this.closeSession(run);
    run.redactor.dispose();
    rmSync(run.stateDir, { recursive: true, force: true });
    this.publish(run);
    return run.state;
  }

  dispose(): void {
    for (const run of this.runs.values()) {
      if (run.publishTimer) clearTimeout(run.publishTimer);
      this.closeSession(run);
      run.redactor.dispose();
      run.journal.close();
      rmSync(run.stateDir, { recursive: true, force: true });
    }
    this.runs.clear();
  }

  /** Runnable steps from `first` on, in order, that are not already done. */
  private stepsFrom(run: ActiveRun, first: Step): Step[] {
    const all = run.runbook.steps;
    return all.slice(all.indexOf(first)).filter((s, i) => {
      if (!s.runnable || s.attrs.excludeFromRunAll) return i === 0;
      const status = run.state.steps[s.id]?.status;
      return i === 0 || !DONE.has(status ?? '');
    });
  }

  private async continueSequence(
    run: ActiveRun,
    rest: Step[],
    done: Promise<StepResult>,
    previous: Step,
  ): Promise<void> {
    let result = await done;
    let last = previous;
    for (const step of rest) {
      if (result.status !== 'passed' && !last.attrs.continueOnError) return;
      if (run.state.status !== 'active') return;
      result = await (await this.startStep(run, step)).done;
      last = step;
    }
  }

  /** Hosts a step fans out to: its own `hosts`/`host` attribute, else the run's group; null for one shell. */
  private fanOutHosts(run: ActiveRun, step: Step): string[] | null {
    const moved = run.state.stepTargets[step.id];
    const specs = moved
      ? [moved]
      : (step.attrs.hosts ?? (step.attrs.host ? [step.attrs.host] : null));
    const hosts = specs
      ? [...new Set(specs.flatMap((s) => this.deps.expandHosts(s)))]
      : run.groupHosts;
    if (!hosts || (hosts.length === 1 && hosts[0] === run.targetHost)) return null;
    return hosts;
  }

  /** One step on several hosts: a shell per host, results per host, one summary. */
  private startFanOut(
    run: ActiveRun,
    step: Step,
    hosts: string[],
    code: string,
    shown: string,
  ): { done: Promise<StepResult> } {
    this.record(run, {
      type: 'step.started',
      stepId: step.id,
      host: hosts.join(', '),
      user: '',
      hostKey: null,
      code: shown,
    });
    run.journal.sync();
    const done = runFanOut({
      step,
      code,
      hosts,
      concurrency: step.attrs.concurrency,
      redact: () => run.redactor.stream(),
      session: (host) => this.hostSession(run, host, false),
      record: (entry) => this.record(run, entry),
      appendOutput: (chunks, host) =>
        run.journal.appendOutput(step.id, chunks, host).then((record) => {
          if (record) this.applyRecord(run, record, false);
          return record;
        }),
    }).then((result) => {
      this.record(run, {
        type: 'step.finished',
        stepId: step.id,
        status: result.status,
        detail: result.detail,
        exitCode: result.exitCode,
        durationMs: Date.now() - Date.parse(run.state.steps[step.id]!.startedAt!),
        bytes: result.bytes,
        text: result.text,
      });
      if (!run.journal.closed) {
        run.journal.sync();
        this.writeLog(run);
      }
      return run.state.steps[step.id]!;
    });
    return { done };
  }

  /** Runs one step; resolves once it has started, with a promise of its result. */
  private async startStep(run: ActiveRun, step: Step): Promise<{ done: Promise<StepResult> }> {
    const code = commandFor(step, variablesOf(run));
    // The journal gets the command as written, secrets redacted; the shell gets it whole.
    const shown = await run.redactor.text(code);
    const fanOut = this.fanOutHosts(run, step);
    if (fanOut) return this.startFanOut(run, step, fanOut, code, shown);
    if (!run.session || !run.session.shell.alive) this.openSession(run, true);
    const session = run.session!;
    const running = await session.shell.run(code);
    const cancel = { requested: false, killed: false, timedOut: null as number | null };
    run.cancel = cancel;
    const target = session.shell.session.target;
    this.record(run, {
      type: 'step.started',
      stepId: step.id,
      host: target.host,
      user: target.user,
      hostKey: target.hostKey ?? null,
      code: shown,
    });
    run.journal.sync();

    const capture = new StepCapture(
      (chunks) =>
        run.journal.appendOutput(step.id, chunks).then((record) => {
          if (record) this.applyRecord(run, record, false);
        }),
      run.redactor.stream(),
    );
    // Capture happens here, before the bytes are shown; the journal never waits on the UI.
    running.onDidOutput((chunk) => capture.push(chunk));
    const timers: NodeJS.Timeout[] = [];
    if (step.attrs.timeout) {
      const timeout = step.attrs.timeout;
      timers.push(
        setTimeout(() => {
          cancel.timedOut = timeout;
          cancel.requested = true;
          session.shell.interrupt();
          timers.push(
            setTimeout(() => {
              cancel.killed = true;
              session.dispose();
            }, KILL_GRACE_MS),
          );
        }, timeout),
      );
    }
    const done = running.done.then(async (outcome) => {
      for (const timer of timers) clearTimeout(timer);
      run.cancel = null;
      const text = await capture.finish(session.shell.session.cols);
      let status: 'passed' | 'failed' | 'cancelled' | 'unknown' =
        outcome.exitCode === 0 && !outcome.shellExited ? 'passed' : 'failed';
      let detail: string | null = null;
      if (cancel.timedOut !== null) {
        detail = `timed out after ${formatDuration(cancel.timedOut)}${cancel.killed ? '; the shell was killed' : ''}`;
      } else if (cancel.requested) {
        status = 'cancelled';
        detail = cancel.killed ? 'cancelled; the shell was killed' : 'cancelled with Ctrl-C';
      }
      const lost = outcome.shellExited && session.shell.session.connectionLost === true;
      if (lost) {
        // Never re-run automatically: the step may have done its work before the line dropped.
        status = 'unknown';
        detail = `${session.shell.session.failure ?? 'the connection was lost'}; whether the step finished is unknown — check the host before running it again`;
      } else if (outcome.shellExited && !cancel.killed) {
        detail = `${detail ? `${detail}; ` : ''}the step ended its shell (exit ${outcome.exitCode ?? '?'}); the next step starts a new shell in the same directory with the same exports`;
      }
      this.record(run, {
        type: 'step.finished',
        stepId: step.id,
        status,
        detail,
        exitCode: cancel.killed || lost ? null : outcome.exitCode,
        durationMs: outcome.endedAt - outcome.startedAt,
        bytes: capture.bytes,
        text,
      });
      if (!run.journal.closed) {
        run.journal.sync();
        this.writeLog(run);
      }
      return run.state.steps[step.id]!;
    });
    return { done };
  }

  /** A fan-out host's shell in this run: the live one, else a new one (restoring state when replacing). */
  private hostSession(run: ActiveRun, host: string, fresh: boolean): ManagedSession {
    const existing = run.hostSessions.get(host);
    if (existing && existing.shell.alive && !fresh) return existing;
    existing?.dispose();
    const session = this.deps.sessions.create({
      host,
      stateDir: run.stateDir,
      restore: Boolean(existing),
    });
    run.hostSessions.set(host, session);
    run.hostSessionIds = { ...run.hostSessionIds, [host]: session.id };
    run.connections.track(host, session);
    this.publish(run);
    return session;
  }

  private openSession(run: ActiveRun, restore: boolean): void {
    const shell =
      typeof run.runbook.frontmatter.shell === 'string' ? run.runbook.frontmatter.shell : undefined;
    const session = this.deps.sessions.create({
      shell,
      stateDir: run.stateDir,
      restore,
      host: run.targetHost ?? undefined,
    });
    run.session = session;
    if (run.targetHost) run.connections.track(run.targetHost, session);
    session.shell.session.onDidExit(() => {
      if (run.session !== session) return;
      run.session = null;
      // Let a step that the exit ended record its result first.
      setImmediate(() => this.publish(run));
    });
    session.shell.onDidManualCommand(async (command) => {
      const text = await run.redactor.text(
        await renderPlainText(Buffer.concat(command.output), session.shell.session.cols),
      );
      const typed = await run.redactor.text(command.command);
      if (run.state.status !== 'active') return;
      this.record(run, {
        type: 'manual.command',
        command: typed,
        exitCode: command.exitCode,
        durationMs: command.endedAt - command.startedAt,
        host: session.shell.session.target.host,
        text,
      });
      run.journal.sync();
      this.writeLog(run);
    });
  }

  private closeSession(run: ActiveRun): void {
    const session = run.session;
    run.session = null;
    session?.dispose();
    for (const hostSession of run.hostSessions.values()) hostSession.dispose();
    run.hostSessions.clear();
    run.hostSessionIds = {};
  }

  /** After a tick, skip or mark: make it durable, rewrite the log, and return the state. */
  private settle(run: ActiveRun): RunState {
    run.journal.sync();
    this.writeLog(run);
    return run.state;
  }

  private record(run: ActiveRun, entry: JournalEntry, publish = true): void {
    // A step that ends after its run was finished or the app shut down has nowhere to go.
    if (run.journal.closed) return;
    this.applyRecord(run, run.journal.append(entry), publish);
    // A step's end is shown at once; the interval is for the stream of output in between.
    if (publish && entry.type === 'step.finished') this.flush(run);
  }

  private applyRecord(run: ActiveRun, record: JournalRecord, publish: boolean): void {
    run.state = applyRecord(run.state, record, run.runbook, {
      journalPath: run.journal.path,
      sessionId: run.session?.id ?? null,
      hostSessions: run.hostSessionIds,
      connections: run.connections.list(),
    });
    if (publish) this.publish(run);
  }

  /** Sends a state that is waiting for the next interval now. */
  private flush(run: ActiveRun): void {
    if (run.publishTimer) this.send(run);
  }

  private send(run: ActiveRun): void {
    if (run.publishTimer) clearTimeout(run.publishTimer);
    run.publishTimer = null;
    run.published = Date.now();
    this.deps.emit('run.didChange', run.state);
  }

  private publish(run: ActiveRun): void {
    run.state = {
      ...run.state,
      sessionId: run.session?.id ?? null,
      hostSessions: run.hostSessionIds,
      connections: run.connections.list(),
    };
    // A trailing send is already due: it carries this state too.
    if (run.publishTimer) return;
    const wait = run.published + PUBLISH_INTERVAL_MS - Date.now();
    if (wait <= 0) this.send(run);
    else run.publishTimer = setTimeout(() => this.send(run), wait);
  }

  private writeLog(run: ActiveRun): void {
    writeLogFiles(run.state, run.logRunbook);
  }

  private find(runId: string): ActiveRun {
    const run = this.runs.get(runId);
    if (!run) throw new ApiError('not-found', `no run with id ${runId}`);
    return run;
  }

  private findActive(runId: string): ActiveRun {
    const run = this.find(runId);
    if (run.state.status !== 'active')
      throw new ApiError('conflict', `run ${runId} is ${run.state.status}`);
    return run;
  }

  /** An active run whose step exists and is not running. */
  private findIdle(runId: string, stepId: string): ActiveRun {
    const run = this.findActive(runId);
    const step = this.step(run, stepId);
    if (run.state.runningStepId === step.id) throw new ApiError('conflict', 'the step is running');
    return run;
  }

  private step(run: ActiveRun, stepId: string): Step {
    const step = run.runbook.steps.find((s) => s.id === stepId);
    if (!step || !(stepId in run.state.steps)) {
      throw new ApiError('not-found', `no step ${stepId} in ${run.state.runbookId}`);
    }
    return step;
  }
}

/** The maintenance log, and a rehearsal's report as a document of its own beside it. */
function writeLogFiles(state: RunState, runbook: Runbook): void {
  writeFileAtomic(state.logPath, renderMaintenanceLog(state, runbook, state.runbookId));
  if (state.rehearsal)
    writeFileAtomic(rehearsalReportPath(state.logPath), renderRehearsalReport(state, runbook, 1));
}

export function rehearsalReportPath(logPath: string): string {
  return logPath.replace(/\.md$/, '') + '-rehearsal.md';
}

/** The runbook as a log may show it: every step's command and text through the redactor. */
async function redactRunbook(
  redactor: { text(text: string): Promise<string> },
  runbook: Runbook,
): Promise<Runbook> {
  const steps = await Promise.all(
    runbook.steps.map(async (step) => ({
      ...step,
      text: await redactor.text(step.text),
      code: step.code === null ? null : await redactor.text(step.code),
      expectedOutput:
        step.expectedOutput === null ? null : await redactor.text(step.expectedOutput),
    })),
  );
  return { ...runbook, steps };
}

/** Values for substitution: what was filled in, secrets as they really are. */
function variablesOf(run: ActiveRun): Record<string, string> {
  return { ...run.state.variables, ...run.secrets };
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
