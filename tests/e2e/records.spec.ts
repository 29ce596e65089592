import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { interruptedRun, NIGHTLY } from '../helpers/crash';
import { expectReportAddsUp } from '../helpers/log';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';

// Records in the browser harness: a run the app was killed in the middle of (resumed),
// log details, a DR rehearsal, the overview's due list and history, a past run read-only.
let app: ServedApp;
let dir: ReturnType<typeof tempDir>;

const CARE = [
  '---',
  'title: Platform care',
  '---',
  '',
  '# Platform care',
  '',
  '## Daily Checks',
  '',
  '- [ ] Dashboards green',
  '',
  '## Weekly Review',
  '',
  '```bash {name=collect}',
  'sleep 0.2; echo "error budget: 71% left"; echo "ci token 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"',
  '```',
  '',
].join('\n');

test.beforeAll(async () => {
  dir = tempDir('runsheet-records-e2e-');
  const ws = join(dir.path, 'ws');
  const data = join(dir.path, 'data');
  mkdirSync(ws);
  writeFiles(ws, {
    'care.md': CARE,
    'nightly.md': NIGHTLY,
  });
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

test('an interrupted run shows on the overview and resumes with its step marked interrupted', async ({
  page,
}) => {
  await page.goto(app.url);
  await expect(page.getByTestId('attention')).toHaveText('1');
  await page.getByTestId('home-button').click();
  const interrupted = page.getByTestId('interrupted-run');
  // The recovery pass runs at start; on a loaded machine it can take a few seconds.
  await expect(interrupted).toContainText('Nightly copy', { timeout: 15_000 });
  await page.screenshot({ path: 'test-results/screenshots/overview-interrupted.png' });
  await interrupted.getByTestId('resume-run').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nightly copy');
  const step = page.getByTestId('step').first();
  await expect(step.getByTestId('step-status')).toHaveAttribute('data-status', 'interrupted');
  await expect(step.getByTestId('step-output')).toContainText('copied');
  await page.getByTestId('finish-run').click();
  await page.getByTestId('finish-anyway').click();
  await expect(page.getByTestId('start-run')).toHaveText('New run');
});

test('log details, a DR rehearsal, due dates, history and a past run read-only', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.getByTestId('runbook-list').getByText('Platform care').click();
  // A normal run: tick the daily item, run the collection, write Issues and Next actions, finish.
  await page.getByTestId('step').first().getByRole('checkbox').click();
  await expect(page.getByTestId('step').first().getByRole('checkbox')).toBeChecked();
  await page.getByTestId('step').nth(1).getByTestId('run-step').click();
  await expect(page.getByTestId('step').nth(1).getByTestId('step-status')).toHaveAttribute(
    'data-status',
    'passed',
    { timeout: 20_000 },
  );
  await page.getByTestId('run-details-toggle').click();
  await page.getByTestId('field-issues').fill('Grafana alert noise on node-3');
  await page.getByTestId('field-nextActions').fill('Tune the alert threshold');
  await page.getByTestId('field-issues').focus();
  // Every step is done: Finish does not ask.
  await page.getByTestId('finish-run').click();
  await expect(page.getByTestId('start-run')).toHaveText('New run');
  // The fields go through the redactor and may be recorded just after the finish ("during and
  // after the run"); the log is written again when they are.
  const logPath = (await page.getByTestId('log-path').locator('code').textContent())!;
  await expect
    .poll(() => readFileSync(logPath, 'utf8'))
    .toContain('Issues: Grafana alert noise on node-3');
  expect(readFileSync(logPath, 'utf8')).toContain('Next Actions: Tune the alert threshold');

  // A rehearsal: timed against its RTO.
  await page.getByTestId('rehearse').click();
  await page.getByTestId('rehearsal-target').fill('dr-site');
  await page.getByTestId('rehearsal-rto').fill('30');
  await page.getByTestId('start-rehearsal').click();
  await expect(page.getByTestId('rehearsal-clock')).toContainText('of 30 min 0 s RTO');
  await page.getByTestId('step').first().getByRole('checkbox').click();
  await expect(page.getByTestId('step').first().getByRole('checkbox')).toBeChecked();
  const collect = page.getByTestId('step').nth(1);
  await collect.getByTestId('run-step').click();
  await expect(collect.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  // Where the time goes: the steps, and the time between them, on the line and under it.
  const DURATION = String.raw`(< )?\d[\d.]* (s|min)( \d[\d.]* s)?`;
  const split = new RegExp(`^${DURATION} · steps ${DURATION} · between ${DURATION}$`);
  await expect(page.getByTestId('rehearsal-split')).toHaveText(
    new RegExp(`^steps ${DURATION} · between ${DURATION}$`),
  );
  await expect(page.getByTestId('run-time')).toHaveText(split);
  await expect(page.getByTestId('run-time')).toHaveAttribute('title', /Between steps: the rest/);
  await page.screenshot({ path: 'test-results/screenshots/rehearsal.png' });
  for (const size of [
    { width: 1920, height: 1080 },
    { width: 1024, height: 700 },
  ]) {
    await page.setViewportSize(size);
    // The run's line stays one line (the layout settles after the resize: the rail may fold).
    await expect
      .poll(async () => (await page.locator('.run-bar').boundingBox())!.height, {
        message: 'the run line is one line',
      })
      .toBeLessThanOrEqual(40);
    // Details (open since the fields were typed in the first run) has the split whatever the width.
    await expect(page.getByTestId('run-details-toggle')).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByTestId('run-time-details')).toHaveText(split);
    await expect(page.getByTestId('run-time-details')).toBeVisible();
    await page.screenshot({
      path: `test-results/screenshots/rehearsal-split-${size.width}x${size.height}.png`,
    });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.getByTestId('finish-run').click();
  const rehearsalLog = (await page.getByTestId('log-path').locator('code').textContent())!;
  const report = readFileSync(rehearsalLog.replace(/\.md$/, '-rehearsal.md'), 'utf8');
  expect(report).toContain('Target: dr-site');
  expect(report).toMatch(/— within the RTO/);
  // The report accounts for the whole rehearsal: its rows add up to its total, as printed.
  expect(Object.keys(expectReportAddsUp(report))).toEqual([
    'Dashboards green',
    'collect',
    'Between steps',
    'Total',
  ]);

  // Export: what leaves is shown first, with what was redacted; copy it, save it.
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.getByTestId('export-run').click();
  const exportDialog = page.getByTestId('export-dialog');
  await expect(exportDialog.getByTestId('export-redactions')).toHaveText(
    'Redacted before export: 2 × github',
  );
  await expect(exportDialog.getByTestId('export-preview')).toContainText(
    'ci token [REDACTED: github]',
  );
  await exportDialog.getByTestId('export-format').selectOption('jira');
  await expect(exportDialog.getByTestId('export-preview')).toContainText(
    'h1. Maintenance log: Platform care',
  );
  await page.screenshot({ path: 'test-results/screenshots/export.png' });
  await exportDialog.getByTestId('copy-export').click();
  await expect(exportDialog.getByTestId('export-notice')).toHaveText('Copied to the clipboard');
  const copied = await page.evaluate<string>('navigator.clipboard.readText()');
  expect(copied).toContain('h1. Maintenance log: Platform care');
  expect(copied).not.toContain('ghp_');
  await exportDialog.getByTestId('save-export').click();
  await expect(exportDialog.getByTestId('export-notice')).toContainText('Saved to ');
  const saved = (await exportDialog.getByTestId('export-notice').textContent())!.replace(
    'Saved to ',
    '',
  );
  expect(readFileSync(saved, 'utf8')).toBe(copied);
  await exportDialog.getByRole('button', { name: 'Close' }).click();

  // The overview: nothing in Platform care is due now; history lists both runs.
  await page.getByTestId('home-button').click();
  await page
    .getByTestId('due-group')
    .filter({ hasText: 'Platform care' })
    .getByTestId('due-group-toggle')
    .click();
  const due = page.getByTestId('due-item');
  await expect(due.filter({ hasText: 'Platform care › Daily Checks' })).toHaveAttribute(
    'data-status',
    'ok',
  );
  await expect(due.filter({ hasText: 'Platform care › Weekly Review' })).toHaveAttribute(
    'data-status',
    'ok',
  );
  await expect(page.getByTestId('history-run')).toHaveCount(3);
  await page.getByTestId('history-search').fill('grafana');
  await expect(page.getByTestId('history-run')).toHaveCount(1);
  await page.screenshot({ path: 'test-results/screenshots/overview.png' });
  await page.getByTestId('history-search').fill('');
  await expect(page.getByTestId('history-run')).toHaveCount(3);

  // The rehearsal, read-only, its durations beside the other run's.
  await page
    .getByTestId('history-run')
    .filter({ hasText: 'DR rehearsal' })
    .getByRole('button')
    .click();
  await expect(page.getByTestId('run-view')).toContainText('DR rehearsal on dr-site');
  await expect(page.getByTestId('step').first().getByRole('checkbox')).toBeDisabled();
  await expect(page.getByTestId('run-view').getByTestId('run-time')).toHaveText(
    /· steps .+ · between /,
  );
  await page
    .getByTestId('compare-with')
    .selectOption({ label: (await optionFor(page, 'finished')) ?? '' });
  const rows = page.getByTestId('compare-table').getByTestId('compare-row');
  // The same 0.2 s step in both runs: a few milliseconds apart is noise, not a red percentage.
  const collectRow = rows.filter({ hasText: 'collect' });
  await expect(collectRow.locator('td').nth(3)).toHaveText('≈');
  await expect(collectRow.locator('td').nth(3)).toHaveAttribute('data-kind', 'same');
  await expect(rows.locator('td:first-child')).toHaveText([
    'collect',
    'Step time',
    'Between steps',
    'Total',
  ]);
  await page.screenshot({ path: 'test-results/screenshots/run-view.png' });
});

test('a past run whose runbook was edited since says so, shows the change, and exports as it ran', async ({
  page,
}) => {
  writeFileSync(
    join(dir.path, 'ws', 'care.md'),
    CARE.replace('error budget: 71% left', 'error budget: 64% left'),
  );
  await page.goto(app.url);
  await page.getByTestId('home-button').click();
  await page
    .getByTestId('history-run')
    .filter({ hasText: 'DR rehearsal' })
    .getByRole('button')
    .click();
  const note = page.getByTestId('runbook-change');
  await expect(note).toHaveAttribute('data-status', 'edited');
  await expect(note).toContainText('The runbook was edited since this run');
  await note.getByText('What changed').click();
  const diff = note.getByTestId('runbook-diff');
  await expect(diff).toContainText('-sleep 0.2; echo "error budget: 71% left"');
  await expect(diff).toContainText('+sleep 0.2; echo "error budget: 64% left"');
  // Shown as the log has it: the token in the runbook's text is redacted here too.
  await expect(diff).toContainText('ci token [REDACTED: github]');
  await expect(page.getByTestId('run-view')).not.toContainText('ghp_');
  await expect(page.getByTestId('step').nth(1)).not.toContainText('ghp_');
  // The steps are the ones it ran, as it ran them.
  await expect(page.getByTestId('step').nth(1)).toContainText('71% left');
  await page.screenshot({ path: 'test-results/screenshots/runbook-changed.png' });
  await page.getByTestId('export-run').click();
  const preview = page.getByTestId('export-dialog').getByTestId('export-preview');
  await expect(preview).toContainText('error budget: 71% left');
  await expect(preview).not.toContainText('64% left');
});

/** The label of the first other run of a given status the comparison offers. */
async function optionFor(page: Page, status: string): Promise<string | undefined> {
  const labels = await page.getByTestId('compare-with').locator('option').allTextContents();
  return labels.find((l) => l.includes(` · ${status} · `));
}
