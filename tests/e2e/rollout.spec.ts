import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { keygen, startSshd, type TestSshd } from '../helpers/sshd';
import { tempDir, writeFiles } from '../helpers/temp';

// Issue 16, point 1, in the browser harness: a fan-out in batches on ten real OpenSSH servers
// (127.0.0.130–139, a port of their own). The plan lists the batches; the step card says
// where the rollout is, waits for the go-ahead (pauseBetween=ask), and stops at the failure
// limit with the hosts left not run.
const SERVERS = Array.from({ length: 10 }, (_, i) => 130 + i);
const PORT = 2242;
let servers: TestSshd[] = [];
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  test.skip(!existsSync('/usr/sbin/sshd'), 'OpenSSH server not installed');
  dir = tempDir('runsheet-rollout-e2e-');
  const key = join(dir.path, 'client');
  keygen(key);
  servers = await Promise.all(
    SERVERS.map((n) => startSshd(join(dir.path, `s${n}`), `127.0.0.${n}`, PORT, key)),
  );
  const config = join(dir.path, 'ssh_config');
  writeFileSync(config, `Host *\n  User root\n  Port ${PORT}\n  IdentityFile ${key}\n`);
  writeFileSync(
    join(dir.path, 'known_hosts'),
    servers.map((s) => `[${s.host}]:${PORT} ${s.hostKeyLine}\n`).join(''),
  );
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  writeFiles(ws, {
    'hosts.yaml': [
      'hosts:',
      ...SERVERS.map((n, i) => `  web-${i + 1}: { hostname: 127.0.0.${n}, groups: [web] }`),
      '',
    ].join('\n'),
    // web-3 and web-4 (batch 2) fail: two failures, more than maxFail=1.
    'patch.md': [
      '# Patch the web fleet',
      '',
      '```bash {name=patch hosts=web batch=1,30%,rest maxFail=1 pauseBetween=ask}',
      'case "$SSH_CONNECTION" in *" 127.0.0.132 "*|*" 127.0.0.133 "*) echo "patch failed"; false;; *) echo patched;; esac',
      '```',
      '',
    ].join('\n'),
    // web-6 runs an older kernel: one outlier among ten.
    'kernels.md':
      '# Kernel check\n\n```bash {hosts=web}\necho "kernel $(case "$SSH_CONNECTION" in *" 127.0.0.135 "*) echo 5.10;; *) echo 6.1;; esac)"; echo "disk ok"\n```\n',
  });
  app = await serveApp({
    workspace: ws,
    sshConfig: config,
    knownHosts: join(dir.path, 'known_hosts'),
  });
});

test.afterAll(async () => {
  await app?.stop();
  await Promise.all(servers.map((s) => s.stop()));
  dir?.cleanup();
});

test('a rollout in batches: the plan lists them, the card waits for the go-ahead and stops at the limit', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('Patch the web fleet').click();
  await page.getByTestId('open-plan').click();
  const dialog = page.getByTestId('plan-dialog');
  const batches = dialog.getByTestId('plan-batch');
  await expect(batches).toHaveCount(3);
  await expect(batches.nth(0)).toHaveText('Batch 1 (1 host): web-1');
  await expect(batches.nth(1)).toHaveText('Batch 2 (3 hosts): web-2, web-3, web-4');
  await expect(batches.nth(2)).toContainText('Batch 3 (6 hosts): web-5, web-6');
  await page.screenshot({ path: 'test-results/screenshots/rollout-plan.png' });
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  await page.getByTestId('start-run').click();
  const step = page.getByTestId('step').first();
  await step.getByTestId('run-step').click();
  // The canary passed; batch 2 waits for the go-ahead.
  const waiting = step.getByTestId('rollout-waiting');
  await expect(waiting).toContainText('Batch 2 of 3 (3 hosts) waits for your go-ahead', {
    timeout: 30_000,
  });
  await expect(step.getByTestId('rollout-where')).toHaveText('batch 2 of 3 · 3 hosts');
  // The run header says it too, while the step runs.
  await expect(page.getByTestId('run-rollout')).toHaveText(
    'batch 2 of 3 · 3 hosts · waits for your go-ahead',
  );
  const states = step.getByTestId('rollout-batch');
  await expect(states.nth(0)).toHaveAttribute('data-state', 'passed');
  await expect(states.nth(1)).toHaveAttribute('data-state', 'waiting');
  await expect(step.getByTestId('host-results').locator('.host-result')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/screenshots/rollout-waiting.png' });

  await step.getByTestId('rollout-proceed').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'failed', {
    timeout: 60_000,
  });
  await expect(step.getByTestId('rollout-stopped')).toHaveText(
    'Stopped: 2 of 10 hosts failed, more than maxFail=1 allows (1); stopped after batch 2 of 3',
  );
  await expect(step.getByTestId('step-detail')).toContainText(
    '10 hosts: 2 passed, 2 failed, 0 unreachable, 6 not run',
  );
  await expect(step.getByTestId('rollout-where')).toHaveText('stopped after batch 2 of 3');
  await expect(page.getByTestId('run-rollout')).toHaveCount(0);
  // Only the hosts that ran have output; the six not run are named by their chips.
  await expect(step.getByTestId('host-output')).toHaveCount(4);
  await expect(states.nth(1)).toHaveAttribute('data-state', 'failed');
  await expect(states.nth(2)).toHaveAttribute('data-state', 'not-run');
  const chips = step.getByTestId('host-results').locator('.host-result');
  await expect(chips.filter({ hasText: '· not-run' })).toHaveCount(6);
  await step.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/rollout-stopped.png' });
});

test('identical outputs read as one group; the outlier as a diff against the majority', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('Kernel check').click();
  await page.getByTestId('start-run').click();
  const step = page.getByTestId('step').first();
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 60_000,
  });
  const groups = step.getByTestId('output-group');
  await expect(groups).toHaveCount(2);
  await expect(groups.nth(0).getByTestId('output-group-title')).toHaveText(
    '9 hosts: same output (the majority)',
  );
  await expect(groups.nth(1).getByTestId('output-group-title')).toHaveText(
    'web-6: differs from the majority',
  );
  const diff = groups.nth(1).getByTestId('output-group-diff');
  await expect(diff.locator('.diff-del')).toHaveText('-kernel 6.1\n');
  await expect(diff.locator('.diff-add')).toHaveText('+kernel 5.10\n');
  await groups.nth(1).scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/output-groups.png' });
});
