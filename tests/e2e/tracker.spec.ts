import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { HAS_REDMINE, startRedmine, type TestRedmine } from '../helpers/redmine';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';
import { walkGettingStarted } from '../helpers/walk';

// The whole way to the tracker: finish getting-started, write Issues and Next Actions,
// export, and find the issue (with the log attached) in a real Redmine on 127.0.0.1:3941.
let redmine: TestRedmine;
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  test.skip(!HAS_REDMINE, 'Redmine is not installed (scripts/redmine-install.sh)');
  test.setTimeout(180_000);
  redmine = await startRedmine(3941);
  dir = tempDir('runsheet-tracker-e2e-');
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  copyFileSync('runbooks/getting-started.md', join(ws, 'getting-started.md'));
  writeFiles(ws, { 'trackers.yaml': `redmine:\n  url: ${redmine.url}\n  project: ops\n` });
  app = await serveApp({ workspace: ws, env: { RUNSHEET_REDMINE_TOKEN: redmine.apiKey } });
});

test.afterAll(async () => {
  await app?.stop();
  await redmine?.stop();
  dir?.cleanup();
});

test('finish getting-started, fill Issues and Next Actions, export, see the issue in Redmine', async ({
  page,
}) => {
  await page.goto(app.url);
  await walkGettingStarted(page, app.logDir);
  await page.getByTestId('run-details-toggle').click();
  await page.getByTestId('field-issues').fill('The archive check failed: 6.txt is missing');
  await page.getByTestId('field-nextActions').fill('Fix the backup job; rehearse again Friday');
  await page.getByTestId('field-issues').focus();
  await page.getByTestId('export-run').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog.getByTestId('export-preview')).toContainText(
    'Next Actions: Fix the backup job; rehearse again Friday',
  );
  await dialog.getByTestId('push-redmine').click();
  const link = dialog.getByTestId('issue-link');
  await expect(link).toHaveText(new RegExp(`^${redmine.url}/issues/\\d+$`), { timeout: 30_000 });
  await page.screenshot({ path: 'test-results/screenshots/redmine-sent.png' });

  // The issue, as Redmine shows it: subject, description, and the log attached.
  const url = (await link.textContent())!;
  const issue = await page.context().newPage();
  await issue.goto(`${redmine.url}/login`);
  await issue.locator('#username').fill('admin');
  await issue.locator('#password').fill('admin');
  await issue.locator('#login-submit').click();
  await issue.goto(url);
  await expect(issue.locator('.subject h3')).toContainText('Getting started');
  await expect(issue.locator('.description')).toContainText(
    'The archive check failed: 6.txt is missing',
  );
  await expect(issue.locator('.description')).toContainText(
    'Fix the backup job; rehearse again Friday',
  );
  await expect(issue.locator('.attachments')).toContainText('getting-started.md');
  await issue.screenshot({ path: 'test-results/screenshots/redmine-issue.png' });
});
