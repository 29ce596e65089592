import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { basename, join } from 'node:path';
import * as pty from 'node-pty';
import { Emitter } from '../../shared/util/event';
import { BASH_INTEGRATION, STEP_FILE_NAME } from './integration/bash';
import type { SessionTarget, TerminalSession } from './terminal-session';

export interface LocalPtyOptions {
  cols?: number;
  rows?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Shell to start; defaults to the user's bash. */
  shell?: string;
}

/** Finds bash: the user's $SHELL when it is bash, else the usual locations. */
export function findBash(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SHELL && basename(env.SHELL) === 'bash' && existsSync(env.SHELL)) return env.SHELL;
  for (const candidate of [
    '/bin/bash',
    '/usr/bin/bash',
    '/usr/local/bin/bash',
    '/opt/homebrew/bin/bash',
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    'bash was not found (looked at $SHELL, /bin/bash, /usr/bin/bash, /usr/local/bin/bash)',
  );
}

/** A shell on this machine in a real pseudo-terminal (node-pty), with shell integration loaded. */
export class LocalPtySession implements TerminalSession {
  readonly id = `pty-${randomBytes(6).toString('hex')}`;
  readonly target: SessionTarget;
  private readonly onDidDataEmitter = new Emitter<Uint8Array>();
  private readonly onDidExitEmitter = new Emitter<{
    exitCode: number | null;
    signal: number | null;
  }>();
  readonly onDidData = this.onDidDataEmitter.event;
  readonly onDidExit = this.onDidExitEmitter.event;
  private readonly proc: pty.IPty;
  /** Private scratch folder (mode 0700) for the rc file and step scripts. */
  private readonly dir: string;
  private exited = false;
  private disposed = false;
  private size: { cols: number; rows: number };

  constructor(options: LocalPtyOptions = {}) {
    const shell = options.shell ?? findBash(options.env);
    this.dir = mkdtempSync(join(tmpdir(), 'runsheet-'));
    const rcFile = join(this.dir, 'bashrc');
    writeFileSync(rcFile, BASH_INTEGRATION, { mode: 0o600 });
    this.size = { cols: options.cols ?? 100, rows: options.rows ?? 30 };
    this.target = { kind: 'local', host: hostname(), user: userInfo().username, shell };
    const env: NodeJS.ProcessEnv = {
      ...(options.env ?? process.env),
      TERM: 'xterm-256color',
      COLORTERM: 'truecolor',
      TERM_PROGRAM: 'Runsheet',
      RUNSHEET: '1',
      RUNSHEET_STEP_FILE: join(this.dir, STEP_FILE_NAME),
    };
    // Variables of the app itself must not leak into the user's shell.
    delete env.ELECTRON_RUN_AS_NODE;
    delete env.RUNSHEET_TOKEN;
    this.proc = pty.spawn(shell, ['--rcfile', rcFile, '-i'], {
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
