import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from './temp';

export interface ServedApp {
  url: string;
  logDir: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts `runsheet serve` (the built CLI) with temporary data and log folders. */
export async function serveApp(
  options: {
    workspace?: string;
    sshConfig?: string;
    knownHosts?: string;
    dataDir?: string;
    env?: Record<string, string>;
  } = {},
): Promise<ServedApp> {
  const dir = tempDir('runsheet-e2e-');
  const logDir = join(dir.path, 'logs');
  const dataDir = options.dataDir ?? join(dir.path, 'data');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      'bin/runsheet.js',
      'serve',
      '--log-dir',
      logDir,
      '--data-dir',
      dataDir,
      ...(options.workspace ? ['--workspace', options.workspace] : []),
      ...(options.sshConfig ? ['--ssh-config', options.sshConfig] : []),
      ...(options.knownHosts ? ['--known-hosts', options.knownHosts] : []),
    ],
    { env: { ...process.env, HOME: dir.path, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not print its URL in 15 s:\n${output}`)),
      15_000,
    );
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/#token=\S+/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  return {
    url,
    logDir,
    dataDir,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      dir.cleanup();
    },
  };
}
