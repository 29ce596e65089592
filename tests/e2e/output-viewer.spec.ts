import { expect, test, type Locator, type Page } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// The full-output viewer in Chromium over the real core: a 200,000-line and a
// 100 MB step, run in the app, opened from their cards (and from the run read
// back from the Overview), scrolled to the end and searched.
const HALF = 37_500_000; // base64 of this many zero bytes: 50,000,000 characters
const RUNBOOK = [
  '# Long output',
  '',
  '```bash {name=count}',
  'seq 1 200000',
  '```',
  '',
  '```bash {name=flood}',
  `head -c ${HALF} /dev/zero | base64; echo MIDDLE-MARK; head -c ${HALF} /dev/zero | base64; echo END-OF-FLOOD`,
  '```',
  '',
  '```bash {name=colours}',
  "printf 'plain \\033[31mred\\033[0m \\033[1;42mbold on green\\033[0m end\\n'",
  '```',
  '',
].join('\n');
/** Lines of 76 characters in 50,000,000 characters of base64, and the one shorter line after them. */
const HALF_LINES = Math.ceil((HALF * 4) / 3 / 76);

let app: ServedApp;
let workspace: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  workspace = tempDir('runsheet-viewer-');
  writeFiles(workspace.path, { 'long.md': RUNBOOK });
  app = await serveApp({ workspace: workspace.path });
});

test.afterAll(async () => {
  await app?.stop();
  workspace?.cleanup();
});

/** A step's card, by a piece of its code. */
const CODE = { count: 'seq 1 200000', flood: 'echo MIDDLE-MARK', colours: 'bold on green' };
const step = (page: Page, name: keyof typeof CODE) =>
  page.getByTestId('step').filter({ hasText: CODE[name] });

/** The text of the line numbered `n` (from 1) as the viewer shows it, once it is on screen. */
const lineText = (viewer: Locator, n: number) =>
  viewer.locator(`.output-row[data-line="${n}"] .output-text`);

async function search(viewer: Locator, text: string) {
  await viewer.getByTestId('output-query').fill(text);
  await viewer.getByTestId('output-query').press('Enter');
}

test('every line of a 200,000-line and a 100 MB step, in the app and from a past run', async ({
  page,
}) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  // The terminal's dark palette (the red below is its red).
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(app.url);
  await step(page, 'count').getByTestId('run-from-here').click();
  for (const name of ['count', 'flood', 'colours'] as const)
    await expect(step(page, name).getByTestId('step-status')).toHaveAttribute(
      'data-status',
      'passed',
      { timeout: 180_000 },
    );

  // 200,000 lines: the card shows a tail; the viewer opens at line 1 and goes to the end.
  await step(page, 'count').locator('.output summary').click();
  await step(page, 'count').getByTestId('full-output').click();
  const viewer = page.getByTestId('output-viewer');
  await expect(lineText(viewer, 1)).toHaveText('1');
  await expect(viewer.getByTestId('output-status')).toContainText('200,000 lines');
  await viewer.getByTestId('output-end').click();
  await expect(lineText(viewer, 200_000)).toHaveText('200000');
  await viewer.getByRole('checkbox', { name: '.*' }).check();
  await search(viewer, '^123457$');
  await expect(viewer.getByTestId('output-matches')).toHaveText('1 of 1 line · 1 match');
  await expect(viewer.locator('.output-row-current')).toHaveAttribute('data-line', '123457');
  await expect(lineText(viewer, 123_457)).toHaveText('123457');
  await page.screenshot({ path: 'test-results/screenshots/output-viewer-search.png' });
  await viewer.getByRole('button', { name: 'Close' }).click();

  // 100 MB: the first screen, the marker in the middle by search, the last line.
  await step(page, 'flood').locator('.output summary').click();
  await step(page, 'flood').getByTestId('full-output').click();
  await expect(lineText(viewer, 1)).toHaveText('A'.repeat(76));
  await search(viewer, 'middle-mark');
  await expect(viewer.getByTestId('output-matches')).toHaveText('1 of 1 line · 1 match', {
    timeout: 60_000,
  });
  await expect(lineText(viewer, HALF_LINES + 1)).toHaveText('MIDDLE-MARK');
  await expect(viewer.getByTestId('output-status')).toContainText(
    `${(HALF_LINES * 2 + 2).toLocaleString('en-US')} lines`,
  );
  await viewer.getByTestId('output-end').click();
  await expect(lineText(viewer, HALF_LINES * 2 + 2)).toHaveText('END-OF-FLOOD');
  await page.screenshot({ path: 'test-results/screenshots/output-viewer-flood.png' });
  await viewer.getByRole('button', { name: 'Close' }).click();

  // Colours as the terminal drew them.
  await step(page, 'colours').locator('.output summary').click();
  await step(page, 'colours').getByTestId('full-output').click();
  const red = lineText(viewer, 1).locator('span', { hasText: /^red$/ });
  await expect(red).toHaveCSS('color', 'rgb(244, 112, 103)');
  await expect(lineText(viewer, 1)).toHaveText('plain red bold on green end');
  await viewer.getByRole('button', { name: 'Close' }).click();

  // The same from the finished run, read back from the Overview.
  await page.getByTestId('finish-run').click();
  await page.getByTestId('home-button').click();
  await page.getByTestId('history-run').first().getByRole('button').click();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await step(page, 'count').locator('.output summary').click();
  await step(page, 'count').getByTestId('full-output').click();
  await expect(lineText(viewer, 1)).toHaveText('1');
  await viewer.getByTestId('output-end').click();
  await expect(lineText(viewer, 200_000)).toHaveText('200000');
});
