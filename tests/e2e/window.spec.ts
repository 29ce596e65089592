import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// A production runbook whose maintenance window (hosts.yaml) is closed all of today.
const DAYS = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];
const closed = `${DAYS[(new Date().getDay() + 3) % 7]} 2-6 AM`;
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  dir = tempDir('runsheet-window-e2e-');
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  writeFiles(ws, {
    'hosts.yaml': `windows:\n  production: ${closed}\n`,
    'patch-db.md':
      '---\ntitle: Patch the database\nenvironment: production\n---\n\n# Patch the database\n\n- [ ] Announce the maintenance\n',
  });
  app = await serveApp({ workspace: ws });
});

test.afterAll(async () => {
  await app?.stop();
  dir?.cleanup();
});

test('starting a production run outside its window asks first, and the log says so', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByTestId('start-run').click();
  const dialog = page.getByTestId('window-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Outside the production maintenance window');
  await expect(dialog).toContainText(`"${closed}"`);
  await page.screenshot({ path: 'test-results/screenshots/window.png' });
  // Cancel: no run.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('start-run')).toHaveText('Start run');
  await expect(page.locator('.banner-error')).toHaveCount(0);
  // Start anyway: the run header and the log record it.
  await page.getByTestId('start-run').click();
  await page.getByTestId('start-outside-window').click();
  await expect(page.getByTestId('outside-window')).toBeVisible();
  await expect(page.getByTestId('run-environment')).toHaveText('production');
  const logPath = (await page.getByTestId('log-path').locator('code').textContent())!;
  expect(readFileSync(logPath, 'utf8')).toContain(
    `Maintenance window: started outside the production maintenance window: "${closed}"`,
  );
});
