import { posix } from 'node:path';

/**
 * Wrappers: commands that run another command (`sudo`, `env`, `timeout`, `xargs`,
 * `find -exec`, `kubectl exec --`) or a script (`sh -c`, `ssh host …`, `eval`,
 * `su -c`, `watch`). Each is peeled one layer at a time, its own options skipped,
 * so the rules see the command that really runs.
 */

export const SHELL_NAMES = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'busybox']);

/** Commands that run what they read on standard input as a shell script when given no command. */
export const STDIN_SHELLS = new Set([...SHELL_NAMES, 'su', 'sudo', 'doas', 'ssh', 'pkexec']);

export type Unwrapped = { name: string; args: string[] } | { script: string };

/** Options that take a value, per wrapper (the value is skipped with the option). */
const VALUE_OPTS: Record<string, string[]> = {
  sudo: [
    '-u',
    '-g',
    '-h',
    '-p',
    '-C',
    '-U',
    '-r',
    '-t',
    '-D',
    '-R',
    '-T',
    '--user',
    '--group',
    '--host',
    '--prompt',
    '--chdir',
  ],
  doas: ['-u', '-C'],
  env: ['-u', '-C', '-S', '--unset', '--chdir'],
  nice: ['-n', '--adjustment'],
  ionice: ['-c', '-n', '-p', '--class', '--classdata'],
  timeout: ['-s', '-k', '--signal', '--kill-after'],
  watch: ['-n', '-d', '--interval'],
  xargs: [
    '-n',
    '-L',
    '-I',
    '-P',
    '-d',
    '-E',
    '-s',
    '-a',
    '--max-args',
    '--max-procs',
    '--delimiter',
    '--arg-file',
    '-i',
  ],
  stdbuf: ['-i', '-o', '-e'],
  flock: ['-w', '-E', '--timeout'],
  runuser: ['-u', '-g', '-G', '--user', '--group'],
  chronic: [],
  pkexec: ['--user'],
  nsenter: ['-t', '--target', '-S', '--setuid', '-G', '--setgid'],
  'systemd-run': [
    '-u',
    '--unit',
    '-p',
    '--property',
    '-E',
    '--setenv',
    '-M',
    '--machine',
    '--uid',
    '--gid',
    '--nice',
    '-d',
    '--working-directory',
    '--slice',
    '--description',
  ],
  setpriv: ['--reuid', '--regid', '--groups', '--inh-caps', '--bounding-set'],
  ssh: [
    '-p',
    '-i',
    '-l',
    '-o',
    '-F',
    '-J',
    '-L',
    '-R',
    '-D',
    '-b',
    '-c',
    '-E',
    '-e',
    '-I',
    '-m',
    '-O',
    '-Q',
    '-S',
    '-W',
    '-w',
    '-B',
  ],
  docker: ['-u', '-e', '-w', '--user', '--env', '--workdir', '--env-file'],
};

/** One layer of wrapping off a command, or null when `name` runs no other command. */
export function unwrapOnce(name: string, args: string[]): Unwrapped | null {
  switch (name) {
    case 'sudo':
    case 'doas':
    case 'nohup':
    case 'time':
    case 'command':
    case 'builtin':
    case 'exec':
    case 'nice':
    case 'ionice':
    case 'stdbuf':
    case 'chronic':
    case 'unbuffer':
    case 'caffeinate':
    case 'runuser':
    case 'setsid':
    case 'strace':
    case 'ltrace':
    case 'pkexec':
    case 'setpriv':
    case 'unshare':
    case 'nsenter':
    case 'systemd-run':
    case 'firejail':
    case 'proxychains':
    case 'torsocks': {
      if (name === 'sudo' || name === 'runuser') {
        const c = optionValue(args, ['-c', '--command']);
        if (c !== null && name === 'runuser') return { script: c };
      }
      const rest = skipOptions(args, VALUE_OPTS[name] ?? []);
      return rest.length ? { name: rest[0]!, args: rest.slice(1) } : { name: '', args: [] };
    }
    case 'env': {
      const split = optionValue(args, ['-S', '--split-string']);
      if (split !== null) return { script: split };
      let rest = skipOptions(args, VALUE_OPTS.env!);
      while (rest.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(rest[0]!)) rest = rest.slice(1);
      return rest.length ? { name: rest[0]!, args: rest.slice(1) } : { name: '', args: [] };
    }
    case 'timeout': {
      const rest = skipOptions(args, VALUE_OPTS.timeout!).slice(1); // the duration
      return rest.length ? { name: rest[0]!, args: rest.slice(1) } : { name: '', args: [] };
    }
    case 'watch':
    case 'xargs':
    case 'flock':
    case 'chroot': {
      let rest = skipOptions(args, VALUE_OPTS[name] ?? []);
      if (name === 'watch') return rest.length ? { script: rest.join(' ') } : null;
      if (name === 'flock') {
        const c = optionValue(args, ['-c', '--command']);
        if (c !== null) return { script: c };
        rest = rest.slice(1); // the lock file
      }
      if (name === 'chroot') rest = rest.slice(1); // the new root
      return rest.length ? { name: rest[0]!, args: rest.slice(1) } : { name: '', args: [] };
    }
    case 'su': {
      const c = optionValue(args, ['-c', '--command']);
      return c !== null ? { script: c } : null;
    }
    case 'eval':
      return args.length ? { script: args.join(' ') } : null;
    case 'ansible': {
      // ansible hosts -m shell -a 'cmd': the shell, command and raw modules run their argument.
      const module = optionValue(args, ['-m', '--module-name']);
      const arg = optionValue(args, ['-a', '--args']);
      if (
        arg === null ||
        (module !== null && !/^(?:ansible\.builtin\.)?(?:shell|command|raw)$/.test(module))
      )
        return null;
      return { script: arg };
    }
    case 'pdsh':
    case 'clush':
    case 'pssh':
    case 'parallel-ssh': {
      const rest = skipOptions(args, REMOTE_VALUE_OPTS);
      return rest.length ? { script: rest.join(' ') } : null;
    }
    case 'salt':
    case 'salt-ssh': {
      const at = args.findIndex((a) => a === 'cmd.run' || a === 'cmd.shell');
      return at >= 0 && args[at + 1] !== undefined ? { script: args[at + 1]! } : null;
    }
    case 'parallel': {
      // parallel cmd args ::: values: the command before the first `:::`.
      const end = args.findIndex((a) => a === ':::' || a === '::::');
      const rest = skipOptions(end < 0 ? args : args.slice(0, end), ['-j', '-S', '--jobs', '-a']);
      return rest.length ? { name: rest[0]!, args: rest.slice(1) } : null;
    }
    case 'sh':
    case 'bash':
    case 'zsh':
    case 'dash':
    case 'ksh':
    case 'ash': {
      // `bash -c '…'`, `bash -lc '…'`, `sh -ec '…'`: the first word after the option cluster is the script.
      const i = args.findIndex((a) => /^-[a-zA-Z]*c[a-zA-Z]*$/.test(a));
      const script = args[i + 1] === '--' ? args[i + 2] : args[i + 1];
      if (i >= 0 && script !== undefined) return { script };
      return null;
    }
    case 'busybox':
      return args.length ? { name: args[0]!, args: args.slice(1) } : null;
    case 'ssh': {
      const rest = skipOptions(args, VALUE_OPTS.ssh!);
      // ssh host [options] [--] command…: the words are joined with spaces and run by the remote shell.
      const command = skipOptions(rest.slice(1), VALUE_OPTS.ssh!);
      return command.length > 0 ? { script: command.join(' ') } : null;
    }
    case 'kubectl':
    case 'oc': {
      if (!args.includes('exec') && !args.includes('debug')) return null;
      const dash = args.indexOf('--');
      return dash >= 0 && args[dash + 1] !== undefined
        ? { name: args[dash + 1]!, args: args.slice(dash + 2) }
        : null;
    }
    case 'docker':
    case 'podman': {
      const exec = args.indexOf('exec');
      if (exec < 0 || exec > 2) return null;
      const rest = skipOptions(args.slice(exec + 1), VALUE_OPTS.docker!).slice(1); // the container
      return rest.length ? { name: rest[0]!, args: rest.slice(1) } : null;
    }
    case 'find': {
      // find … -exec cmd {} \; : the command, up to the `;` or `+` that ends it.
      const i = args.findIndex((a) => /^-(?:exec|execdir|ok|okdir)$/.test(a));
      if (i < 0) return null;
      const end = args.findIndex((a, j) => j > i && (a === ';' || a === '+'));
      const cmd = args.slice(i + 1, end < 0 ? undefined : end);
      return cmd.length ? { name: cmd[0]!, args: cmd.slice(1) } : null;
    }
    default:
      return null;
  }
}

/** The arguments after a wrapper's options (`--` ends them). */
export function skipOptions(args: string[], withValue: string[]): string[] {
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (a === '--') return args.slice(i + 1);
    if (!a.startsWith('-') || a === '-') break;
    i += takesValue(a, withValue) ? 2 : 1;
  }
  return args.slice(i);
}

/**
 * Whether an option word consumes the next word: `-u` (in `withValue`), or a cluster
 * of one-letter options whose last letter takes a value (`-iu postgres`, `-Eu root`).
 */
function takesValue(word: string, withValue: string[]): boolean {
  if (withValue.includes(word)) return true;
  if (!/^-[a-zA-Z]{2,}$/.test(word)) return false;
  return withValue.includes(`-${word[word.length - 1]}`);
}

/** An option's value: `-c X`, `--command X`, `--command=X`, `-cX` (attached). */
export function optionValue(args: string[], names: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (names.includes(a) && args[i + 1] !== undefined) return args[i + 1]!;
    for (const n of names) {
      if (n.startsWith('--') && a.startsWith(`${n}=`)) return a.slice(n.length + 1);
      if (!n.startsWith('--') && n.length === 2 && a.startsWith(n) && a.length > 2)
        return a.slice(2);
    }
  }
  return null;
}

/** Options some remote runners take before the command (`pdsh -w hosts`, `clush -g group`). */
const REMOTE_VALUE_OPTS = ['-w', '-x', '-g', '-X', '-l', '-R', '-f', '-t', '-u', '-o', '-O'];

/** A command's program name without its directory (`/bin/rm` is rm). */
export const basename = (name: string): string => posix.basename(name);
