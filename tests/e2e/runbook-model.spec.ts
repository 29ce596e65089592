import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';
import { terminalText } from '../helpers/walk';

const RUNBOOK = `---
title: Pod triage
---

# Pod triage

Check the [runbook guide](https://example.com/guide) before you start.

- [ ] Page the on-call engineer

## Describe the pod

\`\`\`bash
echo "describing <pod-name> in [replace with namespace e.g. default]"
\`\`\`

## What healthy looks like

\`\`\`console
$ echo healthy
healthy
\`\`\`
`;

let app: ServedApp;
let workspace: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  workspace = tempDir('runsheet-ws-');
  writeFiles(workspace.path, { 'pod-triage.md': RUNBOOK });
  app = await serveApp({ workspace: workspace.path });
});

test.afterAll(async () => {
  await app?.stop();
  workspace?.cleanup();
});

test('placeholders are marked, filled inline and substituted; transcripts show expected output', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Pod triage');
  const describe = page.getByTestId('step').filter({ hasText: 'describing' });
  await expect(describe.locator('mark.placeholder')).toHaveCount(2);
  await expect(describe.getByTestId('run-step')).toBeDisabled();

  await describe.locator('[data-placeholder-input="<pod-name>"]').fill('web-7f9c');
  await describe.locator('[data-placeholder-input="<pod-name>"]').press('Enter');
  // Typed key by key while the run starts (the first value started it) and its terminal
  // appears: the terminal must not take the keyboard from the field being filled.
  await describe
    .locator('[data-placeholder-input="[replace with namespace e.g. default]"]')
    .pressSequentially('prod ns', { delay: 120 });
  await describe
    .locator('[data-placeholder-input="[replace with namespace e.g. default]"]')
    .press('Enter');
  await expect(describe.getByTestId('run-step')).toBeEnabled();
  await describe.getByTestId('run-step').click();
  await expect(describe.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect.poll(() => terminalText(page)).toContain('describing web-7f9c in prod ns');

  const healthy = page.getByTestId('step').filter({ hasText: 'Expected output' });
  await expect(healthy.locator('pre.code').first()).toHaveText('echo healthy');
  await expect(healthy.locator('.code-expected')).toHaveText('healthy');
  await page.screenshot({ path: 'test-results/screenshots/placeholders.png' });
});

test('links ask before leaving the app', async ({ page }) => {
  await page.goto(app.url);
  // The run the first test started is in progress: the app opens on the Overview.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await page.locator('[data-runbook-id="pod-triage.md"]').click();
  await page.getByRole('link', { name: 'runbook guide' }).click();
  await expect(page.getByTestId('link-dialog')).toContainText('https://example.com/guide');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('link-dialog')).toBeHidden();
  // A middle click asks too, and opens nothing by itself.
  await page.getByRole('link', { name: 'runbook guide' }).click({ button: 'middle' });
  await expect(page.getByTestId('link-dialog')).toContainText('https://example.com/guide');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForTimeout(300);
  expect(page.context().pages()).toHaveLength(1);
  // The keyboard asks too; confirmed, the link opens (in the browser harness, as a tab).
  await page.getByRole('link', { name: 'runbook guide' }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('link-dialog')).toContainText('https://example.com/guide');
  await page.context().route('https://example.com/**', (route) => route.fulfill({ body: 'guide' }));
  const [tab] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByRole('button', { name: 'Open link' }).click(),
  ]);
  await expect.poll(() => tab.url()).toBe('https://example.com/guide');
  await tab.close();
});

test('an edit on disk shows up in the open runbook and the run keeps its ticks', async ({
  page,
}) => {
  await page.goto(app.url);
  // The run the first test started is in progress: the app opens on the Overview.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
  await page.locator('[data-runbook-id="pod-triage.md"]').click();
  const page1 = page.getByTestId('step').filter({ hasText: 'Page the on-call engineer' });
  await page1.locator('.check-text').click();
  await expect(page1.getByTestId('step-status')).toHaveAttribute('data-status', 'checked');
  writeFileSync(
    join(workspace.path, 'pod-triage.md'),
    RUNBOOK.replace(
      '- [ ] Page the on-call engineer',
      '- [ ] Page the on-call engineer\n- [ ] Open an incident channel',
    ),
  );
  await expect(
    page.getByTestId('step').filter({ hasText: 'Open an incident channel' }),
  ).toBeVisible();
  await expect(page1.getByTestId('step-status')).toHaveAttribute('data-status', 'checked');
});
