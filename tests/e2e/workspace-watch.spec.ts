import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// The workspace list and an open runbook follow files added, deleted and renamed while the
// app runs; a runbook deleted during its run leaves the run going on from its own record.

const PATCH = `# Patch the web tier

- [ ] Drain the load balancer
- [ ] Page the on-call engineer

## Patch

\`\`\`bash
echo "patched kernel 6.1.0-28"
\`\`\`
`;

const SHOTS = '/tmp/wt-watch';
let app: ServedApp;
let workspace: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  workspace = tempDir('runsheet-watch-e2e-');
  writeFiles(workspace.path, { 'getting-started.md': '# Getting started\n\n- [ ] Read\n' });
  app = await serveApp({ workspace: workspace.path });
});

test.afterAll(async () => {
  await app?.stop();
  workspace?.cleanup();
});

const item = (page: Page, id: string) => page.locator(`[data-runbook-id="${id}"]`);
const note = (page: Page) => page.getByTestId('file-note');

test('a new runbook appears in the list; renamed, the open view follows; deleted, it says so', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Getting started');
  writeFileSync(join(workspace.path, 'rotate.md'), '# Rotate the certificates\n\n- [ ] Renew\n');
  await expect(item(page, 'rotate.md')).toContainText('Rotate the certificates');
  // A broken file is listed with why, not left out.
  writeFileSync(join(workspace.path, 'latin1.md'), Buffer.from('# Caf\xe9\n', 'latin1'));
  await expect(item(page, 'latin1.md').getByTestId('runbook-error')).toHaveText('cannot be opened');
  await expect(item(page, 'latin1.md').getByTestId('runbook-error')).toHaveAttribute(
    'title',
    /latin1\.md:1: not UTF-8/,
  );
  await page.screenshot({ path: `${SHOTS}/sidebar-added.png` });

  // Renamed while open (nothing runs): the view follows the file.
  await item(page, 'rotate.md').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rotate the certificates');
  renameSync(join(workspace.path, 'rotate.md'), join(workspace.path, 'rotate-certs.md'));
  await expect(item(page, 'rotate-certs.md')).toHaveClass(/is-selected/);
  await expect(item(page, 'rotate.md')).toHaveCount(0);
  await expect(note(page)).toHaveCount(0);

  // Deleted while open: kept, read-only, with a notice and Close.
  rmSync(join(workspace.path, 'rotate-certs.md'));
  await expect(note(page)).toHaveText(
    'rotate-certs.md was deleted on disk. Shown as it was last read, read-only.',
  );
  await expect(item(page, 'rotate-certs.md')).toHaveCount(0);
  await expect(page.getByTestId('step')).toContainText('Renew');
  await expect(page.getByTestId('start-run')).toHaveCount(0);
  await expect(page.locator('main input:enabled')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/deleted-open.png` });
  // Restored: open again as before.
  writeFileSync(
    join(workspace.path, 'rotate-certs.md'),
    '# Rotate the certificates\n\n- [ ] Renew\n',
  );
  await expect(note(page)).toHaveCount(0);
  await expect(page.getByTestId('start-run')).toBeVisible();
  rmSync(join(workspace.path, 'rotate-certs.md'));
  await expect(note(page)).toBeVisible();
  await page.getByTestId('close-runbook').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  rmSync(join(workspace.path, 'latin1.md'));
});

test('a runbook deleted during a run: a notice, and the run finishes from its own record', async ({
  page,
}) => {
  writeFileSync(join(workspace.path, 'patch.md'), PATCH);
  await page.goto(app.url);
  await item(page, 'patch.md').click();
  const drain = page.getByTestId('step').filter({ hasText: 'Drain the load balancer' });
  await drain.locator('.check-text').click();
  await expect(drain.getByTestId('step-status')).toHaveAttribute('data-status', 'checked');

  rmSync(join(workspace.path, 'patch.md'));
  await expect(note(page)).toHaveText(
    'patch.md was deleted on disk; this run goes on from its own record.',
  );
  await expect(item(page, 'patch.md')).toHaveCount(0);
  await page.screenshot({ path: `${SHOTS}/deleted-during-run.png` });

  // A reload of the page finds the run and its runbook, from the run's record.
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await page.getByTestId('active-run').getByRole('button', { name: 'Open' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Patch the web tier');
  await expect(note(page)).toContainText('patch.md was deleted on disk; this run goes on');
  await expect(drain.getByTestId('step-status')).toHaveAttribute('data-status', 'checked');

  // Ticks and steps still work, and Finish writes the log.
  await page
    .getByTestId('step')
    .filter({ hasText: 'Page the on-call engineer' })
    .locator('.check-text')
    .click();
  const patch = page.getByTestId('step').filter({ hasText: 'patched kernel' });
  await patch.getByTestId('run-step').click();
  await expect(patch.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect(page.locator('.run-progress, .run-bar')).toContainText('3 / 3 done');
  await page.getByTestId('finish-run').click();
  await expect(page.locator('.run-status')).toHaveText('Finished');
  await expect(note(page)).toHaveText(
    'patch.md was deleted on disk. Shown as it was last read, read-only.',
  );
  await page.screenshot({ path: `${SHOTS}/deleted-run-finished.png` });
  const logs = readdirSync(app.logDir).filter((f) => f.includes('patch'));
  expect(logs).toHaveLength(1);
  const log = readFileSync(join(app.logDir, logs[0]!), 'utf8');
  expect(log).toContain('patched kernel 6.1.0-28');
  expect(log).toContain('Drain the load balancer');
});

test('a past run of a deleted runbook shows its real counts and steps', async ({ page }) => {
  await page.goto(app.url);
  await page.getByTestId('home-button').click();
  const row = page.getByTestId('history-run').filter({ hasText: 'Patch the web tier' });
  await expect(row).toContainText('3 done');
  await row.getByRole('button').first().click();
  const view = page.getByTestId('run-view');
  await expect(view).toContainText('3 / 3 done');
  await expect(page.getByTestId('runbook-change')).toHaveAttribute('data-status', 'missing');
  await expect(page.getByTestId('step')).toHaveCount(3);
  await expect(
    page.getByTestId('step').filter({ hasText: 'patched kernel' }).getByTestId('step-status'),
  ).toHaveAttribute('data-status', 'passed');
  await page.screenshot({ path: `${SHOTS}/past-run-deleted.png` });
});
