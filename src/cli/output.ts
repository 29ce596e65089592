import { findStep, journalOf, readPart, resolveDirs, runOutput, stepText } from '../core';

export interface OutputOptions {
  raw?: boolean;
  host?: string;
  dataDir?: string;
}

/**
 * `runsheet output <run> <step>`: all of a step's output, from the run's journal.
 * Text by default (as the terminal showed it), or with `--raw` the exact bytes.
 * A step of several hosts prints each under a `==> host <==` line (as `tail` does
 * for several files); `--host` picks one. Written as it is read, so a 100 MB step
 * never sits in memory.
 */
export async function printOutput(
  run: string,
  step: string,
  options: OutputOptions,
  bundledRunbooks: string,
  write: (chunk: string | Uint8Array) => Promise<void>,
): Promise<void> {
  const { dataDir } = resolveDirs({ dataDir: options.dataDir, bundledRunbooks });
  const output = runOutput(journalOf(run, dataDir));
  const found = findStep(output, step);
  const hosts = found.parts.map((p) => p.host);
  const parts = options.host ? found.parts.filter((p) => p.host === options.host) : found.parts;
  if (parts.length === 0)
    throw new Error(
      `step ${found.stepId} has no output from ${options.host}; its hosts: ${hosts.join(', ')}`,
    );
  if (options.raw && parts.length > 1)
    throw new Error(
      `step ${found.stepId} ran on ${parts.length} hosts (${hosts.join(', ')}): pick one with --host for --raw`,
    );
  if (options.raw) {
    for (const piece of readPart(output.journalPath, parts[0]!)) await write(piece);
  } else {
    for await (const text of stepText(output.journalPath, parts)) await write(text);
  }
}
