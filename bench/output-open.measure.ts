// Opening a 100 MB step's output in the full-output viewer (issue 15): the time
// from output.open to the first screen of lines, through the contract as the app
// calls it, against reading the same bytes with `cat > /dev/null`, side by side
// in one run (median of 5 alternating rounds). Also printed: the time until every
// line is rendered and searchable. Target: the first screen within three times
// what cat takes to read the whole file (ratio <= 3.0): opening reads and checks
// the run's journal (its hash chain, 2.6 MB here, as every read of a record does)
// and renders the first 200 lines; the rest renders behind the first screen.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createCore } from '../src/core/core';
import { outputPathOf } from '../src/core/journal/reader';
import { createInProcessApi } from '../src/shared/api';
import { headlessRun } from '../tests/helpers/cli';
import { tempDir, writeFiles } from '../tests/helpers/temp';
import { median, record } from './results';

const ROUNDS = 5;
const ZEROS = 75_000_000; // base64: 100,000,000 characters
const TARGET = 3.0;

test('open a 100 MB step to its first screen, against cat', async () => {
  const dir = tempDir('runsheet-bench-open-');
  try {
    writeFiles(dir.path, {
      'flood.md': `# Flood\n\n\`\`\`bash {name=flood}\nhead -c ${ZEROS} /dev/zero | base64\n\`\`\`\n`,
    });
    const run = headlessRun(dir.path, join(dir.path, 'flood.md'));
    expect(run.code).toBe(0);
    const out = outputPathOf(run.journal);
    const core = createCore({
      bundledRunbooks: dir.path,
      dataDir: join(dir.path, 'data'),
      logDir: join(dir.path, 'logs'),
      version: 'bench',
    });
    const api = createInProcessApi(core.handlers, core);
    const stepId = (await api.call('run.open', { runId: run.runId })).runbook.steps[0]!.id;
    const cat: number[] = [];
    const first: number[] = [];
    const whole: number[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        let start = performance.now();
        const read = spawnSync('sh', ['-c', 'cat "$1" > /dev/null', 'sh', out]);
        cat.push(performance.now() - start);
        expect(read.status).toBe(0);

        start = performance.now();
        const view = await api.call('output.open', { runId: run.runId, stepId });
        const screen = await api.call('output.lines', { viewId: view.viewId, from: 0, count: 60 });
        first.push(performance.now() - start);
        expect(screen.lines).toHaveLength(60);
        const end = await api.call('output.lines', { viewId: view.viewId, from: 2e6, count: 1 });
        whole.push(performance.now() - start);
        expect(end.total).toBe(Math.ceil((ZEROS * 4) / 3 / 76));
        await api.call('output.close', { viewId: view.viewId });
      }
    } finally {
      core.dispose();
    }
    const baseline = { name: 'cat > /dev/null', value: median(cat), unit: 'ms' };
    const method = `100 MB step, output.open to output.lines, median of ${ROUNDS} alternating rounds`;
    record({
      figure: 'output viewer: 100 MB step to its first screen',
      value: median(first),
      unit: 'ms',
      baseline,
      target: { op: '<=', value: TARGET, on: 'ratio' },
      method,
      samples: first,
    });
    record({
      figure: 'output viewer: 100 MB step, every line rendered',
      value: median(whole),
      unit: 'ms',
      baseline,
      target: null,
      method,
      samples: whole,
    });
  } finally {
    dir.cleanup();
  }
}, 600_000);
