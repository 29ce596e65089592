import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { interruptedRun, NIGHTLY } from '../helpers/crash';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// The overview as the operator's day starts: an interrupted run waiting for Resume
// opens the app on it; due items come one row per runbook; a rehearsal that did
// part of its runbook with a failure does not make it up to date; the history is
// searched by command (kubectl) and by failed runs.
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

const CADENCES = ['Daily', 'Weekly', 'Monthly', 'Quarterly'];
/** A maintenance guide with twelve sections that each have a cadence. */
const GUIDE = [
  '# Platform maintenance',
  '',
  ...CADENCES.flatMap((cadence) =>
    ['Database', 'Cluster', 'Storage'].flatMap((area) => [
      `## ${cadence} ${area} Tasks`,
      '',
      `- [ ] Check the ${area.toLowerCase()} (${cadence.toLowerCase()})`,
      '',
    ]),
  ),
].join('\n');

/** A restore drill: six steps, the third fails. */
const DRILL = [
  '---',
  'cadence: quarterly',
  '---',
  '',
  '# Restore drill',
  '',
  ...['fetch', 'unpack', 'verify', 'restore', 'check', 'report'].flatMap((name) => [
    `\`\`\`bash {name=${name}}`,
    name === 'verify' ? 'echo "checksum mismatch"; exit 2' : `echo "${name} ok"`,
    '```',
    '',
  ]),
].join('\n');

// kubectl is not installed here: the step defines it, so its command line is the real one.
const DEPLOY = [
  '# Deploy the API',
  '',
  '```bash {name=status}',
  'kubectl() { echo "deployment $3: $((1 + 2)) of 3 ready"; }; kubectl get deployment api-gateway',
  '```',
  '',
].join('\n');

const DISK = [
  '# Disk check',
  '',
  '```bash {name=check}',
  'echo "spool 97% full"; exit 3',
  '```',
  '',
].join('\n');

test.beforeAll(async () => {
  dir = tempDir('runsheet-overview-e2e-');
  const ws = join(dir.path, 'ws');
  const data = join(dir.path, 'data');
  mkdirSync(ws);
  writeFiles(ws, {
    'drill.md': DRILL,
    'guide.md': GUIDE,
    'deploy.md': DEPLOY,
    'disk.md': DISK,
    'nightly.md': NIGHTLY,
  });
  const cli = (file: string) => [
    'bin/runsheet.js',
    'run',
    join(ws, file),
    '--data-dir',
    data,
    '--log-dir',
    join(dir.path, 'logs'),
  ];
  const env = { ...process.env, HOME: dir.path };
  // Two runs on record: one that ran kubectl, one whose step failed.
  expect(spawnSync(process.execPath, cli('deploy.md'), { env, encoding: 'utf8' }).status).toBe(0);
  expect(spawnSync(process.execPath, cli('disk.md'), { env, encoding: 'utf8' }).status).not.toBe(0);
  // A headless run killed mid-step, as a crash would: interrupted on record.
  await interruptedRun({
    runbook: join(ws, 'nightly.md'),
    dataDir: data,
    logDir: join(dir.path, 'logs'),
    home: dir.path,
  });
  app = await serveApp({ workspace: ws, dataDir: data });
});

test.afterAll(async () => {
  await app?.stop();
  dir?.cleanup();
});

const shoot = async (page: Page, name: string) => {
  for (const [width, height] of [
    [1024, 700],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.screenshot({ path: `test-results/screenshots/${name}-${width}x${height}.png` });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
};

test('the overview opens first with Resume at the top, due items grouped, the history searchable, a partial rehearsal not counted', async ({
  page,
}) => {
  await page.goto(app.url);
  // Opened on the overview, without a click: the interrupted run first, with Resume.
  const home = page.getByTestId('home');
  await expect(home).toBeVisible({ timeout: 15_000 });
  const attention = page.getByTestId('attention-list');
  await expect(attention.locator('li').first()).toHaveAttribute('data-testid', 'interrupted-run');
  await expect(attention.getByTestId('interrupted-run')).toContainText('Nightly copy');
  await expect(attention.getByTestId('resume-run')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');

  // Due: one row per runbook, its items behind it.
  const guide = page.getByTestId('due-group').filter({ hasText: 'Platform maintenance' });
  await expect(guide).toHaveCount(1);
  await expect(guide.getByTestId('due-counts')).toHaveText('12 items due');
  await expect(page.getByTestId('due-item')).toHaveCount(0);
  // At 1440x900 the history shows without scrolling past the due list.
  await expect(page.getByTestId('history-run').first()).toBeInViewport();
  await shoot(page, 'overview-start');
  await guide.getByTestId('due-group-toggle').click();
  await expect(guide.getByTestId('due-group-toggle')).toHaveAttribute('aria-expanded', 'true');
  await expect(guide.getByTestId('due-item')).toHaveCount(12);
  await expect(guide.getByTestId('due-item').first()).toContainText(
    'Platform maintenance › Daily Database Tasks',
  );
  await guide.getByTestId('due-group-toggle').click();
  await expect(page.getByTestId('due-item')).toHaveCount(0);

  // Search: a command, then failed runs (by the words and by the filter).
  const search = page.getByTestId('history-search');
  const runs = page.getByTestId('history-run');
  await expect(runs).toHaveCount(3);
  await search.fill('kubectl');
  await expect(runs).toHaveCount(1);
  await expect(runs).toContainText('Deploy the API');
  await expect(runs.getByTestId('history-match')).toHaveText(
    /command: .*kubectl get deployment api-gateway/,
  );
  await shoot(page, 'overview-search-kubectl');
  await search.fill('"3 of 3 ready"');
  await expect(runs).toHaveCount(1);
  await expect(runs.getByTestId('history-match')).toContainText('output:');
  await search.fill('status:failed');
  await expect(runs).toHaveCount(1);
  await expect(runs).toContainText('Disk check');
  await search.fill('');
  await page.getByTestId('history-status').selectOption('failed');
  await expect(runs).toHaveCount(1);
  await expect(runs).toContainText('Disk check');
  await page.getByTestId('history-status').selectOption('');
  await expect(runs).toHaveCount(3);

  // A rehearsal of the drill that stops at its failing third step, then finished.
  await page.getByTestId('runbook-list').getByText('Restore drill').click();
  await page.getByTestId('rehearse').click();
  await page.getByTestId('rehearsal-target').fill('dr-site');
  await page.getByTestId('rehearsal-rto').fill('30');
  await page.getByTestId('start-rehearsal').click();
  await expect(page.getByTestId('rehearsal-clock')).toBeVisible();
  await page.getByTestId('step').first().getByTestId('run-from-here').click();
  await expect(page.getByTestId('step').nth(2).getByTestId('step-status')).toHaveAttribute(
    'data-status',
    'failed',
    { timeout: 20_000 },
  );
  await expect(page.getByTestId('step').nth(3).getByTestId('step-status')).toHaveAttribute(
    'data-status',
    'pending',
  );
  await page.getByTestId('finish-run').click();
  // The rehearsal stopped at its failure: Finish lists what was not done.
  await page.getByTestId('finish-anyway').click();
  await expect(page.getByTestId('start-run')).toHaveText('New run');

  await page.getByTestId('home-button').click();
  const drill = page.getByTestId('due-group').filter({ hasText: 'Restore drill' });
  await expect(drill).toHaveAttribute('data-status', 'never');
  await expect(drill).not.toContainText('Up to date');
  await expect(drill.getByTestId('due-partial')).toHaveText(
    /^Last rehearsal .+ did 2 of 6 steps, 1 failed: not counted$/,
  );
  await drill.getByTestId('due-group-toggle').click();
  await expect(drill.getByTestId('due-item')).toHaveAttribute('data-status', 'never');
  await expect(drill.getByTestId('due-item')).toContainText('Restore drill (whole runbook)');
  // Failed runs now include the rehearsal.
  await search.fill('status:failed');
  await expect(runs).toHaveCount(2);
  await expect(runs.first()).toContainText('Restore drill');
  await search.fill('');
  await shoot(page, 'overview-partial');

  // Resume from the top of the overview.
  await attention.getByTestId('resume-run').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nightly copy');
  await expect(page.getByTestId('step').first().getByTestId('step-status')).toHaveAttribute(
    'data-status',
    'interrupted',
  );
  await page.getByTestId('finish-run').click();
  await page.getByTestId('finish-anyway').click();
  await expect(page.getByTestId('start-run')).toHaveText('New run');
});

test('with nothing needing attention the app opens on the first runbook, as before', async ({
  page,
}) => {
  // The interrupted run was resumed and finished above; nothing is overdue or in progress.
  await page.goto(app.url);
  await expect(page.getByTestId('step').first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByTestId('home')).toHaveCount(0);
});

// A weekly runbook whose last complete run ended 30 days ago: overdue. The run is made
// by the CLI under libfaketime (Debian's faketime), so its journal is written and
// hash-chained as any other, only at an earlier time.
test('an overdue runbook opens the app on the overview, with Open beside it', async ({ page }) => {
  const own = tempDir('runsheet-overdue-e2e-');
  const ws = join(own.path, 'ws');
  const data = join(own.path, 'data');
  mkdirSync(ws);
  writeFiles(ws, {
    'rotate.md': [
      '---',
      'cadence: weekly',
      '---',
      '',
      '# Rotate the keys',
      '',
      '```bash {name=rotate}',
      'echo rotated',
      '```',
    ].join('\n'),
    'notes.md': '# Notes\n\n- [ ] Read\n',
  });
  const old = new Date(Date.now() - 30 * 24 * 3600 * 1000).toISOString().slice(0, 19);
  const ran = spawnSync(
    'faketime',
    [
      old.replace('T', ' '),
      process.execPath,
      'bin/runsheet.js',
      'run',
      join(ws, 'rotate.md'),
      '--data-dir',
      data,
      '--log-dir',
      join(own.path, 'logs'),
      '--yes',
    ],
    { env: { ...process.env, HOME: own.path }, encoding: 'utf8' },
  );
  expect(ran.status, ran.stderr).toBe(0);
  const served = await serveApp({ workspace: ws, dataDir: data });
  try {
    await page.goto(served.url);
    const overdue = page.getByTestId('attention-list').getByTestId('overdue-runbook');
    await expect(overdue).toContainText('Rotate the keys', { timeout: 15_000 });
    await expect(overdue).toContainText('1 overdue: the whole runbook');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Overview');
    await expect(
      page.getByTestId('due-group').filter({ hasText: 'Rotate the keys' }),
    ).toHaveAttribute('data-status', 'overdue');
    await shoot(page, 'overview-overdue');
    await overdue.getByRole('button', { name: 'Open' }).click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Rotate the keys');
  } finally {
    await served.stop();
    own.cleanup();
  }
});
