import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

/**
 * A workspace YAML file (hosts.yaml, trackers.yaml, redaction.yaml, runsheet.yaml):
 * its data, or null when it does not exist. A file that does not parse is an
 * error naming it (yaml's message names the line and column).
 */
export function readYamlFile<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return parseYaml(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
}
