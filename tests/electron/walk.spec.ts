import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, test } from '@playwright/test';
import { electronBinary, NO_ELECTRON } from '../helpers/electron';
import { walkGettingStarted } from '../helpers/walk';

const binary = electronBinary();
const SKIP_REASON = `${NO_ELECTRON}; the same walk ran in Chromium against \`serve\``;

test.describe('Electron app', () => {
  test.skip(!binary, SKIP_REASON);

  test('the same walk in the desktop window', async () => {
    const data = mkdtempSync(join(tmpdir(), 'runsheet-electron-'));
    const logDir = join(data, 'logs');
    const app = await electron.launch({
      executablePath: binary!,
      args: ['.'],
      env: { ...process.env, RUNSHEET_LOG_DIR: logDir, RUNSHEET_DATA_DIR: data, HOME: data },
    });
    try {
      const page = await app.firstWindow();
      // The window is locked down: no Node in the renderer.
      test
        .expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require))
        .toBe('undefined');
      // A window.open from the page leaves nothing by itself: the window denies it and the
      // page's link dialog asks, as for every link; javascript: and file: never reach it.
      await page.evaluate(() => {
        (globalThis as unknown as { open(url: string, target: string): unknown }).open(
          'https://example.com/escaped',
          '_blank',
        );
      });
      await test
        .expect(page.getByTestId('link-dialog'))
        .toContainText('https://example.com/escaped');
      test.expect(app.windows()).toHaveLength(1);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await walkGettingStarted(page, logDir);
    } finally {
      await app.close();
    }
  });

  test('a tracker token goes to the OS keychain, or is refused without one', async () => {
    const data = mkdtempSync(join(tmpdir(), 'runsheet-electron-'));
    writeFileSync(join(data, 'check.md'), '# Check\n\n- [ ] one\n');
    writeFileSync(join(data, 'trackers.yaml'), 'github:\n  repo: acme/ops\n');
    const app = await electron.launch({
      executablePath: binary!,
      args: ['.'],
      env: {
        ...process.env,
        RUNSHEET_WORKSPACE: data,
        RUNSHEET_LOG_DIR: join(data, 'logs'),
        HOME: data,
      },
    });
    try {
      const page = await app.firstWindow();
      await page.getByTestId('step').first().getByRole('checkbox').click();
      await page.getByTestId('export-run').click();
      await page.getByTestId('token-github').fill('gh-test-token');
      await page.getByRole('button', { name: 'Save token' }).click();
      // Either the keychain took it (the send button is enabled) or safeStorage has only its
      // plain-text backend and the app refused, saying so.
      await test.expect(page.getByTestId('push-github').or(page.getByRole('alert'))).toBeVisible();
      if (await page.getByRole('alert').isVisible())
        await test.expect(page.getByRole('alert')).toContainText('cannot keep the github token');
      else await test.expect(page.getByTestId('push-github')).toBeEnabled();
      // Whatever was written under the app's folders holds no token in the clear.
      for (const file of readdirSync(data, { recursive: true, encoding: 'utf8' })) {
        const path = join(data, file);
        if (statSync(path).isFile())
          test.expect(readFileSync(path, 'latin1'), path).not.toContain('gh-test-token');
      }
    } finally {
      await app.close();
    }
  });
});
