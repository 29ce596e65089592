import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type SFTPWrapper } from 'ssh2';
import { Emitter } from '../../shared/util/event';
import { fingerprint } from '../hosts/known-hosts';
import { connectClient, type SshTarget } from './ssh-connect';
import { shellLaunch, STEP_FILE_NAME } from './integration/shells';
import type { SessionExit, SessionTarget, TerminalSession } from './terminal-session';

export interface SshSessionOptions {
  cols?: number;
  rows?: number;
  stateDir?: string;
  restore?: boolean;
}

/**
 * A shell on a remote host over SSH (ssh2, with a PTY), behind the same
 * TerminalSession interface as a local PTY. The shell integration files go to a
 * private temp folder on the remote (SFTP, mode 0600), never into dotfiles.
 */
export class SshSession implements TerminalSession {
  readonly id = `ssh-${randomBytes(6).toString('hex')}`;
  readonly nonce = randomBytes(16).toString('hex');
  readonly target: SessionTarget;
  private readonly onDidDataEmitter = new Emitter<Uint8Array>();
  private readonly onDidExitEmitter = new Emitter<SessionExit>();
  readonly onDidData = this.onDidDataEmitter.event;
  readonly onDidExit = this.onDidExitEmitter.event;
  failure: string | null = null;
  connectionLost = false;
  private readonly client = new Client();
  /** ProxyJump hops, first to last; ended with the session. */
  private readonly jumpClients: Client[] = [];
  private stream: ClientChannel | null = null;
  private sftpReady: Promise<SFTPWrapper> | null = null;
  /** Open SFTP handles of the session's files, by remote path. */
  private readonly handles = new Map<string, Promise<Buffer>>();
  private dir: string | null = null;
  private readonly ready: Promise<void>;
  private exited = false;
  private size: { cols: number; rows: number };

  constructor(
    private readonly remote: SshTarget,
    options: SshSessionOptions = {},
  ) {
    this.size = { cols: options.cols ?? 100, rows: options.rows ?? 30 };
    this.target = { kind: 'ssh', host: remote.alias, user: remote.user, shell: 'bash' };
    this.ready = this.start(options).catch((error: unknown) => {
      this.fail(error instanceof Error ? error.message : String(error));
    });
  }

  get cols(): number {
    return this.size.cols;
  }
  get rows(): number {
    return this.size.rows;
  }

  private async start(options: SshSessionOptions): Promise<void> {
    const where = `${this.remote.user}@${this.remote.hostname}:${this.remote.port}`;
    // ProxyJump: each hop's connection carries the next (forwardOut), and every
    // hop's host key is verified before anything is sent to it.
    const hops = [...(this.remote.jumps ?? []), this.remote];
    let sock: Duplex | undefined;
    for (const [index, hop] of hops.entries()) {
      const last = index === hops.length - 1;
      const client = last ? this.client : new Client();
      if (!last) this.jumpClients.push(client);
      await connectClient(client, hop, sock, (key) => {
        if (last) this.target.hostKey = fingerprint(key.toString('base64'));
      });
      if (!last) {
        const next = hops[index + 1]!;
        sock = await new Promise<Duplex>((resolve, reject) =>
          client.forwardOut('127.0.0.1', 0, next.hostname, next.port, (error, stream) =>
            error
              ? reject(
                  new Error(
                    `jump host ${hop.alias} cannot reach ${next.alias} (${next.hostname}:${next.port}): ${error.message}`,
                  ),
                )
              : resolve(stream),
          ),
        );
      }
    }
    // The connection ending before the shell does means the line dropped (or keepalives went unanswered).
    this.client.on('close', () => {
      if (this.exited) return;
      this.connectionLost = true;
      this.failure = `the connection to ${this.remote.alias} (${where}) was lost`;
      this.handleExit(null);
    });
    this.client.on('error', (error) => {
      if (this.exited) return;
      this.connectionLost = true;
      this.failure = `the connection to ${this.remote.alias} (${where}) failed: ${error.message}`;
      this.handleExit(null);
    });
    // One channel starts everything: a private folder (name chosen here, mkdir -m 700
    // fails if it exists), the integration files as quoted heredocs, then the shell —
    // bash where there is one, else sh. Each extra exec or SFTP round trip costs ~0.1 s.
    const dir = `/tmp/runsheet-${randomBytes(8).toString('hex')}`;
    this.dir = dir;
    const stateDir = options.stateDir ? `/tmp/${basename(options.stateDir)}` : null;
    const env: Record<string, string> = {
      TERM: 'xterm-256color',
      RUNSHEET: '1',
      RUNSHEET_STEP_FILE: `${dir}/${STEP_FILE_NAME}`,
      ...(stateDir ? { RUNSHEET_STATE_DIR: stateDir } : {}),
      ...(options.restore ? { RUNSHEET_RESTORE: '1' } : {}),
    };
    const launchFor = (shell: string): string => {
      const launch = shellLaunch(shell, dir, {}, this.nonce);
      const files = launch.files
        .map(([name, content]) => heredoc(`${dir}/${name}`, content))
        .join('\n');
      const vars = Object.entries({ ...env, ...launch.env })
        .map(([k, v]) => `${k}=${quote(v)}`)
        .join(' ');
      return `${files}\nexec env ${vars} ${shell} ${launch.args.map(quote).join(' ')}`;
    };
    // Run by sh whatever the user's login shell is (fish and csh parse differently).
    const script = [
      'umask 077',
      `mkdir -m 700 ${quote(dir)} || exit 111`,
      stateDir ? `mkdir -p -m 700 ${quote(stateDir)}` : ':',
      'if command -v bash >/dev/null 2>&1; then',
      launchFor('bash'),
      'else',
      launchFor('sh'),
      'fi',
    ].join('\n');
    const command = `exec sh -c ${quote(script)}`;
    // SFTP (for step scripts) opens alongside, so it is ready by the first step.
    this.sftpReady = new Promise<SFTPWrapper>((resolve, reject) =>
      this.client.sftp((e, s) => (e ? reject(e) : resolve(s))),
    );
    this.sftpReady.catch(() => undefined);
    this.stream = await new Promise<ClientChannel>((resolve, reject) =>
      this.client.exec(
        command,
        { pty: { term: 'xterm-256color', cols: this.size.cols, rows: this.size.rows } },
        (error, stream) => (error ? reject(error) : resolve(stream)),
      ),
    );
    this.stream.on('data', (data: Buffer) => this.onDidDataEmitter.fire(data));
    this.stream.on('close', (code?: number | null, signal?: string) => {
      if (code == null && signal == null && !this.exited) {
        // No exit status: the channel closed because the connection did.
        this.connectionLost = true;
        this.failure ??= `the connection to ${this.remote.alias} (${where}) was lost`;
      }
      this.handleExit(code ?? (signal ? 255 : null));
    });
  }

  write(data: string): void {
    if (!this.exited) this.stream?.write(data);
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.stream?.setWindow(rows, cols, 0, 0);
  }

  /**
   * Writes a file in the session's folder. The handle stays open, so writing the
   * next step is one round trip (write and truncate sent together) rather than
   * three (open, write, close): a step on a far host starts that much sooner.
   * A server without the SFTP subsystem (some hardened ones) gets the file
   * through `cat` on an exec channel instead.
   */
  async writeFile(name: string, content: string): Promise<string> {
    await this.ready;
    if (!this.sftpReady || !this.dir)
      throw new Error(this.failure ?? `not connected to ${this.remote.alias}`);
    const path = `${this.dir}/${name.replace(/[^\w.-]/g, '_')}`;
    const data = Buffer.from(content);
    const sftp = await this.sftpReady.catch(() => null);
    try {
      if (sftp) await this.writeOverSftp(sftp, path, data);
      else await this.writeOverExec(path, data);
    } catch (error) {
      throw new Error(
        `cannot write the step to ${this.remote.alias} (${path}): ${(error as Error).message}`,
      );
    }
    return path;
  }

  private async writeOverSftp(sftp: SFTPWrapper, path: string, data: Buffer): Promise<void> {
    const call = (fn: (cb: (error?: Error | null) => void) => void): Promise<void> =>
      new Promise((resolve, reject) => fn((error) => (error ? reject(error) : resolve())));
    /** Writes through the handle; false when the file is no longer at its path. */
    const write = async (handle: Buffer): Promise<boolean> => {
      // All three go out at once; whichever the server does first, the file ends up as
      // exactly `data`. The stat tells whether a step removed the file or its folder (a
      // "clean /tmp" step), in which case the handle writes to a file nobody can open.
      const [, , there] = await Promise.all([
        data.length ? call((cb) => sftp.write(handle, data, 0, data.length, 0, cb)) : undefined,
        call((cb) => sftp.fsetstat(handle, { size: data.length }, cb)),
        call((cb) => sftp.stat(path, cb)).then(
          () => true,
          () => false,
        ),
      ]);
      return there;
    };
    const kept = this.handles.get(path);
    if (kept && (await write(await kept).catch(() => false))) return;
    this.handles.delete(path);
    // First write, or the file (or the folder) went away: make the folder again if need be.
    if (kept) await call((cb) => sftp.mkdir(this.dir!, { mode: 0o700 }, cb)).catch(() => undefined);
    const handle = new Promise<Buffer>((resolve, reject) =>
      sftp.open(path, 'w', { mode: 0o600 }, (error, h) => (error ? reject(error) : resolve(h))),
    );
    this.handles.set(path, handle);
    handle.catch(() => this.handles.delete(path));
    await write(await handle);
  }

  /** `cat` into the file (mode 0600 from the umask), the bytes on the channel's stdin: no PTY, nothing altered. */
  private writeOverExec(path: string, data: Buffer): Promise<void> {
    return new Promise((resolve, reject) =>
      this.client.exec(
        `umask 077 && mkdir -p ${quote(this.dir!)} && cat > ${quote(path)}`,
        (error, stream) => {
          if (error) return reject(error);
          let stderr = '';
          stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          stream.on('close', (code?: number | null) =>
            code === 0
              ? resolve()
              : reject(new Error(stderr.trim() || `cat exited with ${code ?? 'no status'}`)),
          );
          stream.resume(); // cat prints nothing; draining lets the channel close.
          stream.end(data);
        },
      ),
    );
  }

  dispose(): void {
    const client = this.client;
    const end = (): void => {
      client.end();
      for (const jump of this.jumpClients) jump.end();
    };
    if (this.dir && !this.exited) {
      // Best effort: remove the integration folder on the remote, then hang up (at most 1 s later).
      const timer = setTimeout(end, 1000);
      try {
        client.exec(`rm -rf ${quote(this.dir)}`, () => {
          clearTimeout(timer);
          end();
        });
      } catch {
        clearTimeout(timer);
        end();
      }
    } else {
      end();
    }
    this.handleExit(null);
    this.onDidDataEmitter.dispose();
    this.onDidExitEmitter.dispose();
  }

  private fail(message: string): void {
    this.failure = message;
    this.client.end();
    for (const jump of this.jumpClients) jump.end();
    this.handleExit(null);
  }

  private handleExit(exitCode: number | null): void {
    if (this.exited) return;
    this.exited = true;
    this.onDidExitEmitter.fire({ exitCode, signal: null });
  }
}

/** A file written by the shell from a quoted heredoc: its content is taken byte for byte. */
function heredoc(path: string, content: string): string {
  let word = 'RUNSHEET_FILE';
  while (content.includes(word)) word += '_';
  return `cat > ${quote(path)} <<'${word}'\n${content.endsWith('\n') ? content : `${content}\n`}${word}`;
}

function quote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
