import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron, test } from '@playwright/test';
import { walkGettingStarted } from '../helpers/walk';

/**
 * The Electron binary when it is installed. Read from the package's path.txt
 * rather than require('electron'), which would try to download it.
 */
function electronBinary(): string | null {
  const pkg = join(process.cwd(), 'node_modules', 'electron');
  const pathFile = join(pkg, 'path.txt');
  if (!existsSync(pathFile)) return null;
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist');
  const binary = join(dist, readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const SKIP_REASON =
  'the Electron runtime binary is not installed (its download host is unreachable on this machine); the same walk ran in Chromium against `serve`';

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
      await walkGettingStarted(page, logDir);
    } finally {
      await app.close();
    }
  });
});
