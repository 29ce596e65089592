import { expect, test, type Page } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// A past run replayed in the app with asciinema's player: the steps to jump to,
// play and speed, and the journal's bytes as recorded (a secret stays redacted).
/** A token of GitHub's shape (tests/helpers/secrets.ts has it; that module needs CommonJS). */
const GITHUB_TOKEN = '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';
const RUNBOOK = [
  '# Replayed',
  '',
  '```bash {name=first}',
  'echo first-out; sleep 0.3',
  '```',
  '',
  '```bash {name=second}',
  `echo second-out; echo "token ${GITHUB_TOKEN}"; sleep 0.3`,
  '```',
  '',
  '```bash {name=third}',
  'sleep 1; echo third-out',
  '```',
  '',
].join('\n');

let app: ServedApp;
let workspace: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  workspace = tempDir('runsheet-replay-');
  writeFiles(workspace.path, { 'replayed.md': RUNBOOK });
  app = await serveApp({ workspace: workspace.path });
});

test.afterAll(async () => {
  await app?.stop();
  workspace?.cleanup();
});

const screen = (page: Page) => page.getByTestId('replay-player').locator('.ap-term');

test('a past run replays: steps to jump to, play, speed, secrets redacted', async ({ page }) => {
  test.setTimeout(120_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(app.url);
  await page
    .getByTestId('step')
    .filter({ hasText: 'first-out' })
    .getByTestId('run-from-here')
    .click();
  await expect(
    page.getByTestId('step').filter({ hasText: 'third-out' }).getByTestId('step-status'),
  ).toHaveAttribute('data-status', 'passed', { timeout: 30_000 });
  await page.getByTestId('finish-run').click();
  await page.getByTestId('home-button').click();
  await page.getByTestId('history-run').first().getByRole('button').click();
  await page.getByTestId('replay-run').click();

  const dialog = page.getByTestId('replay-dialog');
  await expect(dialog.getByTestId('replay-step')).toHaveCount(3);
  await expect(dialog.getByTestId('replay-step').nth(1)).toContainText('second');
  // At the second step's start: the first step's output is on screen, not the second's.
  await dialog.getByTestId('replay-step').nth(1).click();
  await expect(screen(page)).toContainText('first-out');
  await expect(screen(page)).not.toContainText('second-out');
  // Played on (faster), the rest comes, the token as the journal has it: redacted.
  await dialog.getByTestId('replay-speed').selectOption('4');
  await dialog.getByTestId('replay-play').click();
  await expect(screen(page)).toContainText('third-out', { timeout: 20_000 });
  await expect(screen(page)).toContainText('second-out');
  expect(await screen(page).textContent()).not.toContain(GITHUB_TOKEN);
  await page.screenshot({ path: 'test-results/screenshots/replay.png' });
});
