import { DisposableStore, Emitter, type Disposable } from '../../shared/util/event';
import { instrumentForSh } from './integration/instrument';
import {
  shellKind,
  STEP_FILE_NAME,
  STEP_KEYS,
  STEP_KEYS_ERREXIT,
  STEP_MARK_TAG,
} from './integration/shells';
import { Osc133Parser } from './osc133';
import type { TerminalSession } from './terminal-session';

/** How long a new shell may take to show its first prompt (RUNSHEET_PROMPT_TIMEOUT_MS overrides). */
function promptTimeoutMs(): number {
  const set = Number(process.env.RUNSHEET_PROMPT_TIMEOUT_MS);
  return Number.isFinite(set) && set > 0 ? set : 30_000;
}

/** A command of a step that failed, from the integration's F marks: its line in the step's code. */
export interface FailedCommand {
  line: number;
  exitCode: number;
}

/** What a step produced, read from the shell-integration marks. */
export interface StepOutcome {
  /** The shell's status for the step; for a shell that exited, its exit status. */
  exitCode: number | null;
  /** The shell exited while the step ran (`exit 3`, `set -e`, a kill). */
  shellExited: boolean;
  startedAt: number;
  endedAt: number;
  /** Shell-integration marks the step's output printed without the session's nonce (ignored). */
  forgedMarks: number;
  /** Every command of the step that failed, in order (the last one too, when it failed). */
  failedCommands: FailedCommand[];
  /**
   * Whether failing commands are reported one by one: false when the shell could not be told
   * to (dash with code its parser could not read); then only the last status is known.
   */
  perCommand: boolean;
}

/** How a step is run. */
export interface StepOptions {
  /** The first failing command ends the step with its status (`errexit`). */
  errexit?: boolean;
}

export interface RunningStep {
  /** Raw output bytes between the step's C and D marks, as they arrive (before display). */
  readonly onDidOutput: Emitter<Uint8Array>['event'];
  readonly done: Promise<StepOutcome>;
}

/** A command a person typed at the prompt, between steps. */
export interface ManualCommand {
  command: string;
  exitCode: number | null;
  startedAt: number;
  endedAt: number;
  output: Uint8Array[];
}

/**
 * starting: no prompt yet; prompting: a command ended, the next prompt is being
 * drawn; idle: the prompt is complete (B mark) and the line editor reads keys;
 * running: a step runs. Typing before the prompt is complete would be echoed
 * by the terminal ahead of the prompt, so steps are typed only when idle.
 */
type Phase = 'starting' | 'prompting' | 'idle' | 'running';

/** A Ctrl-C this soon after a step began may reach the shell rather than the step (see sendInterrupt). */
const EARLY_INTERRUPT_MS = 300;
const INTERRUPT_AGAIN_MS = 1000;

/** Failing commands kept for one step: a loop that fails a million times is not a million records. */
const MAX_FAILED = 100;

/** Output kept for one manual command; a person reading the log needs the end of it. */
const MANUAL_OUTPUT_BYTES = 256 * 1024;

/**
 * Drives a TerminalSession through its shell integration: knows when the shell
 * is at a prompt, types a step's command, and reads the step's output and exit
 * code from the OSC 133 marks (never from the prompt text). Commands typed by
 * hand between steps are reported too.
 */
export class IntegratedShell implements Disposable {
  /** Terminal bytes for display, after capture has seen them. */
  readonly onDidDisplay: Emitter<Uint8Array>['event'];
  readonly onDidManualCommand: Emitter<ManualCommand>['event'];
  private readonly displayEmitter = new Emitter<Uint8Array>();
  private readonly manualEmitter = new Emitter<ManualCommand>();
  private readonly parser = new Osc133Parser();
  private readonly store = new DisposableStore();
  private phase: Phase = 'starting';
  private readyWaiters: Array<() => void> = [];
  private current: {
    output: Emitter<Uint8Array>;
    capturing: boolean;
    /** Cancel came before the step began: Ctrl-C when it does. */
    interruptOnStart?: boolean;
    /** When its output began (the tagged C mark). */
    capturingSince?: number;
    startedAt: number;
    /** Marks without this session's nonce seen while it ran: printed by its output, ignored. */
    forged: number;
    failed: FailedCommand[];
    perCommand: boolean;
    resolve: (outcome: StepOutcome) => void;
  } | null = null;
  private manual: {
    command: string;
    startedAt: number;
    output: Uint8Array[];
    bytes: number;
  } | null = null;
  private lastCommandLine = '';
  private exited = false;

  constructor(readonly session: TerminalSession) {
    this.onDidDisplay = this.displayEmitter.event;
    this.onDidManualCommand = this.manualEmitter.event;
    this.store.add(session.onDidData((chunk) => this.handle(chunk)));
    this.store.add(session.onDidExit(({ exitCode }) => this.handleExit(exitCode)));
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** The shell has shown a complete prompt (it may be running a step now); false while it starts. */
  get prompted(): boolean {
    return this.phase === 'idle' || this.phase === 'running';
  }

  /** Resolves when the shell shows a complete prompt (or has exited). */
  ready(): Promise<void> {
    if (this.phase === 'idle' || this.exited) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /**
   * Waits for a local shell's prompt, but not forever: a startup file that waits (a lock,
   * the network, a question) would otherwise leave the step "starting" with no word why.
   */
  async readyWithin(ms = promptTimeoutMs()): Promise<void> {
    // Over SSH the wait includes connecting, and a host key or a one-time code may be
    // waiting on the user: the SSH layer's own timeouts apply there, not this one.
    if (this.session.target.kind === 'ssh') return this.ready();
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), ms);
    });
    const outcome = await Promise.race([this.ready().then(() => 'ready' as const), late]);
    clearTimeout(timer);
    if (outcome === 'late') {
      // This shell will not be asked again: the next step starts a new one.
      this.session.dispose();
      throw new Error(
        `the shell (${this.session.target.shell}) showed no prompt within ${ms / 1000} s: its startup files (~/.bashrc, ~/.zshrc, $ENV) may be waiting for something (a lock, the network, a question)`,
      );
    }
  }

  /** Runs `code` exactly as written, in this shell, so its state carries to the next step. */
  async run(code: string, options: StepOptions = {}): Promise<RunningStep> {
    if (this.exited) throw new Error(this.session.failure ?? 'the shell has exited');
    if (this.phase === 'running' || this.current)
      throw new Error('a step is already running in this shell');
    await this.readyWithin();
    if (this.exited)
      throw new Error(this.session.failure ?? 'the shell exited before showing a prompt');
    // Another caller may have taken the prompt while this one waited.
    if ((this.phase as Phase) === 'running' || this.current)
      throw new Error('a step is already running in this shell');
    this.phase = 'running';
    const errexit = options.errexit === true;
    // bash and zsh report failing commands from an ERR trap; POSIX sh from lines added here.
    const prepared =
      shellKind(this.session.target.shell) === 'sh'
        ? instrumentForSh(code, errexit)
        : { code: code.endsWith('\n') ? code : `${code}\n`, instrumented: true };
    await this.session.writeFile(STEP_FILE_NAME, prepared.code);
    // Closed while the file was written: nothing will ever end a step typed now.
    if (this.exited) throw new Error(this.session.failure ?? 'the shell has exited');
    const output = new Emitter<Uint8Array>();
    const done = new Promise<StepOutcome>((resolve) => {
      this.current = {
        output,
        capturing: false,
        startedAt: Date.now(),
        forged: 0,
        failed: [],
        perCommand: prepared.instrumented,
        resolve,
      };
    });
    this.session.write(errexit ? STEP_KEYS_ERREXIT : STEP_KEYS);
    return { onDidOutput: output.event, done };
  }

  /**
   * Ctrl-C: the terminal sends SIGINT to the foreground job, as when a person
   * presses it. A step typed but not begun yet (no C mark) gets it as soon as it
   * begins: sent earlier, the shell itself would take it while reading the line,
   * and the step would then run on.
   */
  interrupt(): void {
    const current = this.current;
    if (current && !current.capturing) current.interruptOnStart = true;
    else this.sendInterrupt();
  }

  /**
   * Ctrl-C now. In the first moments of a step its command may not be the
   * terminal's foreground job yet (the shell is still setting it up), and the
   * shell then takes the SIGINT instead: measured here with a slow ~/.bashrc under
   * load, 1 early Ctrl-C in 6 was lost that way. So one sent that early is sent
   * once more if the same step is still running a second later, as a person
   * would press it again.
   */
  private sendInterrupt(): void {
    this.session.write('\x03');
    const current = this.current;
    if (!current?.capturing || Date.now() - (current.capturingSince ?? 0) > EARLY_INTERRUPT_MS)
      return;
    setTimeout(() => {
      if (this.current === current && !this.exited) this.session.write('\x03');
    }, INTERRUPT_AGAIN_MS).unref?.();
  }

  private handle(chunk: Uint8Array): void {
    for (const segment of this.parser.push(chunk)) {
      if (segment.type === 'data') {
        if (this.current?.capturing) this.current.output.fire(segment.bytes);
        else if (this.manual) this.keepManualOutput(segment.bytes);
        this.displayEmitter.fire(segment.bytes);
        continue;
      }
      const { mark } = segment;
      // Only the integration's own marks count: output (a file, a host, a program) that
      // prints a mark cannot end a step or set its exit code. Shown as it was printed.
      if (mark.nonce !== this.session.nonce) {
        if (this.current) this.current.forged++;
        continue;
      }
      switch (mark.kind) {
        case 'A':
          if (this.phase === 'idle') this.phase = 'prompting';
          break;
        case 'B':
          if (this.phase === 'starting' || this.phase === 'prompting') {
            this.phase = 'idle';
            for (const waiter of this.readyWaiters.splice(0)) waiter();
          }
          break;
        case 'E':
          this.lastCommandLine = mark.commandLine;
          break;
        case 'C':
          if (this.current && mark.tag === STEP_MARK_TAG) {
            // The typed line's own C (from PS0) comes first; the step's output starts at its tagged C.
            this.current.capturing = true;
            this.current.capturingSince = Date.now();
            if (this.current.interruptOnStart) this.sendInterrupt();
          } else if (!this.current && (this.phase === 'idle' || this.phase === 'prompting')) {
            this.manual = {
              command: this.lastCommandLine,
              startedAt: Date.now(),
              output: [],
              bytes: 0,
            };
          }
          this.lastCommandLine = '';
          break;
        case 'F':
          // Only while the step's own output runs: its line numbers are the step's.
          if (this.current?.capturing && this.current.failed.length < MAX_FAILED)
            this.current.failed.push({ line: mark.line, exitCode: mark.exitCode });
          break;
        case 'D':
          if (this.current) this.finish(mark.exitCode, false);
          else if (this.manual) this.finishManual(mark.exitCode);
          break;
        default:
          break;
      }
    }
  }

  private keepManualOutput(bytes: Uint8Array): void {
    const manual = this.manual!;
    manual.output.push(Uint8Array.from(bytes));
    manual.bytes += bytes.length;
    while (manual.bytes > MANUAL_OUTPUT_BYTES && manual.output.length > 1) {
      manual.bytes -= manual.output.shift()!.length;
    }
  }

  private finishManual(exitCode: number | null): void {
    const manual = this.manual!;
    this.manual = null;
    if (!manual.command.trim()) return;
    this.manualEmitter.fire({
      command: manual.command,
      exitCode,
      startedAt: manual.startedAt,
      endedAt: Date.now(),
      output: manual.output,
    });
  }

  private finish(exitCode: number | null, shellExited: boolean): void {
    const current = this.current;
    if (!current) return;
    this.current = null;
    if (!this.exited) this.phase = 'prompting';
    current.output.dispose();
    current.resolve({
      exitCode,
      shellExited,
      startedAt: current.startedAt,
      endedAt: Date.now(),
      forgedMarks: current.forged,
      failedCommands: current.failed,
      perCommand: current.perCommand,
    });
  }

  private handleExit(exitCode: number | null): void {
    this.exited = true;
    for (const waiter of this.readyWaiters.splice(0)) waiter();
    // `exit 3` in a step ends the shell with status 3: that is the step's exit code.
    this.finish(exitCode, true);
  }

  dispose(): void {
    // A disposed shell is gone for its users too: the next step opens a new one.
    this.exited = true;
    for (const waiter of this.readyWaiters.splice(0)) waiter();
    this.store.dispose();
    this.displayEmitter.dispose();
    this.manualEmitter.dispose();
    this.finish(null, true);
  }
}
