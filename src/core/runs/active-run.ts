import type { StepAnalyzer } from '../../shared/runbook';
import { dangerWithValues } from './step-command';
import type { PlanOptions } from './plan';
import { approvalRequired } from '../guard/approval';
import { holdFlagged, isProduction, type Plan } from '../../shared/model';
import { userInfo } from 'node:os';
import { confirmationFor } from './confirm';
import { rmSync } from 'node:fs';
import { ApiError } from '../../shared/api/errors';
import {
  actionableSteps,
  stepsFrom,
  type Runbook,
  type RunState,
  type Step,
} from '../../shared/model';
import { renderPlainText } from '../capture/plain-text';
import { isSecretVariable } from '../redaction/config';
import type { RedactionEngine } from '../redaction/engine';
import type { ManualCommand } from '../sessions/integrated-shell';
import type { ManagedSession, SessionManager } from '../sessions/session-manager';
import { redactRunbook, type LiveRun } from './live-run';
import { RunShells } from './run-shells';
import { StepRunner } from './step-runner';

/** Where a run's steps go: its own host (or this machine), or a group they fan out to. */
export interface RunTarget {
  /** The run's one host (an inventory or ssh_config name); null for this machine or a group. */
  host: string | null;
  /** The hosts of the group a run targets: its steps fan out to all of them. */
  group: string[] | null;
}

export interface ActiveRunDeps {
  sessions: SessionManager;
  /** A host name, a comma-separated list, or a hosts.yaml group, as host names. */
  expandHosts(spec: string): string[];
  /** Whether a name is a host or a group of the inventory. */
  inInventory(name: string): boolean;
  /** A host's environment tag in the inventory (production, staging, …). */
  hostEnvironment(name: string): string | null;
  workspaceDir: string;
  /** The plan of a live run: its runbook copy, hosts, moves and values (and its signature, if any). */
  plan(request: PlanOptions & { runbookId: string }): Promise<Plan>;
  analyze: StepAnalyzer;
}

/** After a disk fault, a step that ignores Ctrl-C this long has its shell closed. */
const FAULT_KILL_MS = 3000;

/**
 * A run in progress in this process: its journal and state (LiveRun), its shells
 * (RunShells) and its step runner. Every action is refused while it does not
 * fit (a step running, a step that does not exist), naming why.
 */
export class ActiveRun {
  readonly shells: RunShells;
  readonly runner: StepRunner;
  /** Environments this run has had (as started, and as edited since). */
  private readonly environments = new Set<string>();
  /** The runbook's exact text this run follows (its own copy: what a plan and a signature cover). */
  private source: string;
  /** A rehearsal's "Run from here" stopped before this flagged step, until it is confirmed. */
  private held: string | null = null;
  /** Values of secret variables: used in commands, never journaled. */
  readonly secrets: Record<string, string> = {};

  constructor(
    readonly live: LiveRun,
    readonly target: RunTarget,
    source: string,
    readonly redactor: RedactionEngine,
    private readonly stateDir: string,
    private readonly deps: ActiveRunDeps,
  ) {
    this.source = source;
    const shell = live.runbook.frontmatter.shell;
    this.shells = new RunShells({
      sessions: deps.sessions,
      stateDir,
      shell: typeof shell === 'string' ? shell : undefined,
      ownHost: target.host,
      changed: () => live.publish(),
      manual: (session, command) => void this.recordManual(session, command),
    });
    this.runner = new StepRunner({
      live,
      shells: this.shells,
      redactor,
      variables: () => ({ ...this.live.state.variables, ...this.secrets }),
      fanOutHosts: (step) => this.fanOutHosts(step),
      changed: () => live.publish(),
    });
    live.bindLive(() => this.liveFields());
    // The disk refused a write: the running step (and a "Run from here") stops, by Ctrl-C,
    // then by closing its shell if it goes on; its end waits in memory with the reason.
    live.onFault = () => {
      if (!this.runner.busy) return;
      this.runner.cancel(false);
      setTimeout(() => {
        if (this.runner.busy && !this.live.closed) this.runner.cancel(true);
      }, FAULT_KILL_MS).unref();
    };
  }

  get state(): RunState {
    return this.live.state;
  }

  get runbook(): Runbook {
    return this.live.runbook;
  }

  /** What the run state holds that is not journaled. */
  liveFields() {
    return { ...this.shells.live(), queued: this.runner.queued, heldStepId: this.held };
  }

  async setChecked(stepId: string, checked: boolean, note?: string): Promise<RunState> {
    this.idleStep(stepId);
    const text = note === undefined ? null : await this.redactor.text(note);
    this.live.record({ type: 'step.checked', stepId, checked, note: text }, { durable: true });
    return this.state;
  }

  async skip(stepId: string, reason: string): Promise<RunState> {
    this.idleStep(stepId);
    this.live.record(
      { type: 'step.skipped', stepId, reason: await this.redactor.text(reason) },
      { durable: true },
    );
    return this.state;
  }

  /** "Mark done manually": the user ran the step another way. */
  async markDone(stepId: string, note?: string): Promise<RunState> {
    this.idleStep(stepId);
    const text = note === undefined ? null : await this.redactor.text(note);
    this.live.record({ type: 'step.manual', stepId, note: text }, { durable: true });
    return this.state;
  }

  /**
   * Steps of a "Run from here" were confirmed (and signed) as they stood: their values
   * and hosts do not change under them until the sequence ends.
   */
  private notDuringSequence(what: string): void {
    if (this.runner.queued.length > 0)
      throw new ApiError(
        'conflict',
        `${what} waits until the steps of "Run from here" have run (or cancel them)`,
      );
  }

  /** Fills placeholder values for the rest of the run (remembered, editable). */
  setVariables(values: Record<string, string>): RunState {
    this.notDuringSequence('changing a value');
    // Secret values stay in memory for the commands; the journal (and the UI) see a marker.
    const recorded: Record<string, string> = {};
    for (const [name, value] of Object.entries(values)) {
      if (isSecretVariable(this.runbook, name)) {
        this.secrets[name] = value;
        this.redactor.addSecret(name, value);
        recorded[name] = `[REDACTED: secret ${name}]`;
      } else {
        recorded[name] = value;
      }
    }
    this.live.record({ type: 'vars.set', values: recorded }, { durable: true });
    return this.state;
  }

  /**
   * Moves a step to another host or group (an inventory name) for this run, or
   * back to where the runbook puts it (null). Recorded in the journal and log.
   */
  setStepTarget(stepId: string, host: string | null): RunState {
    this.notDuringSequence('moving a step');
    const step = this.idleStep(stepId);
    if (!step.runnable)
      throw new ApiError('invalid-input', `step at line ${step.line} is not a runnable command`);
    if (host !== null && !this.deps.inInventory(host))
      throw new ApiError('invalid-input', `no host or group named "${host}" in the inventory`);
    this.live.record({ type: 'step.target', stepId, host }, { durable: true });
    return this.state;
  }

  /**
   * Opens a fresh connection to a host of the run (its own host or a fan-out
   * host), restoring the shell state saved before the last step. Refused while
   * a step runs.
   */
  reconnect(host: string): RunState {
    if (this.runner.busy)
      throw new ApiError('conflict', 'a step is running; wait for it or cancel it first');
    if (!this.shells.has(host) && !this.target.group?.includes(host))
      throw new ApiError('invalid-input', `${host} is not a host of this run`);
    this.shells.reconnect(host);
    this.live.publish();
    return this.state;
  }

  /**
   * Starts a step, or with `andFollowing` "Run from here": it and every later
   * runnable step that is not done (narrowed to `only`, the CLI's selection).
   * Returns once the first has started; progress arrives as run.didChange.
   * Missing values and steps that ask but were not confirmed (destructive ones,
   * `confirm=true`; in production with the environment's name typed) are refused
   * up front; a confirmation is journaled before the first step starts.
   */
  async execute(
    stepId: string,
    options: { confirmed?: boolean; typed?: string; andFollowing?: boolean; only?: string[] } = {},
  ): Promise<RunState> {
    this.live.refuseWhileFaulted('running a step');
    const first = this.step(stepId);
    if (!first.runnable || first.code === null)
      throw new ApiError('invalid-input', `step at line ${first.line} is not a runnable command`);
    if (this.runner.busy)
      throw new ApiError(
        'conflict',
        'another step is still running; wait for it or cancel it first',
      );
    const range = options.andFollowing
      ? stepsFrom(this.runbook, this.state, first, options.only ? new Set(options.only) : undefined)
      : [first];
    // A rehearsal holds each flagged step until it is confirmed on its own.
    const { steps, held } = holdFlagged(range, this.state.rehearsal !== null);
    if (steps.length === 0)
      throw new ApiError(
        'invalid-input',
        `step at line ${first.line} is not among the steps to run`,
      );
    this.runner.check(steps);
    // Judged on what will run: the commands with this run's values filled in (a value can
    // be what makes a step destructive), on the hosts they will run on.
    const filled = steps.map((s) => this.filled(s));
    const environments = this.environmentsOf(steps);
    const confirmation = confirmationFor(
      filled,
      this.state,
      options,
      environments,
      userInfo().username,
    );
    await this.checkApproval(steps, environments);
    this.held = held?.id ?? null;
    if (confirmation) {
      // Reasons quote the runbook's commands: the journal keeps them redacted, as the log does.
      for (const s of confirmation.steps)
        s.reasons = await Promise.all(s.reasons.map((r) => this.redactor.text(r)));
      if (this.runner.busy || this.live.closed)
        throw new ApiError('conflict', 'another step started meanwhile; try again');
      this.live.record({ type: 'step.confirmed', ...confirmation }, { durable: true });
    }
    await this.runner.execute(steps);
    return this.state;
  }

  /** Keeps the environment the run has now, before an edit of the field changes it. */
  rememberEnvironment(): void {
    if (this.live.state) this.environments.add(this.live.state.environment);
  }

  /** The runbook text this run follows. */
  get runbookSource(): string {
    return this.source;
  }

  /** The plan of this run as it stands: its runbook text, hosts, step moves and values. */
  plan(): Promise<Plan> {
    const hosts = this.target.group ?? (this.target.host ? [this.target.host] : []);
    return this.deps.plan({
      runbookId: this.state.runbookId,
      runbook: this.runbook,
      source: this.source,
      runHosts: hosts,
      stepTargets: this.state.stepTargets,
      variables: { ...this.state.variables, ...this.secrets },
    });
  }

  /** A step with its danger flags found again on its code with this run's values filled in. */
  private filled(step: Step): Step {
    if (step.placeholders.length === 0) return step;
    const again = dangerWithValues(
      step,
      { ...this.state.variables, ...this.secrets },
      this.deps.analyze,
      this.source.split('\n'),
    );
    const seen = new Set(step.danger.map((f) => `${f.rule}\0${f.line}`));
    return {
      ...step,
      danger: [...step.danger, ...again.filter((f) => !seen.has(`${f.rule}\0${f.line}`))],
    };
  }

  /**
   * Every environment these steps touch: the run's as it started and as edited since
   * (the most sensitive counts: editing the field cannot take a run out of production)
   * and the inventory tags of each host they run on.
   */
  private environmentsOf(steps: Step[]): Array<string | null> {
    this.environments.add(this.state.environment);
    const hosts = steps.flatMap((s) => this.fanOutHosts(s) ?? [this.target.host ?? 'local']);
    return [...this.environments, ...hosts.map((h) => this.deps.hostEnvironment(h))];
  }

  /**
   * A production run of a runbook that requires approval runs only a signed plan:
   * the plan as it stands now (values filled so far included) must carry a valid
   * signature from allowed_signers. The first step of each signed plan journals
   * who signed it, with which key; a plan changed since (an edit, another value)
   * is refused until it is signed again.
   */
  private async checkApproval(steps: Step[], environments: Array<string | null>): Promise<void> {
    if (!environments.some(isProduction)) return;
    if (approvalRequired(this.runbook, this.deps.workspaceDir) === 'none') return;
    const plan = await this.plan();
    const planned = new Set(plan.steps.map((s) => s.stepId));
    const unplanned = steps.find((s) => !planned.has(s.id));
    if (unplanned)
      throw new ApiError(
        'forbidden',
        `the step at line ${unplanned.line} is not in the signed plan of this run`,
      );
    if (!plan.signature)
      throw new ApiError(
        'forbidden',
        `this ${plan.environment} run needs a signed plan: ${plan.signatureProblem ?? `no signature for plan ${plan.sha256.slice(0, 12)}…; save it with \`runsheet plan --save\` and sign ${plan.approvalFile} with \`ssh-keygen -Y sign -n runsheet-plan\``}`,
      );
    if (this.state.approval?.planSha256 === plan.sha256) return;
    const { planSha256, signer, key } = plan.signature;
    this.live.record({ type: 'plan.approved', planSha256, signer, key }, { durable: true });
  }

  /**
   * The go-ahead for the next batch of the running step (`pauseBetween=ask`). A step that
   * asks before it runs (destructive, `confirm=true`, production) is confirmed again for
   * each batch, by the same rules as its start, and the journal keeps who said go on.
   */
  async proceed(
    stepId: string,
    answer: { confirmed?: boolean; typed?: string },
  ): Promise<RunState> {
    if (this.runner.asking !== stepId)
      throw new ApiError('conflict', 'this step is not waiting for the go-ahead to its next batch');
    const step = this.filled(this.step(stepId));
    const by = userInfo().username;
    const confirmation = confirmationFor(
      [step],
      this.state,
      answer,
      this.environmentsOf([step]),
      by,
    );
    if (confirmation) {
      for (const s of confirmation.steps)
        s.reasons = await Promise.all(s.reasons.map((r) => this.redactor.text(r)));
      if (this.runner.asking !== stepId)
        throw new ApiError('conflict', 'the step stopped waiting meanwhile');
      this.live.record({ type: 'step.confirmed', ...confirmation }, { durable: true });
    }
    this.runner.proceed(by);
    return this.state;
  }

  /** Ctrl-C to the running step (on every host); with `force`, kill its shells. */
  cancel(force = false): RunState {
    this.runner.cancel(force);
    return this.state;
  }

  /**
   * The runbook changed on disk: the run follows the new text, keeping the
   * results of every step whose id survived the edit.
   */
  async reload(runbook: Runbook, sha256: string, source: string): Promise<void> {
    const logRunbook = await redactRunbook(this.redactor, runbook);
    if (this.live.closed) return;
    this.live.setRunbook(runbook, logRunbook);
    this.source = source;
    const steps = actionableSteps(runbook).map((s) => ({ id: s.id, checked: s.checked }));
    this.live.record({ type: 'runbook.reloaded', steps, sha256 }, { durable: true });
  }

  /** Ends the run, once the output files of its steps are written (the log names them). */
  async finish(): Promise<RunState> {
    await this.live.outputFilesWritten();
    if (this.runner.busy) throw new ApiError('conflict', 'a step is still running');
    this.live.refuseWhileFaulted('finishing the run');
    this.live.record({ type: 'run.finished' }, { durable: true });
    // The disk refused the end: the run stays open, its end waiting in memory, and is
    // closed once it is written (see LiveRun.retry).
    if (this.live.faulted) {
      this.live.onWritten = () => this.dispose();
      return this.state;
    }
    this.dispose();
    this.live.publish();
    return this.state;
  }

  dispose(): void {
    this.runner.dispose();
    this.live.close();
    this.shells.dispose();
    this.redactor.dispose();
    rmSync(this.stateDir, { recursive: true, force: true });
  }

  /** Hosts a step fans out to: its own `hosts`/`host` attribute, else the run's group; null for one shell. */
  private fanOutHosts(step: Step): string[] | null {
    const moved = this.state.stepTargets[step.id];
    const specs = moved
      ? [moved]
      : (step.attrs.hosts ?? (step.attrs.host ? [step.attrs.host] : null));
    const hosts = specs
      ? [...new Set(specs.flatMap((s) => this.deps.expandHosts(s)))]
      : this.target.group;
    if (!hosts || (hosts.length === 1 && hosts[0] === this.target.host)) return null;
    return hosts;
  }

  private async recordManual(session: ManagedSession, command: ManualCommand): Promise<void> {
    const text = await this.redactor.text(
      await renderPlainText(Buffer.concat(command.output), session.shell.session.cols),
    );
    const typed = await this.redactor.text(command.command);
    if (this.state.status !== 'active') return;
    this.live.record(
      {
        type: 'manual.command',
        command: typed,
        exitCode: command.exitCode,
        durationMs: command.endedAt - command.startedAt,
        host: session.shell.session.target.host,
        text,
      },
      { durable: true },
    );
  }

  private step(stepId: string): Step {
    const step = this.runbook.steps.find((s) => s.id === stepId);
    if (!step || !(stepId in this.state.steps))
      throw new ApiError('not-found', `no step ${stepId} in ${this.state.runbookId}`);
    return step;
  }

  /** A step that exists and is not running. */
  private idleStep(stepId: string): Step {
    const step = this.step(stepId);
    if (this.state.runningStepId === step.id) throw new ApiError('conflict', 'the step is running');
    return step;
  }
}
