// Honest timings (issue 14, point 5): the screen never slows a step down. The same
// flood step (50 MB of random bytes as base64, ~67 MB of output) is run headless
// (`runsheet run`, no renderer) and watched by the real renderer (Debian Chromium
// against `runsheet serve`, drawing it in xterm.js), alternating, in one run. The
// figures are the step durations recorded in the journal. Target: windowed / headless
// median <= 1.10.
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright';
import { expect, test } from 'vitest';
import { CHROMIUM } from '../playwright.config';
import { serveApp } from '../tests/helpers/serve';
import { tempDir, writeFiles } from '../tests/helpers/temp';
import { headlessStepDuration, recordedStepDurations } from '../tests/helpers/timings';
import { terminalText } from '../tests/helpers/walk';
import { median, record } from './results';

const RUNS = 5;
const TARGET = 1.1;
const RUNBOOK =
  '# Flood\n\n```bash\nhead -c 50000000 /dev/urandom | base64; echo flood-done\n```\n';

async function windowedStepDuration(browser: Browser, workspace: string): Promise<number> {
  const app = await serveApp({ workspace });
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  try {
    await page.goto(app.url);
    await page.getByTestId('run-step').click();
    await page
      .locator('[data-testid=step-status][data-status=passed]')
      .waitFor({ timeout: 300_000 });
    // The screen caught up with the end of the output: the renderer really drew this run.
    const deadline = Date.now() + 60_000;
    while (!(await terminalText(page)).includes('flood-done')) {
      if (Date.now() > deadline) throw new Error('the terminal never showed the end of the flood');
      await page.waitForTimeout(100);
    }
    const durations = recordedStepDurations(app.dataDir);
    expect(durations).toHaveLength(1);
    return durations[0]!;
  } finally {
    await page.close();
    await app.stop();
  }
}

test('a flood step takes as long watched by the window as headless (<= 1.10)', async () => {
  const dir = tempDir('runsheet-flood-timing-');
  writeFiles(dir.path, { 'flood.md': RUNBOOK });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  const headless: number[] = [];
  const windowed: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      headless.push(await headlessStepDuration(join(dir.path, 'flood.md')));
      windowed.push(await windowedStepDuration(browser, dir.path));
    }
  } finally {
    await browser.close();
    dir.cleanup();
  }
  record({
    figure: 'flood step: watched by the window vs headless',
    value: median(windowed) / 1000,
    unit: 's',
    baseline: { name: 'headless (runsheet run)', value: median(headless) / 1000, unit: 's' },
    target: { op: '<=', value: TARGET, on: 'ratio' },
    method: `50 MB urandom | base64, step durations from the journal, median of ${RUNS} alternating runs; headless ${headless.map((v) => (v / 1000).toFixed(2)).join(', ')} s`,
    samples: windowed.map((v) => v / 1000),
  });
}, 900_000);
