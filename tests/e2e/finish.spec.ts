import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { interruptedRun, NIGHTLY } from '../helpers/crash';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';
import { terminalText } from '../helpers/walk';

// Finish and the log: Finish asks about steps not done, the terminal stays readable after
// it, the maintainer carries over to the next run, the export preview is rendered, and a
// past run (finished or interrupted) is read-only and exports.
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;
const SHOTS = 'test-results/screenshots';

const ROTATE = [
  '# Rotate the certificates',
  '',
  '- [ ] Announce in #ops',
  '',
  'Copy the new certificate.',
  '',
  '```bash {name=copy}',
  'echo "earlier output: $((6 * 7))"',
  '```',
  '',
  'Reload the proxy.',
  '',
  '```bash {name=reload}',
  'echo reloaded',
  '```',
  '',
  '- [ ] Close the change ticket',
  '',
].join('\n');

test.beforeAll(async () => {
  dir = tempDir('runsheet-finish-e2e-');
  const ws = join(dir.path, 'ws');
  const data = join(dir.path, 'data');
  mkdirSync(ws);
  writeFiles(ws, {
    'rotate.md': ROTATE,
    'nightly.md': NIGHTLY,
  });
  // A headless run killed mid-step, as a crash would: interrupted on record.
  await interruptedRun({
    runbook: join(ws, 'nightly.md'),
    dataDir: data,
    logDir: join(dir.path, 'logs'),
    home: dir.path,
  });
  app = await serveApp({ workspace: ws, dataDir: data });
  mkdirSync(SHOTS, { recursive: true });
});

test.afterAll(async () => {
  await app?.stop();
  dir?.cleanup();
});

/** The overview: the app opens on it, since an interrupted run waits for attention. */
async function overview(page: Page): Promise<void> {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await expect(page.getByTestId('history')).toBeVisible();
}

/** Both sizes the layout is checked at. */
async function shots(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1024, 700],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`) });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

test('Finish with steps not done asks, Back keeps the run, Finish anyway keeps the terminal readable', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await page.getByTestId('runbook-list').getByText('Rotate the certificates').click();
  const copy = page.getByTestId('step').filter({ hasText: 'earlier output' });
  await copy.getByTestId('run-step').click();
  await expect(copy.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect.poll(() => terminalText(page)).toContain('earlier output: 42');
  // The maintainer for this run and the next.
  await page.getByTestId('run-details-toggle').click();
  await page.getByTestId('field-maintainer').fill('Ada Lovelace');
  await page.getByTestId('field-issues').focus();
  await expect(page.getByTestId('run-header')).toContainText('Ada Lovelace@');

  await page.getByTestId('finish-run').click();
  const dialog = page.getByTestId('finish-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toHaveText('Finish with 3 steps not done?');
  const listed = dialog.getByTestId('finish-step');
  await expect(listed).toHaveCount(3);
  await expect(listed.nth(0)).toHaveAttribute('data-line', '3');
  await expect(listed.nth(0)).toContainText('Line 3');
  await expect(listed.nth(0)).toContainText('Announce in #ops');
  await expect(listed.nth(1)).toContainText('Line 13');
  await expect(listed.nth(1)).toContainText('reload');
  await expect(listed.nth(1)).toContainText('Not run');
  await expect(listed.nth(2)).toContainText('Line 17');
  await expect(listed.nth(2)).toContainText('Close the change ticket');
  await shots(page, 'finish-dialog');

  // Back: nothing finished.
  await dialog.getByTestId('finish-back').click();
  await expect(dialog).toBeHidden();
  await expect(page.locator('.run-status')).toHaveText('In progress');
  await expect(page.getByTestId('finish-run')).toBeEnabled();

  await page.getByTestId('finish-run').click();
  await page.getByTestId('finish-anyway').click();
  await expect(page.locator('.run-status')).toHaveText('Finished');
  const log = readFileSync(
    (await page.getByTestId('log-path').locator('code').textContent())!.trim(),
    'utf8',
  );
  expect(log).toContain('\n- Result: 1 passed, 0 failed, 0 skipped, 3 not run\n');
  expect(log).toContain('\n- Maintainer: Ada Lovelace\n');

  // The shell is gone; its screen is not: the tab stays, read-only, with the earlier output.
  const tab = page.getByTestId('terminal-tab');
  await expect(tab).toHaveCount(1);
  await expect(tab).toContainText('run finished · read-only');
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-read-only', 'true');
  await expect.poll(() => terminalText(page)).toContain('earlier output: 42');
  await shots(page, 'finish-terminal');
  // Picking the tab again draws it anew from the core's copy of the screen.
  await tab.click();
  await expect.poll(() => terminalText(page)).toContain('earlier output: 42');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await page.getByTestId('runbook-list').getByText('Rotate the certificates').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rotate the certificates');

  // The next run: a new shell replaces the read-only tab; the maintainer carries over.
  await page.getByTestId('start-run').click();
  await expect(page.locator('.run-status')).toHaveText('In progress');
  // Details stayed open (the header remembers it).
  await expect(page.getByTestId('run-details-toggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(page.getByTestId('field-maintainer')).toBeVisible();
  await expect(page.getByTestId('field-maintainer')).toHaveValue('Ada Lovelace');
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  await expect(page.getByTestId('terminal-tab')).not.toContainText('read-only');
  await expect(page.getByTestId('terminal')).toHaveAttribute('data-read-only', 'false');
  expect(readFileSync(join(app.dataDir, 'settings.yaml'), 'utf8')).toBe(
    'maintainer: Ada Lovelace\n',
  );

  // All done: Finish asks nothing. Then its tab can be closed.
  for (const name of ['Announce in #ops', 'Close the change ticket'])
    await page.getByTestId('step').filter({ hasText: name }).locator('.check-text').click();
  for (const name of ['earlier output', 'echo reloaded']) {
    const step = page.getByTestId('step').filter({ hasText: name });
    await step.getByTestId('run-step').click();
    await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
      timeout: 20_000,
    });
  }
  await page.getByTestId('finish-run').click();
  await expect(page.locator('.run-status')).toHaveText('Finished');
  await expect(page.getByTestId('finish-dialog')).toHaveCount(0);
  await page.getByTestId('close-terminal-tab').click();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(0);
});

test('the export preview renders the Markdown log, with its source a toggle away', async ({
  page,
}) => {
  // The first run (1 done), from history.
  await overview(page);
  await page
    .getByTestId('history-run')
    .filter({ hasText: 'Rotate the certificates' })
    .filter({ has: page.locator('td', { hasText: /^1 done$/ }) })
    .getByRole('button')
    .first()
    .click();
  await page.getByTestId('export-run').click();
  const preview = page.getByTestId('export-dialog').getByTestId('export-preview');
  await expect(preview).toHaveAttribute('data-view', 'rendered');
  await expect(preview.locator('h1')).toHaveText('Maintenance log: Rotate the certificates');
  await expect(preview.locator('h2').first()).toHaveText('Steps');
  // The header: one list item per field.
  const items = preview.locator('ul').first().locator(':scope > li');
  await expect(items.filter({ hasText: /^Maintainer: Ada Lovelace$/ })).toHaveCount(1);
  await expect(
    items.filter({ hasText: /^Result: 1 passed, 0 failed, 0 skipped, 3 not run$/ }),
  ).toHaveCount(1);
  await expect(preview).not.toContainText('# Maintenance log');
  await shots(page, 'export-rendered');

  await page.getByTestId('export-show-source').check();
  await expect(preview).toHaveAttribute('data-view', 'source');
  await expect(preview).toContainText('# Maintenance log: Rotate the certificates');
  await expect(preview).toContainText('- Result: 1 passed, 0 failed, 0 skipped, 3 not run');
  await page.getByTestId('export-show-source').uncheck();
  await expect(preview.locator('h1')).toBeVisible();

  // Jira is shown as the text it is.
  await page.getByTestId('export-format').selectOption('jira');
  await expect(preview).toHaveAttribute('data-view', 'source');
  await expect(preview).toContainText('h1. Maintenance log: Rotate the certificates');
  await expect(preview).toContainText('||Result|1 passed, 0 failed, 0 skipped, 3 not run|');
  await expect(page.getByTestId('export-show-source')).toHaveCount(0);
});

test('a past run, finished or interrupted, shows its fields as text and exports', async ({
  page,
}) => {
  await overview(page);
  const finished = page
    .getByTestId('history-run')
    .filter({ hasText: 'Rotate the certificates' })
    .filter({ has: page.locator('td', { hasText: /^1 done$/ }) });
  await finished.getByRole('button').first().click();
  const view = page.getByTestId('run-view');
  await expect(view).toContainText('read-only');
  await expect(page.getByTestId('field-maintainer')).toHaveText('Ada Lovelace');
  await expect(page.getByTestId('field-issues')).toHaveText('None recorded');
  // Nothing on the page can change the record: no text fields, no enabled checkboxes.
  await expect(page.locator('main input:enabled, main textarea')).toHaveCount(0);
  await expect(page.locator('main [contenteditable="true"]')).toHaveCount(0);
  await shots(page, 'past-run');
  await page.getByTestId('close-run-view').click();

  // The interrupted run: read-only too, and every format exports.
  await page.getByTestId('home-button').click();
  await page
    .getByTestId('interrupted-run')
    .filter({ hasText: 'Nightly copy' })
    .getByRole('button', { name: 'Open' })
    .click();
  await expect(view).toContainText('Nightly copy');
  await expect(page.locator('main input:enabled, main textarea')).toHaveCount(0);
  await page.getByTestId('export-run').click();
  const preview = page.getByTestId('export-dialog').getByTestId('export-preview');
  await expect(preview.locator('h1')).toHaveText('Maintenance log: Nightly copy');
  const items = preview.locator('ul').first().locator(':scope > li');
  await expect(items.filter({ hasText: /^Duration: .+ \(interrupted\)$/ })).toHaveCount(1);
  await expect(
    items.filter({ hasText: /^Result: 0 passed, 0 failed, 0 skipped, 1 interrupted, 0 not run$/ }),
  ).toHaveCount(1);
  await shots(page, 'export-interrupted');
  for (const [format, text] of [
    ['jira', '||Duration|'],
    ['json', '"result": "0 passed, 0 failed, 0 skipped, 1 interrupted, 0 not run"'],
    ['csv', 'nightly'],
  ] as const) {
    await page.getByTestId('export-format').selectOption(format);
    await expect(preview).toContainText(text);
  }
  await page.getByTestId('save-export').click();
  await expect(page.getByTestId('export-notice')).toContainText('Saved to ');
});
