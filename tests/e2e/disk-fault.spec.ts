import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// A full disk as the user meets it: the run stops with the reason on screen, the
// window stays connected, and "Try again now" carries on once there is space.
let app: ServedApp | null = null;
let dir: ReturnType<typeof tempDir>;
let data = '';
let mounted = false;

test.beforeAll(async () => {
  dir = tempDir('runsheet-disk-e2e-');
  const ws = join(dir.path, 'ws');
  data = join(dir.path, 'data');
  mkdirSync(ws);
  mkdirSync(data);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', data], { stdio: 'pipe' });
    mounted = true;
  } catch {
    return;
  }
  writeFiles(ws, {
    'backup.md': [
      '# Nightly backup',
      '',
      '- [ ] Copy the dump',
      '',
      '  ```bash',
      "  for i in $(seq 1 400); do head -c 20000 /dev/zero | tr '\\0' x; echo; sleep 0.01; done; sleep 20",
      '  ```',
      '',
      '- [ ] Check the copy',
      '',
      '  ```bash',
      '  echo copy verified',
      '  ```',
      '',
    ].join('\n'),
  });
  app = await serveApp({ workspace: ws, dataDir: data });
});

test.afterAll(async () => {
  await app?.stop();
  if (mounted) execFileSync('umount', ['-l', data]);
  dir?.cleanup();
});

test('a full disk stops the run with the reason on screen, and it goes on once there is space', async ({
  page,
}) => {
  test.skip(!mounted, 'mounting a tmpfs needs root: the disk-fault walk is skipped');
  await page.goto(app!.url);
  await page.getByTestId('runbook-list').getByText('Nightly backup').click();
  await page.getByTestId('start-run').click();
  const first = page.getByTestId('step').first();
  await first.getByTestId('run-step').click();
  const fault = page.getByTestId('storage-fault');
  await expect(fault).toContainText('The run stopped: it cannot write.', { timeout: 20_000 });
  await expect(fault).toContainText('no space left on the device (ENOSPC) writing');
  await expect(first.getByTestId('step-status')).toHaveAttribute(
    'data-status',
    /failed|cancelled/,
    {
      timeout: 10_000,
    },
  );
  await page.screenshot({ path: 'test-results/screenshots/disk-full.png' });
  // Still connected: the window answers, and a tick waits in memory.
  await expect(page.getByText('Disconnected')).toHaveCount(0);
  execFileSync('mount', ['-o', 'remount,size=64m', data]);
  await page.getByTestId('retry-writes').click();
  await expect(fault).toHaveCount(0);
  const second = page.getByTestId('step').nth(1);
  await second.getByTestId('run-step').click();
  await expect(second.getByTestId('step-output')).toContainText('copy verified');
  await page.screenshot({ path: 'test-results/screenshots/disk-full-resumed.png' });
});
