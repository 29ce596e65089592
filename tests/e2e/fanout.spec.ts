import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { keygen, startSshd, type TestSshd } from '../helpers/sshd';
import { tempDir, writeFiles } from '../helpers/temp';
import { terminalText } from '../helpers/walk';

// One step on a group of hosts from the browser harness: twelve real OpenSSH servers
// (127.0.0.70–81) and one address where nothing listens (127.0.0.82). The step card
// shows the summary and each host's result; each host has a terminal tab.
const SERVERS = Array.from({ length: 12 }, (_, i) => 70 + i);
let servers: TestSshd[] = [];
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  test.skip(!existsSync('/usr/sbin/sshd'), 'OpenSSH server not installed');
  dir = tempDir('runsheet-fanout-e2e-');
  const key = join(dir.path, 'client');
  keygen(key);
  servers = await Promise.all(
    // A clean /root for each server: this machine's root dotfiles (a pyenv init that takes a
    // lock in every new shell) would otherwise decide how long 200 shells take to start.
    SERVERS.map((n) =>
      startSshd(join(dir.path, `s${n}`), `127.0.0.${n}`, 2222, key, { cleanHome: true }),
    ),
  );
  const config = join(dir.path, 'ssh_config');
  writeFileSync(config, `Host *\n  User root\n  Port 2222\n  IdentityFile ${key}\n`);
  writeFileSync(
    join(dir.path, 'known_hosts'),
    servers.map((s) => `[${s.host}]:2222 ${s.hostKeyLine}\n`).join(''),
  );
  const ws = join(dir.path, 'ws');
  mkdirSync(ws);
  writeFiles(ws, {
    'hosts.yaml': [
      'hosts:',
      ...SERVERS.map((n, i) => `  web-${i + 1}: { hostname: 127.0.0.${n}, groups: [web] }`),
      '  web-13: { hostname: 127.0.0.82, groups: [web] }',
      // 200 names over the twelve servers: a fleet as the screen meets it.
      ...Array.from(
        { length: 200 },
        (_, i) =>
          `  node-${i + 1}: { hostname: 127.0.0.${SERVERS[i % SERVERS.length]}, groups: [fleet] }`,
      ),
      '',
    ].join('\n'),
    'patch.md':
      '# Patch the fleet\n\n```bash {hosts=fleet concurrency=50}\nset -- $SSH_CONNECTION; if [ "$3" = 127.0.0.75 ]; then echo "kernel 5.10"; else echo "kernel 6.1"; fi\n```\n',
    'fleet.md':
      '# Fleet check\n\n```bash {hosts=web}\nset -- $SSH_CONNECTION; echo "served by $3"\n```\n',
    'drain.md':
      '# Drain\n\n```bash {hosts=web-1,web-2,web-3,web-4 concurrency=3}\necho "draining"; sleep 60\n```\n',
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

test('one step on a group of 13 hosts: a summary, each host in a chip and a terminal tab', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('Fleet check').click();
  await page.getByTestId('start-run').click();
  const step = page.getByTestId('step').first();
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'failed', {
    timeout: 60_000,
  });
  await expect(step.getByTestId('step-detail')).toContainText(
    '13 hosts: 12 passed, 0 failed, 1 unreachable',
  );
  const chips = step.getByTestId('host-results').locator('.host-result');
  await expect(chips).toHaveCount(13);
  await expect(chips.filter({ hasText: 'web-13 · unreachable' })).toHaveCount(1);
  await expect(chips.filter({ hasText: '· passed' })).toHaveCount(12);
  // The step's output: each host's own, under its name (the unreachable one says why).
  const outputs = step.getByTestId('host-output');
  await expect(outputs).toHaveCount(13);
  await expect(outputs.nth(2)).toContainText('web-3 · passed · exit 0');
  await expect(outputs.nth(2)).toContainText('served by 127.0.0.72');
  await expect(outputs.nth(12)).toContainText('web-13 · unreachable');
  await expect(outputs.nth(12)).toContainText('127.0.0.82');
  // The header's line says one host is not connected; its details count them by state,
  // the connected ones fold away and the failed one stays in sight.
  await expect(page.getByTestId('connections-chip')).toHaveText('1 of 13 hosts not connected');
  await page.getByTestId('connections-chip').click();
  const connections = page.getByTestId('connections');
  await expect(connections.getByTestId('connections-summary')).toHaveText(
    '13 hosts: 12 connected, 1 could not connect',
  );
  await expect(connections.getByTestId('connection').filter({ visible: true })).toHaveCount(1);
  await expect(connections.locator('[data-host="web-13"]')).toHaveAttribute('data-state', 'failed');
  await connections.getByTestId('connections-summary').click();
  const shown = connections.getByTestId('connection').filter({ visible: true });
  await expect(shown).toHaveCount(13);
  // In the order people count: web-2 before web-10.
  const order = await shown.evaluateAll((items) => items.map((i) => i.getAttribute('data-host')));
  expect(order.slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => `web-${i + 1}`));
  await connections.getByTestId('connections-summary').click();
  // Each reachable host ran the step in its own shell, shown in its own tab.
  await page
    .getByTestId('terminal-tab')
    .filter({ hasText: /^web-3$/ })
    .click();
  await expect.poll(() => terminalText(page)).toContain('served by 127.0.0.72');
  // The run's own shell, then a tab per host in the same order (the unreachable one ended).
  expect(await page.getByTestId('terminal-tab').allTextContents()).toEqual([
    'Fleet check',
    ...Array.from({ length: 12 }, (_, i) => `web-${i + 1}`),
    'web-13disconnected',
  ]);
  await page.screenshot({ path: 'test-results/screenshots/fan-out.png' });
});

test('Cancel stops a step on every host of a group, and the hosts it had not reached are not run', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('Drain').click();
  await page.getByTestId('start-run').click();
  const step = page.getByTestId('step').first();
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'running');
  // Three hosts at once (concurrency=3): connected and running; the fourth waits its turn.
  await expect(
    page.getByTestId('connections').locator('[data-testid=connection][data-state=ready]'),
  ).toHaveCount(3, { timeout: 15_000 });
  await page.waitForTimeout(1000);
  await step.getByTestId('cancel-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'cancelled', {
    timeout: 15_000,
  });
  await expect(step.getByTestId('step-detail')).toContainText(
    '4 hosts: 0 passed, 0 failed, 0 unreachable, 4 cancelled',
  );
  const chips = step.getByTestId('host-results').locator('.host-result');
  await expect(chips).toHaveCount(4);
  await expect(chips.filter({ hasText: 'web-4 · cancelled' })).toHaveCount(1);
  await page.screenshot({ path: 'test-results/screenshots/fan-out-cancelled.png' });
});

test('one step on 200 hosts: the card, the groups and the tabs stay usable', async ({ page }) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('Patch the fleet').click();
  await page.getByTestId('start-run').click();
  const step = page.getByTestId('step').first();
  await step.getByTestId('run-step').click();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 120_000,
  });
  await expect(step.getByTestId('step-detail')).toContainText('200 hosts: 200 passed');
  await expect(step.getByTestId('host-results').locator('.host-result')).toHaveCount(200);
  // 17 hosts (every twelfth, on 127.0.0.75) print another kernel: one group, diffed.
  await expect(step).toContainText('183 hosts: same output (the majority)');
  await expect(step).toContainText('17 hosts: differs from the majority');
  // The page still answers at once: a host's tab opens its shell.
  const started = Date.now();
  await page
    .getByTestId('terminal-tab')
    .filter({ hasText: /^node-6$/ })
    .click();
  await expect.poll(() => terminalText(page)).toContain('kernel 5.10');
  console.log(`200 hosts: a host's tab showed its shell in ${Date.now() - started} ms`);
  await page.screenshot({ path: 'test-results/screenshots/fan-out-200.png' });
  await step.getByTestId('host-results').scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/screenshots/fan-out-200-card.png', fullPage: false });
});
