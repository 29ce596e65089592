import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { expectLogTemplate } from './log';

/** Text of the xterm buffer (term.buffer.active), read through the terminal host element. */
export async function terminalText(page: Page): Promise<string> {
  return page.evaluate(() => {
    // Runs in the page; typed structurally because the test tsconfig has no DOM library.
    type Buffer = {
      length: number;
      getLine(y: number): { translateToString(trim: boolean): string } | undefined;
    };
    const doc = (globalThis as unknown as { document: { querySelector(s: string): unknown } })
      .document;
    const host = doc.querySelector('[data-testid=terminal]') as {
      xterm?: { buffer: { active: Buffer } };
    } | null;
    const buffer = host?.xterm?.buffer.active;
    if (!buffer) return '';
    const lines: string[] = [];
    for (let y = 0; y < buffer.length; y++)
      lines.push(buffer.getLine(y)?.translateToString(true) ?? '');
    return lines.join('\n');
  });
}

/**
 * The walk every UI test makes through getting-started: open it, tick an item,
 * run a passing step and the step that fails on purpose, read the terminal
 * buffer, see exit codes on the steps, finish, and check the log on disk.
 */
export async function walkGettingStarted(
  page: Page,
  logDir: string,
  screenshotDir?: string,
): Promise<void> {
  await page.getByRole('button', { name: /Getting started/ }).click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/Getting started/);

  const firstItem = page.getByTestId('step').filter({ hasText: 'Read this page once' });
  await firstItem.locator('.check-text').click();
  await expect(firstItem.getByTestId('step-status')).toHaveAttribute('data-status', 'checked');
  await expect(page.getByTestId('run-progress')).toContainText('1 / 12 done');

  const prepare = page.getByTestId('step').filter({ hasText: 'mkdir -p data/config' });
  await prepare.getByTestId('run-step').click();
  await expect(prepare.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect(prepare.getByTestId('step-status')).toHaveAttribute('data-exit-code', '0');
  await expect(prepare.getByTestId('step-status')).toHaveText(/exit 0 · [\d.]+ s/);
  await expect.poll(() => terminalText(page)).toContain('workspace: ');
  await expect.poll(() => terminalText(page)).toContain('data/records/5.txt');

  const backup = page.getByTestId('step').filter({ hasText: 'tar -czf backup.tar.gz data' });
  await backup.getByTestId('run-step').click();
  await expect(backup.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });

  const failing = page
    .getByTestId('step')
    .filter({ hasText: 'tar -tzf backup.tar.gz data/records/6.txt' });
  await failing.getByTestId('run-step').click();
  await expect(failing.getByTestId('step-status')).toHaveAttribute('data-status', 'failed', {
    timeout: 20_000,
  });
  const exitCode = Number(await failing.getByTestId('step-status').getAttribute('data-exit-code'));
  expect(exitCode).toBeGreaterThan(0);
  await expect(failing.getByTestId('step-status')).toHaveText(
    new RegExp(`Failed · exit ${exitCode}`),
  );
  await expect.poll(() => terminalText(page)).toMatch(/6\.txt/);
  await expect(page.getByTestId('run-progress')).toContainText('3 / 12 done');
  if (screenshotDir) await page.screenshot({ path: join(screenshotDir, 'walk.png') });

  const logPath = (await page.getByTestId('log-path').locator('code').textContent())!.trim();
  expect(logPath.startsWith(logDir)).toBe(true);
  // Nine steps are not done: Finish lists them first.
  await page.getByTestId('finish-run').click();
  await expect(page.getByTestId('finish-step')).toHaveCount(9);
  await page.getByTestId('finish-anyway').click();
  await expect(page.locator('.run-status')).toHaveText('Finished');

  expect(readdirSync(logDir)).toContain(logPath.slice(logDir.length + 1));
  const log = readFileSync(logPath, 'utf8');
  expect(log).toContain('# Maintenance log: Getting started: a backup-and-restore rehearsal');
  expectLogTemplate(log, {
    task: 'Getting started: a backup-and-restore rehearsal',
    environment: 'local',
  });
  expect(log).toContain('- [x] Read this page once from top to bottom — done');
  expect(log).toMatch(/passed, exit 0, [\d.]+ s/);
  expect(log).toMatch(new RegExp(`failed, exit ${exitCode}, [\\d.]+ s`));
  expect(log).toContain('data/records/5.txt');
  expect(log).toContain('| finished |');
}
