import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';

/** A real OpenSSH server on a loopback address, with keys made for this test run. */
export interface TestSshd {
  host: string;
  port: number;
  dir: string;
  /** The client key the server trusts (unencrypted, ed25519). */
  clientKey: string;
  /** The server's public host key line ("ssh-ed25519 AAAA…"). */
  hostKeyLine: string;
  logPath: string;
  /** The listening sshd; its children serve the connections. */
  pid: number;
  log(): string;
  stop(): Promise<void>;
}

export function keygen(path: string, passphrase = ''): void {
  const r = spawnSync(
    'ssh-keygen',
    ['-q', '-t', 'ed25519', '-N', passphrase, '-C', 'runsheet-test', '-f', path],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
}

/**
 * Starts /usr/sbin/sshd on `host`:`port` (127.0.0.N; any loopback address works
 * without setup) with its own host key, config, pid file and log, accepting the
 * test's client key only. Stops by itself with the test process.
 */
export async function startSshd(
  dir: string,
  host = '127.0.0.2',
  port = 2222,
  /** Reuse a client key (one key for several test hosts). */
  existingClientKey?: string,
  auth: {
    /**
     * Turns on PAM with a private stack (bind-mounted over /etc/pam.d in a mount
     * namespace of sshd's own, so the machine's PAM setup is untouched) that
     * accepts this password, through both password and keyboard-interactive auth.
     */
    pamPassword?: string;
    /** sshd's AuthenticationMethods, e.g. "publickey,keyboard-interactive" for a second factor. */
    methods?: string;
    /**
     * Give root a clean home (an empty folder mounted over /root for this sshd
     * only, so this machine's dotfiles do not weigh on what a benchmark measures).
     */
    cleanHome?: boolean;
    /** Leave out the SFTP subsystem, as some hardened servers do. */
    noSftp?: boolean;
  } = {},
): Promise<TestSshd> {
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o700);
  // sshd refuses to start without its privilege-separation directory.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const hostKey = join(dir, 'host_ed25519');
  const clientKey = existingClientKey ?? join(dir, 'client_ed25519');
  keygen(hostKey);
  if (!existingClientKey) keygen(clientKey);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
  const logPath = join(dir, 'sshd.log');
  const config = join(dir, 'sshd_config');
  writeFileSync(
    config,
    [
      `ListenAddress ${host}`,
      `Port ${port}`,
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      ...(auth.pamPassword
        ? ['PasswordAuthentication yes', 'KbdInteractiveAuthentication yes', 'UsePAM yes']
        : ['PasswordAuthentication no', 'KbdInteractiveAuthentication no', 'UsePAM no']),
      ...(auth.methods ? [`AuthenticationMethods ${auth.methods}`] : []),
      'StrictModes no',
      'PermitRootLogin yes',
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
      ...(auth.noSftp ? [] : ['Subsystem sftp /usr/lib/openssh/sftp-server']),
      '',
    ].join('\n'),
  );
  const sshdArgs = ['-D', '-e', '-f', config, '-E', logPath];
  // Mounts private to this sshd (a mount namespace of its own): the machine is left as it is.
  const mounts: Array<[string, string]> = [];
  if (auth.pamPassword) {
    const pamDir = join(dir, 'pam.d');
    mkdirSync(pamDir, { recursive: true });
    const check = join(dir, 'check-password');
    // pam_exec hands the typed secret over on stdin (NUL-terminated).
    writeFileSync(check, `#!/bin/sh\n[ "$(tr -d '\\000')" = ${shellQuote(auth.pamPassword)} ]\n`, {
      mode: 0o700,
    });
    writeFileSync(
      join(pamDir, 'sshd'),
      [
        `auth required pam_exec.so expose_authtok quiet ${check}`,
        // pam_exec has no credentials to set; this gives pam_setcred() a success.
        'auth required pam_permit.so',
        'account required pam_permit.so',
        'session required pam_permit.so',
        'password required pam_deny.so',
        '',
      ].join('\n'),
    );
    mounts.push([pamDir, '/etc/pam.d']);
  }
  if (auth.cleanHome) {
    const home = join(dir, 'home');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    mounts.push([home, '/root']);
  }
  const child: ChildProcess =
    mounts.length > 0
      ? spawn(
          'unshare',
          [
            '-m',
            '--propagation',
            'private',
            'sh',
            '-c',
            [
              ...mounts.map(([from, to]) => `mount --bind ${shellQuote(from)} ${to}`),
              `exec /usr/sbin/sshd ${sshdArgs.map(shellQuote).join(' ')}`,
            ].join(' && '),
          ],
          { stdio: 'ignore' },
        )
      : spawn('/usr/sbin/sshd', sshdArgs, { stdio: 'ignore' });
  await waitForPort(host, port, 10_000, () => readLog(logPath));
  return {
    host,
    port,
    dir,
    clientKey,
    hostKeyLine: readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ').slice(0, 2).join(' '),
    logPath,
    pid: child.pid!,
    log: () => readLog(logPath),
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
    },
  };
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect({ host, port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`sshd did not listen on ${host}:${port} within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
