import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// The Overview's output search in Chromium over the real core: a past run (made by
// `runsheet run`, a real PTY) whose step printed a line 3,001 lines in; typed in the
// search, the match shows with its run, step, host and line, and opens the full
// output at that line.
const RUNBOOK = [
  '# Nightly report',
  '',
  '```bash {name=report}',
  "seq 1 3000; printf '\\033[31mALERT-7731\\033[0m disk quota exceeded on /srv\\n'; seq 1 10",
  '```',
  '',
].join('\n');

let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  dir = tempDir('runsheet-e2e-search-');
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  writeFiles(ws, { 'nightly.md': RUNBOOK });
  const data = join(dir.path, 'data');
  const run = spawnSync(
    process.execPath,
    [
      'bin/runsheet.js',
      'run',
      join(ws, 'nightly.md'),
      '--data-dir',
      data,
      '--log-dir',
      join(dir.path, 'logs'),
    ],
    { env: { ...process.env, HOME: dir.path }, input: '', encoding: 'utf8', timeout: 60_000 },
  );
  if (run.status !== 0) throw new Error(`runsheet run: ${run.stderr}`);
  app = await serveApp({ workspace: ws, dataDir: data });
});

test.afterAll(async () => {
  await app?.stop();
  dir?.cleanup();
});

test('a line of a past run found from the Overview, opened in the full output at that line', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(app.url);
  // Nothing needs attention: the app opens on the runbook; the Overview is a click away.
  await expect(page.getByTestId('step').first()).toBeVisible({ timeout: 15_000 });
  await page.getByTestId('home-button').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await expect(page.getByTestId('output-matches')).toHaveCount(0);

  // Text across a colour change, as the terminal showed it.
  await page.getByTestId('history-search').fill('alert-7731 disk');
  const matches = page.getByTestId('output-matches');
  const row = matches.getByTestId('output-match');
  await expect(row).toHaveCount(1);
  const cells = row.locator('td');
  await expect(cells.nth(0)).toContainText('Nightly report');
  await expect(cells.nth(1)).toHaveText('report');
  await expect(cells.nth(2)).not.toBeEmpty();
  await expect(cells.nth(3)).toHaveText('3001');
  // The text as the terminal showed it (no escape codes), the match marked.
  await expect(cells.nth(4)).toHaveText('ALERT-7731 disk quota exceeded on /srv');
  await expect(cells.nth(4).locator('mark')).toHaveText('ALERT-7731 disk');
  await page.screenshot({ path: 'test-results/screenshots/output-search-overview.png' });

  // Nothing found says so; a status filter alone searches no output.
  await page.getByTestId('history-search').fill('no-such-line-anywhere');
  await expect(matches).toContainText('No line of any run’s output or notes has it.');
  await page.getByTestId('history-search').fill('status:finished');
  await expect(matches).toHaveCount(0);
  await page.getByTestId('history-search').fill('"alert-7731"');
  await expect(row).toHaveCount(1);
  await expect(row.locator('mark')).toHaveText('ALERT-7731');

  await row.getByTestId('output-match-open').click();
  const viewer = page.getByTestId('output-viewer');
  const line = viewer.locator('.output-row[data-line="3001"]');
  await expect(line.locator('.output-text')).toHaveText('ALERT-7731 disk quota exceeded on /srv');
  await expect(line).toHaveClass(/output-row-current/);
  await expect(line).toBeInViewport();
  await expect(viewer.locator('.output-row[data-line="1"]')).toHaveCount(0);
  // The search's text is in the Find box, found: the match on that line is the current one.
  await expect(viewer.getByLabel('Find in output')).toHaveValue('ALERT-7731');
  await expect(viewer.getByTestId('output-matches')).toContainText('1 of 1 line');
  await expect(line.locator('mark')).toHaveText('ALERT-7731');
  await page.screenshot({ path: 'test-results/screenshots/output-search-viewer.png' });
});
