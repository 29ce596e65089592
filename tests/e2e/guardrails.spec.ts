import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// The bundled HD-Compute-Toolkit seed (environment: production) and its Monthly DR Test,
// which starts with `kubectl delete namespace production`. Fake kubectl and docker-compose
// first on PATH record every call, so the test knows what reached the shell.
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;
let calls: string;

test.beforeAll(async () => {
  dir = tempDir('runsheet-guardrails-e2e-');
  const ws = join(dir.path, 'ws');
  const bin = join(dir.path, 'bin');
  calls = join(dir.path, 'calls.log');
  mkdirSync(ws);
  mkdirSync(bin);
  copyFileSync('runbooks/hd-compute-toolkit-maintenance.md', join(ws, 'hd.md'));
  const fake = `#!/bin/sh\necho "$(basename "$0") $*" >> '${calls}'\n`;
  writeFiles(bin, { kubectl: fake, 'docker-compose': fake });
  chmodSync(join(bin, 'kubectl'), 0o755);
  chmodSync(join(bin, 'docker-compose'), 0o755);
  app = await serveApp({ workspace: ws, env: { PATH: `${bin}:${process.env.PATH}` } });
});

test.afterAll(async () => {
  await app?.stop();
  dir?.cleanup();
});

test('Run on `kubectl delete namespace production` asks first, naming the reason, and production needs its name typed', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: /HD-Compute-Toolkit/ }).click();
  const dr = page.getByTestId('step').filter({ hasText: 'kubectl delete namespace production' });
  // The flag is on the card before anything runs.
  await dr.scrollIntoViewIfNeeded();
  const note = dr.getByTestId('danger-note');
  await expect(note).toContainText('Destructive');
  await expect(note).toContainText('deletes namespace production · line 366');
  await expect(note).toContainText(
    'stops the services and deletes their volumes (the data) · line 367',
  );
  mkdirSync('test-results/screenshots', { recursive: true });
  await dr.screenshot({ path: 'test-results/screenshots/danger-flag.png' });

  await page.getByTestId('start-run').click();
  const outside = page.getByTestId('start-outside-window');
  if (await outside.isVisible({ timeout: 1500 }).catch(() => false)) await outside.click();
  await expect(page.getByTestId('run-environment')).toHaveText('production');

  await dr.getByTestId('run-step').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('h2')).toHaveText('Run a destructive step?');
  await expect(dialog.getByTestId('confirm-reasons')).toContainText(
    'line 366: deletes namespace production',
  );
  await expect(dialog).toContainText('This runs in production. Type production to confirm.');
  const run = dialog.getByTestId('confirm-run');
  await expect(run).toBeDisabled();
  await dialog.getByTestId('confirm-typed').fill('prod');
  await expect(run).toBeDisabled();
  await page.screenshot({ path: 'test-results/screenshots/guardrail-confirm.png' });

  // Cancel: nothing reached the shell.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await page.waitForTimeout(300);
  expect(existsSync(calls)).toBe(false);

  // "Run from here" asks once, listing every flagged step it would reach.
  await dr.getByTestId('run-from-here').click();
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('h2')).toHaveText(/Run \d+ steps that ask first\?/);
  const reasons = await dialog.getByTestId('confirm-reasons').allTextContents();
  expect(reasons.join('\n')).toContain('line 366: deletes namespace production');
  expect(reasons.join('\n')).toContain('line 465: patches deployment hdc-toolkit to zero replicas');
  expect(reasons.join('\n')).not.toContain('line 73:'); // before the step: not reached
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // Typed right: it runs, and the journal and log say who confirmed what, typing what.
  await dr.getByTestId('run-step').click();
  await dialog.getByTestId('confirm-typed').fill('production');
  await expect(run).toBeEnabled();
  await run.click();
  // The rest of the DR script needs tools this machine lacks; what matters is that it ran.
  await expect(dr).toHaveClass(/step-(passed|failed)/, { timeout: 15_000 });
  expect(readFileSync(calls, 'utf8')).toContain('kubectl delete namespace production');
  const logPath = (await page.getByTestId('log-path').locator('code').textContent())!;
  const log = readFileSync(logPath, 'utf8');
  expect(log).toContain('## Confirmations');
  expect(log).toMatch(
    /confirmed, in production, typing "production":\n {2}- line 366: deletes namespace production/,
  );
});
