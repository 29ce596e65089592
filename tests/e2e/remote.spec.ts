import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { startSshd, type TestSshd } from '../helpers/sshd';
import { tempDir, writeFiles } from '../helpers/temp';
import { terminalText } from '../helpers/walk';

// A runbook step on a real OpenSSH server (127.0.0.5:2222), from the browser harness:
// pick the host, trust its key after seeing the fingerprint, run, read the terminal.
let sshd: TestSshd;
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  test.skip(!existsSync('/usr/sbin/sshd'), 'OpenSSH server not installed');
  dir = tempDir('runsheet-remote-e2e-');
  sshd = await startSshd(join(dir.path, 'sshd'), '127.0.0.5', 2222);
  const config = join(dir.path, 'ssh_config');
  writeFileSync(
    config,
    `Host staging-db\n  HostName 127.0.0.5\n  Port 2222\n  User root\n  IdentityFile ${sshd.clientKey}\n`,
  );
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  writeFiles(ws, {
    'db-check.md': '# DB check\n\n```bash\necho "checking on $(hostname) as $(id -un)"\n```\n',
  });
  app = await serveApp({
    workspace: ws,
    sshConfig: config,
    knownHosts: join(dir.path, 'known_hosts'),
  });
});

test.afterAll(async () => {
  await app?.stop();
  await sshd?.stop();
  dir?.cleanup();
});

test('a step on a remote host: pick it, trust its key by fingerprint, run', async ({ page }) => {
  await page.goto(app.url);
  await page.getByTestId('run-target').selectOption('staging-db');
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('host-key-dialog')).toBeVisible({ timeout: 15_000 });
  const fingerprint = (await page.getByTestId('host-key-fingerprint').textContent())!;
  const expected = spawnSync('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')], {
    encoding: 'utf8',
  }).stdout.split(' ')[1];
  expect(fingerprint).toBe(expected);
  await page.screenshot({ path: 'test-results/screenshots/host-key.png' });
  await page.getByTestId('trust-host-key').click();
  const step = page.getByTestId('step').first();
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect.poll(() => terminalText(page)).toMatch(/checking on \S+ as root/);
  expect(readFileSync(join(dir.path, 'known_hosts'), 'utf8')).toContain(
    `[127.0.0.5]:2222 ${sshd.hostKeyLine}`,
  );
  await expect(page.getByTestId('run-header')).toContainText('staging-db');
});
