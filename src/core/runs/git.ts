import { spawnSync } from 'node:child_process';
import { basename, dirname } from 'node:path';

/**
 * The last commit that touched `file`, when it lives in a git repository (and
 * git is installed); null otherwise. A file with uncommitted changes gets the
 * commit with "+changes", so the log never claims a text it did not run.
 */
export function gitCommitOf(file: string): string | null {
  const git = (...args: string[]) =>
    spawnSync('git', ['-C', dirname(file), ...args], { encoding: 'utf8', timeout: 5000 });
  const commit = git('log', '-1', '--format=%H', '--', basename(file));
  const hash = commit.status === 0 ? commit.stdout.trim() : '';
  if (!hash) return null;
  const dirty = git('status', '--porcelain', '--', basename(file));
  return dirty.status === 0 && dirty.stdout.trim() ? `${hash}+changes` : hash;
}
