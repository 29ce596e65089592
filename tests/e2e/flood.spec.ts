import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';
import { headlessStepDuration, recordedStepDurations } from '../helpers/timings';
import { terminalText } from '../helpers/walk';

// 30 MB through the PTY, the WebSocket and xterm.js: flow control keeps the page
// responsive and the capture complete, and the screen never holds the shell back:
// it skips ahead to the latest output instead (the journal has every byte).
const BYTES = 30_000_000;
const RUNBOOK = `# Flood\n\n- [ ] Watch the flood\n\n\`\`\`bash\nhead -c ${BYTES} /dev/zero | tr '\\\\0' x; echo; echo flood-done\n\`\`\`\n`;

let app: ServedApp;
let workspace: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  workspace = tempDir('runsheet-flood-');
  writeFiles(workspace.path, { 'flood.md': RUNBOOK });
  app = await serveApp({ workspace: workspace.path });
});

test.afterAll(async () => {
  await app?.stop();
  workspace?.cleanup();
});

test('a 30 MB flood keeps the UI responsive and is captured completely', async ({ page }) => {
  test.setTimeout(180_000);
  await page.goto(app.url);
  const flood = page.getByTestId('step').filter({ hasText: 'head -c' });
  await flood.getByTestId('run-step').click();
  await expect(flood.getByTestId('step-status')).toHaveAttribute('data-status', 'running');
  await page.waitForTimeout(1000);

  // While the flood runs, a click on a checklist item still round-trips quickly.
  const item = page.getByTestId('step').filter({ hasText: 'Watch the flood' });
  const started = Date.now();
  await item.locator('.check-text').click();
  await expect(item.getByTestId('step-status')).toHaveAttribute('data-status', 'checked', {
    timeout: 5_000,
  });
  const roundTrip = Date.now() - started;
  expect(roundTrip).toBeLessThan(5_000);

  await expect(flood.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 150_000,
  });
  await expect(flood.locator('.output summary')).toContainText(
    `(${BYTES + 'flood-done'.length + 4} bytes)`,
  );
  await expect.poll(() => terminalText(page), { timeout: 30_000 }).toContain('flood-done');
  // The screen could not draw 30 MB as it came: it says where it skipped ahead.
  expect((await terminalText(page)).replace(/\n/g, '')).toMatch(
    /\[[\d.]+ [Mk]B of output skipped here; the run record has it all\]/,
  );
  await page.screenshot({ path: 'test-results/screenshots/flood-end.png' });

  // Watched, the step took about as long as the same step run headless (the bench has the
  // figure; this bound only catches a screen that holds the shell back again).
  const [watched] = recordedStepDurations(app.dataDir);
  const headless = await headlessStepDuration(join(workspace.path, 'flood.md'));
  expect(watched).toBeLessThan(headless * 2 + 3_000);
});
