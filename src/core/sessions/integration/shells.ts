import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import bashRc from './bash-integration.sh?raw';
import shEnv from './sh-integration.sh?raw';
import zshEnv from './zshenv.zsh?raw';
import zshRc from './zshrc.zsh?raw';

/** The shells Runsheet integrates with: bash and zsh through prompt hooks, POSIX sh through a wrapper. */
export type ShellKind = 'bash' | 'zsh' | 'sh';

/** The file a session's next step is written to; one step runs at a time per shell. */
export const STEP_FILE_NAME = 'step.sh';

/** The tag of the C mark that opens a step's output. */
export const STEP_MARK_TAG = 'step';

/**
 * What Runsheet types to run the prepared step: Ctrl-X Ctrl-Y (bash's integration binds
 * it to flag the line as a step; other shells ignore it, and Ctrl-U erases it where the
 * terminal's own line editing reads the keys), Ctrl-E Ctrl-U to clear anything half-typed
 * at the prompt so it cannot join the command, then an alias each integration defines.
 */
export const STEP_KEYS = '\x18\x19\x05\x15 runsheet_step\r';

/** The same for a step under errexit: its first failing command ends it (each integration's alias). */
export const STEP_KEYS_ERREXIT = '\x18\x19\x05\x15 runsheet_step_errexit\r';

export function shellKind(path: string): ShellKind {
  const name = basename(path);
  if (name === 'bash' || name.startsWith('bash')) return 'bash';
  if (name === 'zsh' || name.startsWith('zsh')) return 'zsh';
  return 'sh';
}

/** How to start a shell with its integration: arguments, environment, and files for the session folder. */
export interface ShellLaunch {
  args: string[];
  env: Record<string, string>;
  files: Array<[name: string, content: string]>;
}

/**
 * How to start `path` with its integration in session folder `dir`. `nonce` is the
 * session's secret: every mark the integration prints carries it.
 */
export function shellLaunch(
  path: string,
  dir: string,
  userEnv: NodeJS.ProcessEnv,
  nonce: string,
): ShellLaunch {
  const launch = launchOf(path, dir, userEnv);
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error('a session nonce is 16-64 hex digits');
  return {
    ...launch,
    files: launch.files.map(([name, content]) => [name, content.replaceAll(NONCE_SLOT, nonce)]),
  };
}

/** Where the integration scripts put the session's nonce. */
const NONCE_SLOT = '__RUNSHEET_NONCE__';

function launchOf(path: string, dir: string, userEnv: NodeJS.ProcessEnv): ShellLaunch {
  const kind = shellKind(path);
  if (kind === 'bash') {
    return { args: ['--rcfile', join(dir, 'bashrc'), '-i'], env: {}, files: [['bashrc', bashRc]] };
  }
  if (kind === 'zsh') {
    // zsh reads $ZDOTDIR/.zshenv and .zshrc: ours, which source the user's own.
    return {
      args: ['-i'],
      env: { ZDOTDIR: dir, RUNSHEET_USER_ZDOTDIR: userEnv.ZDOTDIR ?? '' },
      files: [
        ['.zshenv', zshEnv],
        ['.zshrc', zshRc],
      ],
    };
  }
  // POSIX sh reads the file named by $ENV when interactive; the user's own $ENV is sourced from ours.
  return {
    args: basename(path) === 'busybox' ? ['sh', '-i'] : ['-i'],
    env: { ENV: join(dir, 'shrc'), RUNSHEET_USER_ENV: userEnv.ENV ?? '' },
    files: [['shrc', shEnv]],
  };
}

/**
 * The shell for a session: the one asked for, else the user's $SHELL when it is
 * bash or zsh, else bash, else /bin/sh. Errors name what was looked for.
 */
export function findShell(
  requested: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  if (requested) {
    const path = requested.includes('/') ? requested : whichSync(requested, env);
    if (!path || !existsSync(path))
      throw new Error(`shell "${requested}" was not found on this machine`);
    return path;
  }
  const user = env.SHELL;
  if (user && ['bash', 'zsh'].includes(shellKind(user)) && existsSync(user)) return user;
  for (const candidate of [
    '/bin/bash',
    '/usr/bin/bash',
    '/usr/local/bin/bash',
    '/opt/homebrew/bin/bash',
    '/bin/sh',
  ]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(
    'no shell was found (looked at $SHELL, bash in /bin, /usr/bin, /usr/local/bin, and /bin/sh)',
  );
}

function whichSync(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '/usr/bin:/bin').split(':')) {
    const candidate = join(dir, name);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}
