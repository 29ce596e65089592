import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp';

/** The recorded duration of every step that finished, from the journals in a data folder. */
export function recordedStepDurations(dataDir: string): number[] {
  const journals = join(dataDir, 'journals');
  if (!existsSync(journals)) return [];
  const durations: number[] = [];
  for (const name of readdirSync(journals)
    .filter((n) => n.endsWith('.jsonl'))
    .sort()) {
    for (const line of readFileSync(join(journals, name), 'utf8').split('\n')) {
      if (!line) continue;
      const record = JSON.parse(line) as { type?: string; durationMs?: number };
      if (record.type === 'step.finished' && typeof record.durationMs === 'number')
        durations.push(record.durationMs);
    }
  }
  return durations;
}

/**
 * Runs a runbook headless (`runsheet run`, the built CLI: no renderer anywhere) with
 * its own data folder and a clean HOME, and returns the recorded duration of its one step.
 */
export async function headlessStepDuration(runbook: string): Promise<number> {
  const dir = tempDir('runsheet-headless-');
  try {
    const dataDir = join(dir.path, 'data');
    const child = spawn(
      process.execPath,
      [
        'bin/runsheet.js',
        'run',
        runbook,
        '--json',
        '--yes',
        '--data-dir',
        dataDir,
        '--log-dir',
        join(dir.path, 'logs'),
      ],
      { env: { ...process.env, HOME: dir.path }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`runsheet run ${runbook} exited with ${code}:\n${stderr}`);
    const durations = recordedStepDurations(dataDir);
    if (durations.length !== 1)
      throw new Error(`expected one finished step in the journal, found ${durations.length}`);
    return durations[0]!;
  } finally {
    dir.cleanup();
  }
}
