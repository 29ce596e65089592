import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';

const MAX_DEPTH = 16;

/**
 * Reads an ssh_config with its `Include` directives expanded in place, as
 * OpenSSH does: relative paths are relative to ~/.ssh, `~` is the home folder,
 * and `*`/`?` in the file name match files in sorted order. Inlining keeps an
 * Include inside a Host block conditional on that block. (The ssh-config
 * library parses and computes, but leaves Include to its caller.)
 */
export function readSshConfig(file: string, depth = 0): string {
  if (depth > MAX_DEPTH)
    throw new Error(`${file}: Include nests deeper than ${MAX_DEPTH} levels (a loop?)`);
  const text = readFileSync(file, 'utf8');
  return text
    .split(/\r?\n/)
    .map((line) => {
      const match = /^\s*Include\s+(.+?)\s*$/i.exec(line);
      if (!match) return line;
      const included = match[1]!
        .split(/\s+/)
        .flatMap((pattern) => expand(pattern.replace(/^"|"$/g, '')))
        .map((path) => readSshConfig(path, depth + 1));
      return included.join('\n');
    })
    .join('\n');
}

function expand(pattern: string): string[] {
  const home = homedir();
  const path = pattern.startsWith('~/')
    ? join(home, pattern.slice(2))
    : isAbsolute(pattern)
      ? pattern
      : join(home, '.ssh', pattern);
  const name = basename(path);
  if (!/[*?]/.test(name)) return existsSync(path) ? [path] : [];
  const dir = dirname(path);
  if (!existsSync(dir)) return [];
  const re = new RegExp(
    `^${name
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return readdirSync(dir)
    .filter((f) => re.test(f))
    .sort()
    .map((f) => join(dir, f));
}
