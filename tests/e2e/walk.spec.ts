import { mkdirSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { terminalText, walkGettingStarted } from '../helpers/walk';

let app: ServedApp;

test.beforeAll(async () => {
  app = await serveApp();
});

test.afterAll(async () => {
  await app?.stop();
});

test('walk getting-started in the browser harness: tick, run, fail, finish, log on disk', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(app.url);
  // The token leaves the address bar once read.
  await expect.poll(() => page.url()).not.toContain('token=');
  mkdirSync('test-results/screenshots', { recursive: true });
  await walkGettingStarted(page, app.logDir, 'test-results/screenshots');
  expect(errors).toEqual([]);
});

test('typing in the terminal reaches the run shell', async ({ page }) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: /Getting started/ }).click();
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('terminal')).toBeVisible();
  await expect.poll(() => terminalText(page)).toMatch(/[$#] ?$/m);
  await page.getByTestId('terminal').click();
  await page.keyboard.type('echo typed-$((6*7))');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page)).toContain('typed-42');
});

test('the page refuses to start without the token', async ({ page }) => {
  await page.goto(app.url.replace(/#token=.*/, ''));
  await expect(page.locator('.fatal')).toContainText('needs the URL printed by `runsheet serve`');
});
