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
/** Asks for a one-time code (PAM keyboard-interactive) after the key: 127.0.0.9. */
let otp: TestSshd;
const CODE = '492817';
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  test.skip(!existsSync('/usr/sbin/sshd'), 'OpenSSH server not installed');
  dir = tempDir('runsheet-remote-e2e-');
  sshd = await startSshd(join(dir.path, 'sshd'), '127.0.0.5', 2222);
  otp = await startSshd(join(dir.path, 'otp'), '127.0.0.9', 2222, sshd.clientKey, {
    pamPassword: CODE,
    methods: 'publickey,keyboard-interactive',
  });
  const config = join(dir.path, 'ssh_config');
  writeFileSync(
    config,
    `Host staging-db\n  HostName 127.0.0.5\n  Port 2222\n  User root\n  IdentityFile ${sshd.clientKey}\n` +
      `Host bastion-otp\n  HostName 127.0.0.9\n  Port 2222\n  User root\n  IdentityFile ${sshd.clientKey}\n`,
  );
  writeFileSync(join(dir.path, 'known_hosts'), `[127.0.0.9]:2222 ${otp.hostKeyLine}\n`);
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  writeFiles(ws, {
    'db-check.md': '# DB check\n\n```bash\necho "checking on $(hostname) as $(id -un)"\n```\n',
    'local-then-remote.md':
      '# Local then remote\n\n```bash\necho "local step"\n```\n\n```bash\necho "moved: ${SSH_CONNECTION%% *}"\n```\n',
    'otp-check.md': '# OTP check\n\n```bash\necho "through the second factor as $(id -un)"\n```\n',
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
  await otp?.stop();
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
  // The host's connection is shown (the line counts it; details list it), and can be
  // reopened on demand.
  await expect(page.getByTestId('connections-chip')).toHaveText('1 host');
  await page.getByTestId('run-details-toggle').click();
  const chip = page.getByTestId('connection');
  await expect(chip).toHaveAttribute('data-state', 'ready');
  await expect(chip).toContainText('staging-db');
  const before = sshd.log().match(/Accepted publickey/g)?.length ?? 0;
  await chip.getByTestId('reconnect').click();
  await expect(chip).toHaveAttribute('data-state', 'ready', { timeout: 15_000 });
  await expect.poll(() => sshd.log().match(/Accepted publickey/g)?.length).toBe(before + 1);
  await page.screenshot({ path: 'test-results/screenshots/connections.png' });
});

test('a host that asks for a one-time code after the key: the prompt is shown, answered, and never echoed', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('OTP check').click();
  await page.getByTestId('run-target').selectOption('bastion-otp');
  await page.getByTestId('start-run').click();
  const dialog = page.getByTestId('auth-prompt-dialog');
  await expect(dialog).toBeVisible({ timeout: 15_000 });
  await expect(dialog).toContainText('bastion-otp asks you to sign in');
  await expect(dialog).toContainText('[127.0.0.9]:2222');
  const field = dialog.getByTestId('auth-answer-0');
  await expect(field).toHaveAttribute('type', 'password');
  await field.fill(CODE);
  await page.screenshot({ path: 'test-results/screenshots/otp-prompt.png' });
  await dialog.getByRole('button', { name: 'Sign in' }).click();
  await expect(dialog).toBeHidden();
  const step = page.getByTestId('step').first();
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect.poll(() => terminalText(page)).toContain('through the second factor as root');
  expect(otp.log()).toContain('Accepted keyboard-interactive/pam for root');
  expect(await page.content()).not.toContain(CODE);
});

test('one step of a local run moved to a remote host from its card', async ({ page }) => {
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('Local then remote').click();
  await page.getByTestId('start-run').click();
  const second = page.getByTestId('step').nth(1);
  await second.getByTestId('step-target').selectOption('staging-db');
  await expect(second.getByTestId('step-target')).toHaveValue('staging-db');
  await second.getByTestId('run-step').click();
  await expect(second.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await page.getByTestId('terminal-tab').filter({ hasText: 'staging-db' }).click();
  await expect.poll(() => terminalText(page)).toContain('moved: 127.0.0.1');
  await expect(page.getByTestId('connection')).toHaveAttribute('data-host', 'staging-db');
  await page.screenshot({ path: 'test-results/screenshots/step-target.png' });
});
