import { Emitter, DisposableStore, type Disposable } from '../../shared/util/event';
import { BASH_STEP_COMMAND, STEP_FILE_NAME, STEP_MARK_TAG } from './integration/bash';
import { Osc133Parser } from './osc133';
import type { TerminalSession } from './terminal-session';

/** What a step produced, read from the shell-integration marks. */
export interface StepOutcome {
  /** The shell's status for the step; null when the shell died before reporting one. */
  exitCode: number | null;
  /** The shell exited while the step ran (e.g. `exit 3`). */
  shellExited: boolean;
  startedAt: number;
  endedAt: number;
}

export interface RunningStep {
  /** Raw output bytes between the C and D marks, as they arrive (before display). */
  readonly onDidOutput: Emitter<Uint8Array>['event'];
  readonly done: Promise<StepOutcome>;
}

type Phase = 'starting' | 'idle' | 'running';

/**
 * Drives a TerminalSession through its shell integration: knows when the shell
 * is at a prompt, types a step's command, and reads the step's output and exit
 * code from the OSC 133 marks (never from the prompt text).
 */
export class IntegratedShell implements Disposable {
  /** Terminal bytes for display, after capture has seen them. */
  readonly onDidDisplay: Emitter<Uint8Array>['event'];
  private readonly displayEmitter = new Emitter<Uint8Array>();
  private readonly parser = new Osc133Parser();
  private readonly store = new DisposableStore();
  private phase: Phase = 'starting';
  private readyWaiters: Array<() => void> = [];
  private current: {
    output: Emitter<Uint8Array>;
    capturing: boolean;
    startedAt: number;
    resolve: (outcome: StepOutcome) => void;
  } | null = null;
  private exited = false;

  constructor(readonly session: TerminalSession) {
    this.onDidDisplay = this.displayEmitter.event;
    this.store.add(session.onDidData((chunk) => this.handle(chunk)));
    this.store.add(session.onDidExit(({ exitCode }) => this.handleExit(exitCode)));
  }

  get busy(): boolean {
    return this.phase === 'running';
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Resolves when the shell has shown its first prompt. */
  ready(): Promise<void> {
    if (this.phase !== 'starting') return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** Runs `code` exactly as written, in this shell, so its state carries to the next step. */
  async run(code: string): Promise<RunningStep> {
    if (this.exited) throw new Error('the shell has exited');
    if (this.phase === 'running') throw new Error('a step is already running in this shell');
    await this.ready();
    this.phase = 'running';
    await this.session.writeFile(STEP_FILE_NAME, code.endsWith('\n') ? code : `${code}\n`);
    const output = new Emitter<Uint8Array>();
    const done = new Promise<StepOutcome>((resolve) => {
      this.current = { output, capturing: false, startedAt: Date.now(), resolve };
    });
    // Ctrl-E Ctrl-U clears anything half-typed at the prompt so it cannot join the command.
    this.session.write(`\x05\x15${BASH_STEP_COMMAND}\r`);
    return { onDidOutput: output.event, done };
  }

  private handle(chunk: Uint8Array): void {
    for (const segment of this.parser.push(chunk)) {
      if (segment.type === 'data') {
        if (this.current?.capturing) this.current.output.fire(segment.bytes);
        this.displayEmitter.fire(segment.bytes);
        continue;
      }
      const { mark } = segment;
      if (mark.kind === 'A' && this.phase === 'starting') {
        this.phase = 'idle';
        for (const waiter of this.readyWaiters.splice(0)) waiter();
      } else if (mark.kind === 'C' && this.current && mark.tag === STEP_MARK_TAG) {
        // The typed line's own C (from PS0) comes first; the step's output starts at its tagged C.
        this.current.capturing = true;
      } else if (mark.kind === 'D' && this.current) {
        this.finish(mark.exitCode, false);
      }
    }
  }

  private finish(exitCode: number | null, shellExited: boolean): void {
    const current = this.current;
    if (!current) return;
    this.current = null;
    this.phase = 'idle';
    current.output.dispose();
    current.resolve({ exitCode, shellExited, startedAt: current.startedAt, endedAt: Date.now() });
  }

  private handleExit(exitCode: number | null): void {
    this.exited = true;
    for (const waiter of this.readyWaiters.splice(0)) waiter();
    // `exit 3` in a step ends the shell with status 3: that is the step's exit code.
    this.finish(exitCode, true);
  }

  dispose(): void {
    this.store.dispose();
    this.displayEmitter.dispose();
    this.finish(null, true);
  }
}
