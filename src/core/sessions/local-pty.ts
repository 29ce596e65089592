import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { Emitter } from '../../shared/util/event';
import { findShell, shellLaunch, STEP_FILE_NAME } from './integration/shells';
import type { SessionExit, SessionTarget, TerminalSession } from './terminal-session';

export interface LocalPtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Shell to start (a path or a name on PATH); defaults to the user's bash or zsh. */
  shell?: string;
  /** Where the shell saves its directory and exports before each step (kept across shells of a run). */
  stateDir?: string;
  /** This shell replaces one a step ended: start in its directory with its exports. */
  restore?: boolean;
}

/** A shell on this machine in a real pseudo-terminal (node-pty), with shell integration loaded. */
export class LocalPtySession implements TerminalSession {
  readonly id = `pty-${randomBytes(6).toString('hex')}`;
  readonly target: SessionTarget;
  readonly failure: string | null = null;
  private readonly onDidDataEmitter = new Emitter<Uint8Array>();
  private readonly onDidExitEmitter = new Emitter<SessionExit>();
  readonly onDidData = this.onDidDataEmitter.event;
  readonly onDidExit = this.onDidExitEmitter.event;
  private readonly proc: pty.IPty;
  /** Private scratch folder (mode 0700) for the rc file and step scripts. */
  private readonly dir: string;
  readonly nonce = randomBytes(16).toString('hex');
  private exited = false;
  private disposed = false;
  private size: { cols: number; rows: number };

  constructor(options: LocalPtyOptions = {}) {
    const userEnv = options.env ?? process.env;
    const shell = findShell(options.shell, userEnv);
    this.dir = mkdtempSync(join(tmpdir(), 'runsheet-'));
    const launch = shellLaunch(shell, this.dir, userEnv, this.nonce);
    for (const [name, content] of launch.files)
      writeFileSync(join(this.dir, name), content, { mode: 0o600 });
    this.size = { cols: options.cols ?? 100, rows: options.rows ?? 30 };
    this.target = { kind: 'local', host: hostname(), user: userInfo().username, shell };
    const env: NodeJS.ProcessEnv = {
      ...userEnv,
      ...launch.env,
      TERM: 'xterm-256color',
      COLORTERM: 'truecolor',
      TERM_PROGRAM: 'Runsheet',
      RUNSHEET: '1',
      RUNSHEET_STEP_FILE: join(this.dir, STEP_FILE_NAME),
      ...(options.stateDir ? { RUNSHEET_STATE_DIR: options.stateDir } : {}),
      ...(options.restore ? { RUNSHEET_RESTORE: '1' } : {}),
    };
    // Variables of the app itself must not leak into the user's shell.
    delete env.ELECTRON_RUN_AS_NODE;
    delete env.RUNSHEET_TOKEN;
    this.proc = pty.spawn(shell, launch.args, {
      name: 'xterm-256color',
      cols: this.size.cols,
      rows: this.size.rows,
      cwd: options.cwd ?? process.env.HOME ?? process.cwd(),
      env: env as Record<string, string>,
      // Raw bytes: capture must see exactly what the shell wrote, split UTF-8 and all.
      encoding: null,
    });
    this.proc.onData((data) => {
      const bytes: Uint8Array = typeof data === 'string' ? Buffer.from(data) : data;
      this.onDidDataEmitter.fire(bytes);
    });
    this.proc.onExit(({ exitCode, signal }) => {
      this.exited = true;
      this.onDidExitEmitter.fire({ exitCode, signal: signal ?? null });
      this.cleanup();
    });
  }

  get cols(): number {
    return this.size.cols;
  }
  get rows(): number {
    return this.size.rows;
  }

  write(data: string): void {
    if (!this.exited) this.proc.write(data);
  }

  resize(cols: number, rows: number): void {
    if (this.exited) return;
    this.size = { cols, rows };
    this.proc.resize(cols, rows);
  }

  async writeFile(name: string, content: string): Promise<string> {
    const path = join(this.dir, name.replace(/[^\w.-]/g, '_'));
    // A step may have removed the folder (a "clean /tmp" step): make it again if need be.
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(path, content, { mode: 0o600 });
    return path;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.exited) {
      try {
        this.proc.kill('SIGHUP');
      } catch {
        // already gone
      }
    }
    this.cleanup();
    this.onDidDataEmitter.dispose();
    this.onDidExitEmitter.dispose();
  }

  private cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
