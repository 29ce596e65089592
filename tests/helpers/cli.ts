import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';

/** The built CLI (npm test builds before vitest runs). */
export const CLI = join(__dirname, '../../bin/runsheet.js');

/** `runsheet <args>` with stdin not a terminal (it must never prompt), HOME set to `home`. */
export function runsheet(
  args: string[],
  home: string,
): { code: number | null; stdout: string; stderr: string };
export function runsheet(
  args: string[],
  home: string,
  encoding: 'buffer',
): { code: number | null; stdout: Buffer; stderr: string };
export function runsheet(
  args: string[],
  home: string,
  encoding: 'utf8' | 'buffer' = 'utf8',
): { code: number | null; stdout: string | Buffer; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: encoding === 'utf8' ? 'utf8' : undefined,
    input: '',
    env: { ...process.env, HOME: home },
    timeout: 120_000,
    maxBuffer: 512 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: String(result.stderr) };
}

/**
 * `runsheet run <runbook> --json` with its journal and log under `dir`: the exit
 * code, the journal's path (from the summary line), the run's id and each step's line.
 */
export function headlessRun(
  dir: string,
  runbook: string,
): {
  code: number | null;
  journal: string;
  runId: string;
  steps: Array<Record<string, unknown>>;
} {
  const run = runsheet(
    ['run', runbook, '--json', '--data-dir', join(dir, 'data'), '--log-dir', join(dir, 'logs')],
    dir,
  );
  const lines = String(run.stdout).trim().split('\n');
  const last = JSON.parse(lines[lines.length - 1] ?? '{}') as { summary?: { journalPath: string } };
  if (!last.summary) throw new Error(`runsheet run printed no summary: ${run.stderr}`);
  const steps = lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
  const journal = last.summary.journalPath;
  return { code: run.code, journal, runId: basename(journal, '.jsonl'), steps };
}
