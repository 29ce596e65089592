import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A temporary folder removed by the returned cleanup. */
export function tempDir(prefix = 'runsheet-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  // Retried: a shell that is still exiting may write into the folder (its history) meanwhile.
  return {
    path,
    cleanup: () => rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 }),
  };
}

/** Writes files (name -> content, `sub/name` making its folders) under a folder. */
export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** Polls until `check` returns a value, or fails after `timeoutMs` naming what it waited for. */
export async function waitFor<T>(
  what: string,
  check: () => T | null | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The contents of every file below a folder (subfolders included), for "written nowhere" checks. */
export function readTree(dir: string, encoding: BufferEncoding = 'latin1'): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => readFileSync(join(entry.parentPath, entry.name), encoding));
}

/**
 * Programs first on PATH that only record each call ("name args", a line) in `calls`:
 * proof of what a step ran, and that a refused one never did.
 */
export function recordingCommands(dir: string, names: string[]): { path: string; calls: string } {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const calls = join(dir, 'calls.log');
  for (const name of names)
    writeFileSync(join(bin, name), `#!/bin/sh\necho "${name} $*" >> '${calls}'\n`, { mode: 0o755 });
  return { path: `${bin}:${process.env.PATH}`, calls };
}

/** The text of the one Markdown log a log folder holds. */
export function onlyLog(logDir: string): string {
  const name = readdirSync(logDir).find((f) => f.endsWith('.md'));
  if (!name) throw new Error(`no log in ${logDir}`);
  return readFileSync(join(logDir, name), 'utf8');
}
