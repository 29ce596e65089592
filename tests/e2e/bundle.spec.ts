import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// The run bundle from the app: Save bundle in the export dialog writes it beside the log,
// says where and how to check it, and the file checks with tar and sha256sum, and with
// `runsheet verify`. A real run in a real shell, the real renderer in Chromium.
/** tests/helpers/secrets.ts's GITHUB_TOKEN (that module reads fixtures through __dirname, not in ESM). */
const GITHUB_TOKEN = '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';

let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

const AUDIT = [
  '# Audit trail',
  '',
  '```bash {name=inventory}',
  `echo "deploy token ${GITHUB_TOKEN}"; seq 1 20000`,
  '```',
  '',
].join('\n');

test.beforeAll(async () => {
  dir = tempDir('runsheet-bundle-e2e-');
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  writeFiles(ws, { 'audit.md': AUDIT });
  app = await serveApp({ workspace: ws });
});

test.afterAll(async () => {
  await app?.stop();
  dir?.cleanup();
});

test('Save bundle writes the run bundle beside the log, and it checks', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: /Audit trail/ }).click();
  const step = page.getByTestId('step').filter({ hasText: 'seq 1 20000' });
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 30_000,
  });
  await page.getByTestId('finish-run').click();
  await expect(page.getByTestId('start-run')).toHaveText('New run');

  await page.getByTestId('export-run').click();
  const dialog = page.getByTestId('export-dialog');
  await expect(dialog.getByTestId('export-preview')).toContainText('Audit trail');
  await dialog.getByTestId('save-bundle').click();
  const notice = dialog.getByTestId('bundle-notice');
  await expect(notice).toContainText('Bundle saved', { timeout: 30_000 });
  const log = readdirSync(app.logDir).find((f) => f.endsWith('.md'))!;
  const path = join(app.logDir, log.replace(/\.md$/, '.bundle.tar.gz'));
  await expect(notice).toContainText(path);
  const check = (await dialog.getByTestId('bundle-check').textContent())!;
  expect(check).toMatch(/^tar -xzf \S+ && cd \S+ && sha256sum -c SHA256SUMS$/);
  await notice.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/bundle-saved.png' });
  expect(existsSync(path)).toBe(true);

  // The check command as shown, in an empty folder: every file's sum matches.
  const unpack = join(dir.path, 'unpack');
  mkdirSync(unpack);
  const sums = spawnSync('sh', ['-c', check], { cwd: unpack, encoding: 'utf8' });
  expect(sums.status, sums.stderr).toBe(0);
  expect(sums.stdout).toContain('journal.jsonl: OK');
  expect(sums.stdout).toContain('log.md: OK');
  expect(sums.stdout).not.toContain('FAILED');
  // And everything, the hash chain included.
  // The log in the dialog says how much of the step's output it cut, and where all of it is.
  await dialog.getByTestId('export-show-source').check();
  const preview = dialog.getByTestId('export-preview');
  await expect(preview).toContainText(
    /Cut: the first \d+ characters \(\d+ lines\) of \d+ \(20001 lines\)/,
  );
  await expect(preview).toContainText(`${log.replace(/\.md$/, '')}.output/`);
  await preview.evaluate((el) => {
    const text = el.textContent!;
    const line = text.slice(0, text.indexOf('Cut: ')).split('\n').length;
    el.scrollTop = (el.scrollHeight * line) / text.split('\n').length - 120;
  });
  await page.screenshot({ path: 'test-results/screenshots/bundle-log-cut.png' });
  const verified = spawnSync(process.execPath, [resolve('bin/runsheet.js'), 'verify', path], {
    encoding: 'utf8',
  });
  expect(verified.status, verified.stdout + verified.stderr).toBe(0);
});
