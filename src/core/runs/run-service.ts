import { randomBytes } from 'node:crypto';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import type { EventSink, RunState } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import type { JournalEntry } from '../../shared/log/journal-records';
import { renderMaintenanceLog } from '../../shared/log/render-log';
import { actionableSteps, applyRecord } from '../../shared/log/run-reducer';
import { substitutePlaceholders } from '../../shared/runbook/placeholders';
import type { Runbook, Step } from '../../shared/runbook/types';
import { slugify } from '../../shared/util/hash';
import { renderPlainText } from '../capture/plain-text';
import type { CoreDirs } from '../paths';
import type { SessionManager, ManagedSession } from '../sessions/session-manager';
import type { Workspace } from '../workspace/workspace';
import { writeFileAtomic } from './atomic-write';
import { JournalWriter } from './journal';

/** Output is journaled in batches at most this old, so a crash loses at most this much. */
const OUTPUT_BATCH_MS = 100;

interface ActiveRun {
  state: RunState;
  runbook: Runbook;
  runbookPath: string;
  journal: JournalWriter;
  session: ManagedSession | null;
}

/** Runs: start, tick, skip, execute steps in the run's shell, finish; journal and log on disk. */
export class RunService {
  private readonly runs = new Map<string, ActiveRun>();

  constructor(
    private readonly deps: {
      dirs: CoreDirs;
      workspace: Workspace;
      sessions: SessionManager;
      emit: EventSink;
    },
  ) {}

  activeRunFor(runbookId: string): RunState | null {
    for (const run of this.runs.values()) {
      if (run.state.runbookId === runbookId && run.state.status === 'active') return run.state;
    }
    return null;
  }

  /** Starts a run, or returns the run already in progress for this runbook. */
  async start(runbookId: string): Promise<RunState> {
    const existing = this.activeRunFor(runbookId);
    if (existing) return existing;
    const { runbook, path } = await this.deps.workspace.open(runbookId);
    const now = new Date();
    const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
    const id = `${stamp}-${randomBytes(4).toString('hex')}`;
    const logPath = join(
      this.deps.dirs.logDir,
      `${now.toISOString().slice(0, 10)}-${stamp.slice(9)}-${slugify(runbookId.replace(/\.md$/, ''))}.md`,
    );
    const journal = new JournalWriter(join(this.deps.dirs.dataDir, 'journals', `${id}.jsonl`));
    const session = this.deps.sessions.create();
    const environment =
      typeof runbook.frontmatter.environment === 'string'
        ? runbook.frontmatter.environment
        : 'local';
    const run: ActiveRun = {
      state: null as unknown as RunState,
      runbook,
      runbookPath: path,
      journal,
      session,
    };
    this.runs.set(id, run);
    this.record(run, {
      type: 'run.started',
      runId: id,
      runbookId,
      runbookTitle: runbook.title,
      runbookPath: path,
      maintainer: maintainerName(),
      host: hostname(),
      environment,
      logPath,
    });
    this.watchSession(run, session);
    journal.sync();
    this.writeLog(run);
    return run.state;
  }

  get(runId: string): RunState {
    return this.find(runId).state;
  }

  setChecked(runId: string, stepId: string, checked: boolean, note?: string): RunState {
    const run = this.findActive(runId);
    const step = this.step(run, stepId);
    if (run.state.runningStepId === step.id) throw new ApiError('conflict', 'the step is running');
    this.record(run, { type: 'step.checked', stepId, checked, note: note ?? null });
    run.journal.sync();
    this.writeLog(run);
    return run.state;
  }

  skip(runId: string, stepId: string, reason: string): RunState {
    const run = this.findActive(runId);
    const step = this.step(run, stepId);
    if (run.state.runningStepId === step.id) throw new ApiError('conflict', 'the step is running');
    this.record(run, { type: 'step.skipped', stepId, reason });
    run.journal.sync();
    this.writeLog(run);
    return run.state;
  }

  /** Fills placeholder values for the rest of the run (remembered, editable). */
  setVariables(runId: string, values: Record<string, string>): RunState {
    const run = this.findActive(runId);
    this.record(run, { type: 'vars.set', values });
    run.journal.sync();
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
      this.writeLog(run);
    }
  }

  /** Starts a step in the run's shell; returns at once, progress arrives as run.didChange events. */
  async execute(runId: string, stepId: string): Promise<RunState> {
    const run = this.findActive(runId);
    const step = this.step(run, stepId);
    if (!step.runnable || step.code === null) {
      throw new ApiError('invalid-input', `step at line ${step.line} is not a runnable command`);
    }
    const missing = step.placeholders
      .filter((p) => !(p.name in run.state.variables))
      .map((p) => p.tokens[0]);
    if (missing.length > 0) {
      throw new ApiError(
        'invalid-input',
        `fill in ${missing.join(', ')} before running the step at line ${step.line}`,
      );
    }
    const code = commandFor(step, run.state.variables);
    if (run.state.runningStepId) {
      throw new ApiError(
        'conflict',
        'another step is still running; wait for it or cancel it first',
      );
    }
    if (!run.session || !run.session.shell.alive) {
      run.session = this.deps.sessions.create();
      this.watchSession(run, run.session);
    }
    const session = run.session;
    const running = await session.shell.run(code);
    this.record(run, {
      type: 'step.started',
      stepId,
      host: session.shell.session.target.host,
      code,
    });
    run.journal.sync();

    const chunks: Uint8Array[] = [];
    let bytes = 0;
    let pending: Uint8Array[] = [];
    let timer: NodeJS.Timeout | null = null;
    const flush = (): void => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (pending.length === 0) return;
      const data = Buffer.concat(pending).toString('base64');
      pending = [];
      this.record(run, { type: 'step.output', stepId, data }, false);
    };
    running.onDidOutput((chunk) => {
      // Capture happens here, before the bytes are shown; the journal never waits on the UI.
      const copy = Uint8Array.from(chunk);
      chunks.push(copy);
      pending.push(copy);
      bytes += copy.length;
      timer ??= setTimeout(flush, OUTPUT_BATCH_MS);
    });
    void running.done.then(async (outcome) => {
      flush();
      const text = await renderPlainText(Buffer.concat(chunks), session.shell.session.cols);
      this.record(run, {
        type: 'step.finished',
        stepId,
        status: outcome.exitCode === 0 && !outcome.shellExited ? 'passed' : 'failed',
        exitCode: outcome.exitCode,
        durationMs: outcome.endedAt - outcome.startedAt,
        bytes,
        text: outcome.shellExited
          ? `${text}\n[the shell exited during this step; a new shell starts with the next step]`.trimStart()
          : text,
      });
      run.journal.sync();
      this.writeLog(run);
    });
    return run.state;
  }

  finish(runId: string): RunState {
    const run = this.findActive(runId);
    if (run.state.runningStepId) throw new ApiError('conflict', 'a step is still running');
    this.record(run, { type: 'run.finished' });
    run.journal.close();
    this.writeLog(run);
    run.session?.dispose();
    run.session = null;
    this.publish(run);
    return run.state;
  }

  dispose(): void {
    for (const run of this.runs.values()) {
      run.session?.dispose();
      run.journal.close();
    }
    this.runs.clear();
  }

  /** When a run's shell exits, the run shows no session until the next step starts a new one. */
  private watchSession(run: ActiveRun, session: ManagedSession): void {
    session.shell.session.onDidExit(() => {
      if (run.session !== session) return;
      run.session = null;
      // Let a step that the exit ended record its result first.
      setImmediate(() => this.publish(run));
    });
  }

  private record(run: ActiveRun, entry: JournalEntry, publish = true): void {
    const record = run.journal.append(entry);
    run.state = applyRecord(run.state, record, run.runbook, {
      journalPath: run.journal.path,
      sessionId: run.session?.id ?? null,
    });
    if (publish) this.publish(run);
  }

  private publish(run: ActiveRun): void {
    run.state = { ...run.state, sessionId: run.session?.id ?? null };
    this.deps.emit('run.didChange', run.state);
  }

  private writeLog(run: ActiveRun): void {
    const relative = run.state.runbookId;
    writeFileAtomic(run.state.logPath, renderMaintenanceLog(run.state, run.runbook, relative));
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

  private step(run: ActiveRun, stepId: string): Step {
    const step = run.runbook.steps.find((s) => s.id === stepId);
    if (!step || !(stepId in run.state.steps)) {
      throw new ApiError('not-found', `no step ${stepId} in ${run.state.runbookId}`);
    }
    return step;
  }
}

/** What runs for a step: placeholders filled, and a non-shell block handed to its interpreter. */
export function commandFor(step: Step, variables: Record<string, string>): string {
  const code = substitutePlaceholders(step.code ?? '', variables);
  const interpreter = step.attrs.interpreter;
  if (!interpreter) return code;
  // A quoted heredoc passes the block to the interpreter byte for byte.
  let delimiter = 'RUNSHEET_EOF';
  while (code.includes(delimiter)) delimiter += '_';
  return `${interpreter} <<'${delimiter}'\n${code.endsWith('\n') ? code : `${code}\n`}${delimiter}\n`;
}

/** The OS user's name; git config and a settings field refine this later (issue 6). */
function maintainerName(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}
