import { existsSync, readFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { z } from 'zod';
import { writeFileAtomic } from './files/atomic-write';
import { readYamlFile } from './files/yaml-file';

/**
 * What the core remembers between runs, in `<data>/settings.yaml`: the last
 * maintainer a run was given, so the next run starts with it. Keys this version
 * does not know are kept as they are (a newer version may have written them).
 */
export const Settings = z
  .object({
    maintainer: z.string().trim().min(1).max(1000).optional(),
  })
  .loose();
export type Settings = z.infer<typeof Settings>;

/** The settings file: read whole, written whole (temp file, fsync, rename). */
export class SettingsFile {
  constructor(readonly path: string) {}

  /**
   * The settings; a file that does not parse (yaml names the line and column) or
   * holds something else than settings is an error naming it and the line.
   */
  read(): Settings {
    const data = readYamlFile<unknown>(this.path) ?? {};
    const parsed = Settings.safeParse(data);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    return fail(this.path, key, `${key || 'the file'}: ${issue.message}`);
  }

  /** Changes the given settings and keeps the others. */
  update(change: Partial<Settings>): void {
    writeFileAtomic(this.path, stringify({ ...this.read(), ...change }));
  }
}

/** A setting that is not what it should be: the file, the line of its key, what is wrong. */
function fail(path: string, key: string, message: string): never {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const index = key ? text.split('\n').findIndex((l) => l.trimStart().startsWith(`${key}:`)) : -1;
  throw new Error(`${path}: line ${index < 0 ? 1 : index + 1}: ${message}`);
}
