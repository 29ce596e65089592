import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';
import { terminalText } from '../helpers/walk';

// Issue 14, point 6, in the real renderer bundle: a step an error stops shows the error with
// its line and a Run that is off, saying why; Run from here stops before it; a block cut from
// an unclosed fence asks first, showing the code as cut and the lines it was opened and cut at.

const RUNBOOK = [
  '---', //                                  1
  'title: Errors and cut blocks', //         2
  'cadence: fortnightly', //                 3
  '---', //                                  4
  '', //                                     5
  '# Errors and cut blocks', //              6
  '', //                                     7
  '```bash {name=first}', //                 8
  'echo first-ran', //                       9
  '```', //                                 10
  '', //                                    11
  '```bash {name=bad timeout=banana}', //   12
  'echo bad-ran', //                        13
  '```', //                                 14
  '', //                                    15
  '```bash {name=after}', //                16
  'echo after-ran', //                      17
  '```', //                                 18
  '', //                                    19
  '## Cut', //                              20
  '', //                                    21
  '```bash', //                             22
  'echo cut-ran', //                        23
  '- [ ] Item after the fence', //          24
  '',
].join('\n');

let app: ServedApp;
let workspace: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  workspace = tempDir('runsheet-errors-ws-');
  writeFiles(workspace.path, { 'errors.md': RUNBOOK });
  app = await serveApp({ workspace: workspace.path });
});

test.afterAll(async () => {
  await app?.stop();
  workspace?.cleanup();
});

test('a step an error stops says why, its Run is off, and Run from here stops before it', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Errors and cut blocks');
  const banner = page.getByTestId('runbook-errors');
  await expect(banner).toContainText('2 errors in this runbook');
  await expect(banner).toContainText(
    'Line 3: frontmatter cadence: fortnightly is not valid (expected daily, weekly, monthly, quarterly or annual); no cadence: invalid value',
  );
  await expect(banner).toContainText(
    'Line 12: fence attribute timeout=banana is not valid (expected a duration such as 30s, 5m, 1h30m or 250ms)',
  );
  await expect(page.getByTestId('runbook-error-count')).toHaveText('2 errors');
  await expect(page.getByTestId('runbook-cadence')).toHaveText('no cadence: invalid value');

  const bad = page.getByTestId('step').filter({ hasText: 'echo bad-ran' });
  await expect(bad.getByTestId('step-blocked')).toContainText('Cannot run');
  await expect(bad.getByTestId('step-blocked')).toContainText(
    'Line 12: fence attribute timeout=banana',
  );
  await expect(bad.getByTestId('run-step')).toBeDisabled();
  await expect(bad.getByTestId('run-from-here')).toBeDisabled();
  await expect(bad.getByTestId('run-step')).toHaveAttribute(
    'title',
    /^Cannot run: the step at line 12 cannot run until the runbook is fixed: line 12: fence attribute timeout=banana/,
  );
  await bad.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/blocked-step.png' });

  const first = page.getByTestId('step').filter({ hasText: 'echo first-ran' });
  await first.getByTestId('run-from-here').click();
  await expect(first.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  const after = page.getByTestId('step').filter({ hasText: 'echo after-ran' });
  // The sequence is over (Run is back on for the next step) and stopped before the blocked one.
  await expect(after.getByTestId('run-step')).toBeEnabled();
  await expect(bad.getByTestId('step-status')).toHaveAttribute('data-status', 'pending');
  await expect(after.getByTestId('step-status')).toHaveAttribute('data-status', 'pending');
  await expect.poll(() => terminalText(page)).toContain('first-ran');
  expect(await terminalText(page)).not.toContain('bad-ran');

  // Other steps still run.
  await after.getByTestId('run-step').click();
  await expect(after.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  expect(await terminalText(page)).not.toContain('bad-ran');
});

test('a block cut from an unclosed fence asks first, showing the code as cut and its lines', async ({
  page,
}) => {
  await page.goto(app.url);
  await page
    .getByRole('button', { name: /Errors and cut blocks/ })
    .first()
    .click();
  const cut = page.getByTestId('step').filter({ hasText: 'echo cut-ran' });
  await expect(cut.getByTestId('step-repaired')).toContainText(
    'The code fence opened on line 22 is never closed: Runsheet ended the block at line 23, before the checklist item on line 24.',
  );
  // The item after it is an item, not code.
  await expect(page.getByTestId('step').filter({ hasText: 'Item after the fence' })).toHaveClass(
    /step-check/,
  );
  await cut.getByTestId('run-step').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('confirm-reasons')).toHaveText(
    'line 22: the code fence opened here is never closed; Runsheet ended the block at line 23, before the checklist item on line 24: check that the code shown is all of it and nothing more',
  );
  await expect(dialog.locator('pre.code')).toHaveText('echo cut-ran');
  await page.screenshot({ path: 'test-results/screenshots/cut-fence-confirm.png' });
  await dialog.getByTestId('confirm-run').click();
  await expect(cut.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect.poll(() => terminalText(page)).toContain('cut-ran');
  expect(await terminalText(page)).not.toMatch(/command not found/);
});
