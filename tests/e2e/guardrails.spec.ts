import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { recordingCommands, tempDir, writeFiles } from '../helpers/temp';

// The bundled HD-Compute-Toolkit seed (environment: production) and its Monthly DR Test,
// which starts with `kubectl delete namespace production`. Fake kubectl and docker-compose
// first on PATH record every call, so the test knows what reached the shell.
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;
let calls: string;
let key: string;

// A rehearsal drill with two destructive steps, one marked rehearsal=safe.
const DRILL = (at: string) =>
  [
    '# Restore drill',
    '',
    '```bash {name=prepare}',
    `mkdir -p ${at}/a ${at}/b && echo prepared`,
    '```',
    '',
    '```bash {name=wipe-a}',
    `rm -rf ${at}/a`,
    '```',
    '',
    '```bash {name=wipe-b rehearsal=safe}',
    `rm -rf ${at}/b`,
    '```',
    '',
  ].join('\n');

// A production runbook that needs a signed plan, with a value to fill in.
const ROTATE = [
  '---',
  'title: Rotate the cache',
  'environment: production',
  'approval: required',
  '---',
  '# Rotate the cache',
  '',
  '```bash',
  'kubectl delete pod <cache-pod>',
  '```',
  '',
].join('\n');

test.beforeAll(async () => {
  dir = tempDir('runsheet-guardrails-e2e-');
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  copyFileSync('runbooks/hd-compute-toolkit-maintenance.md', join(ws, 'hd.md'));
  writeFiles(ws, { 'rotate.md': ROTATE, 'drill.md': DRILL(join(dir.path, 'drill')) });
  key = join(dir.path, 'alice');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice', '-f', key]);
  writeFileSync(
    join(ws, 'allowed_signers'),
    `alice@example.com ${readFileSync(`${key}.pub`, 'utf8').trim()}\n`,
  );
  const fake = recordingCommands(dir.path, ['kubectl', 'docker-compose']);
  calls = fake.calls;
  app = await serveApp({ workspace: ws, env: { PATH: fake.path } });
});

test.afterAll(async () => {
  await app?.stop();
  dir?.cleanup();
});

test('Run on `kubectl delete namespace production` asks first, naming the reason, and production needs its name typed', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.locator('[data-runbook-id="hd.md"]').click();
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

test('the plan view lists filled commands and flags; a production plan runs once it is signed', async ({
  page,
}) => {
  await page.goto(app.url);
  // Before a run: the HD seed's plan, nothing run.
  await page.locator('[data-runbook-id="hd.md"]').click();
  await page.getByTestId('open-plan').click();
  const dialog = page.getByTestId('plan-dialog');
  await expect(dialog.getByTestId('plan-environment')).toHaveText('production');
  await expect(dialog.getByTestId('plan-sha256')).toHaveText(/^[0-9a-f]{64}$/);
  const dr = dialog.getByTestId('plan-step').filter({ hasText: 'Monthly DR Test' });
  await expect(dr).toContainText('asks first');
  await expect(dr).toContainText('line 366: deletes namespace production (high)');
  await expect(dr.locator('.plan-command')).toContainText('kubectl delete namespace production');
  await dr.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/plan.png' });
  await dialog.getByRole('button', { name: 'Close' }).click();

  // A run that needs approval: the value filled in shows in the plan, unsigned, then signed.
  await page.locator('[data-runbook-id="rotate.md"]').click();
  await page.getByTestId('start-run').click();
  const outside = page.getByTestId('start-outside-window');
  if (await outside.isVisible({ timeout: 1500 }).catch(() => false)) await outside.click();
  const step = page.getByTestId('step').filter({ hasText: 'kubectl delete pod' });
  await step.locator('[data-placeholder-input="<cache-pod>"]').fill('cache-0');
  await step.locator('[data-placeholder-input="<cache-pod>"]').press('Enter');
  await expect(step.getByTestId('run-step')).toBeEnabled(); // the value reached the run
  await page.getByTestId('open-plan').click();
  await expect(dialog.locator('.plan-command')).toHaveText('kubectl delete pod cache-0');
  await expect(dialog.getByTestId('plan-approval')).toHaveText('required, not signed');
  await dialog.getByTestId('save-plan').click();
  const saved = (await dialog.getByTestId('plan-saved').locator('code').first().textContent())!;
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Unsigned: the core refuses, naming why.
  await step.getByTestId('run-step').click();
  const confirm = page.getByTestId('confirm-dialog');
  await confirm.getByTestId('confirm-typed').fill('production');
  await confirm.getByTestId('confirm-run').click();
  await expect(page.locator('.banner-error')).toContainText('needs a signed plan');
  expect(existsSync(calls) && readFileSync(calls, 'utf8').includes('cache-0')).toBe(false);
  await page.locator('.banner-error').getByRole('button', { name: 'Dismiss' }).click();

  execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', key, '-n', 'runsheet-plan', saved]);
  await page.getByTestId('open-plan').click();
  await expect(dialog.getByTestId('plan-approval')).toContainText(
    'signed by alice@example.com (ED25519 SHA256:',
  );
  await page.screenshot({ path: 'test-results/screenshots/plan-signed.png' });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await step.getByTestId('run-step').click();
  await confirm.getByTestId('confirm-typed').fill('production');
  await confirm.getByTestId('confirm-run').click();
  await expect(step).toHaveClass(/step-passed/, { timeout: 15_000 });
  expect(readFileSync(calls, 'utf8')).toContain('kubectl delete pod cache-0');
  const logPath = (await page.getByTestId('log-path').locator('code').textContent())!;
  expect(readFileSync(logPath, 'utf8')).toContain('signed by alice@example.com (ED25519 SHA256:');
});

test('a rehearsal holds a destructive step of Run from here until it is confirmed on its own', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.locator('[data-runbook-id="drill.md"]').click();
  await page.getByTestId('rehearse').click();
  await page.getByTestId('rehearsal-target').fill('staging');
  await page.getByTestId('rehearsal-rto').fill('30');
  await page.getByTestId('start-rehearsal').click();
  // The rehearsal is on (its clock shows) before a step is run in it.
  await expect(page.getByText('DR rehearsal')).toBeVisible();
  const steps = page.getByTestId('step');
  await steps.nth(0).getByTestId('run-from-here').click();
  // Nothing to ask before the first step: it runs, and the run stops before wipe-a.
  const wipeA = steps.filter({ hasText: '/a' }).filter({ hasText: 'rm -rf' });
  await expect(wipeA.getByTestId('step-held')).toBeVisible({ timeout: 15_000 });
  await expect(steps.nth(0)).toHaveClass(/step-passed/);
  await expect(steps.nth(2).getByTestId('danger-note')).toContainText(
    'Marked rehearsal=safe: runs in this rehearsal without asking.',
  );
  await wipeA.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/rehearsal-held.png' });
  expect(existsSync(join(dir.path, 'drill', 'a'))).toBe(true);
  // Run from here on it asks for it alone; wipe-b (rehearsal=safe) then runs on.
  await wipeA.getByTestId('run-from-here').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog.getByTestId('confirm-step')).toHaveCount(1);
  await expect(dialog).toContainText('deletes');
  await dialog.getByTestId('confirm-run').click();
  await expect(steps.nth(2)).toHaveClass(/step-passed/, { timeout: 15_000 });
  expect(existsSync(join(dir.path, 'drill', 'b'))).toBe(false);
});
