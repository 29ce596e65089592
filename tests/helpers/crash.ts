import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from './temp';

/** A runbook whose one step prints for 20 s: long enough to be killed in the middle of. */
export const NIGHTLY =
  '# Nightly copy\n\n```bash\nfor i in $(seq 2000); do echo "copied $i"; sleep 0.01; done\n```\n';

/**
 * Leaves an interrupted run on record, as a crash would: `runsheet run` (the built CLI) on
 * `runbook`, SIGKILLed once its step's output is in the journal.
 */
export async function interruptedRun(options: {
  runbook: string;
  dataDir: string;
  logDir: string;
  home: string;
}): Promise<void> {
  const child = spawn(
    process.execPath,
    [
      'bin/runsheet.js',
      'run',
      options.runbook,
      '--data-dir',
      options.dataDir,
      '--log-dir',
      options.logDir,
    ],
    { stdio: 'ignore', env: { ...process.env, HOME: options.home } },
  );
  const journals = join(options.dataDir, 'journals');
  await waitFor(
    'output in the journal',
    () => {
      try {
        const out = readdirSync(journals)
          .filter((f) => f.endsWith('.out'))
          .find((f) => statSync(join(journals, f)).size > 300);
        return out ? true : null;
      } catch {
        return null;
      }
    },
    20_000,
  );
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
}
