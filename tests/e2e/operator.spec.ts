import { mkdirSync } from 'node:fs';
import { test, expect, type Page } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { terminalText } from '../helpers/walk';

// The operator's day, with the keyboard alone: the palette, the panes, the steps, the
// shortcuts; and a layout that holds from 1024×700 up (no page scroll, a one-line
// header, the terminal's tools in sight, a splitter that is remembered, themes).

let app: ServedApp;
test.beforeAll(async () => {
  app = await serveApp();
  mkdirSync('test-results/screenshots', { recursive: true });
});
test.afterAll(async () => app.stop());

const SIZES = [
  { width: 1024, height: 700 },
  { width: 1920, height: 1080 },
];

/** What has the keyboard: a step card (its line), the terminal, or another element. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: unknown } }).document;
    const el = doc.activeElement as {
      tagName: string;
      dataset?: Record<string, string>;
      closest(s: string): unknown;
      getAttribute(n: string): string | null;
    } | null;
    if (!el) return 'nothing';
    if (el.closest('.terminal-host')) return 'terminal';
    if (el.dataset?.navStep) return `step:${el.dataset.line}`;
    return `${el.tagName.toLowerCase()}:${el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? ''}`;
  });
}

/** Runs a palette command by typing part of its title. */
async function palette(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Control+K');
  await expect(page.getByTestId('palette')).toBeVisible();
  await page.keyboard.type(text);
  await expect(page.getByTestId('palette-item').first()).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('palette')).toBeHidden();
}

/** Moves the focus with Tab until `testId` has it (a bounded number of presses). */
async function tabTo(page: Page, testId: string): Promise<void> {
  for (let i = 0; i < 12; i++) {
    if ((await focused(page)).endsWith(`:${testId}`)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`Tab never reached ${testId}; focus is on ${await focused(page)}`);
}

/** The page and its panes have not scrolled sideways or down, whatever has the focus. */
async function pageUnscrolled(page: Page): Promise<void> {
  const offsets = await page.evaluate(() => {
    const doc = (
      globalThis as unknown as {
        document: {
          scrollingElement: { scrollTop: number; scrollLeft: number };
          querySelector(s: string): { scrollTop: number; scrollLeft: number } | null;
        };
      }
    ).document;
    const app = doc.querySelector('.app')!;
    const main = doc.querySelector('.main')!;
    return [
      doc.scrollingElement.scrollTop,
      doc.scrollingElement.scrollLeft,
      app.scrollTop,
      app.scrollLeft,
      main.scrollTop,
      main.scrollLeft,
    ];
  });
  expect(offsets).toEqual([0, 0, 0, 0, 0, 0]);
}

for (const size of SIZES) {
  test(`layout at ${size.width}×${size.height}: one-line header, tools in sight, no page scroll`, async ({
    page,
  }) => {
    await page.setViewportSize(size);
    await page.goto(app.url);
    await expect(page.getByTestId('run-header')).toContainText('Getting started');
    await palette(page, 'start a run');
    await expect(page.getByTestId('terminal-tab')).toHaveCount(1);

    // The header is one line: a small share of the window, whatever the title's length.
    const header = (await page.getByTestId('run-header').boundingBox())!;
    expect(header.height).toBeLessThanOrEqual(64);
    await expect(page.locator('.run-title')).toHaveCSS('white-space', 'nowrap');
    // Its buttons and the terminal's tools and tab are inside the window.
    for (const locator of [
      page.getByTestId('finish-run'),
      page.getByTestId('run-details-toggle'),
      page.getByTestId('terminal-tab'),
      page.locator('.terminal-tools select'),
    ]) {
      const box = (await locator.boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(size.width);
      expect(box.y + box.height).toBeLessThanOrEqual(size.height);
    }
    // Details open on demand and fold again.
    await page.getByTestId('run-details-toggle').press('Enter');
    await expect(page.getByTestId('log-path')).toBeVisible();
    await expect(page.getByTestId('run-fields')).toBeVisible();
    await page.getByTestId('run-details-toggle').press('Enter');
    await expect(page.getByTestId('log-path')).toBeHidden();

    // Tab through the whole window twice: nothing scrolls the page or a pane sideways.
    await page.locator('body').focus();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      await pageUnscrolled(page);
    }
    await page.screenshot({
      path: `test-results/screenshots/layout-${size.width}x${size.height}.png`,
    });
    await palette(page, 'finish the run');
    await page.getByTestId('finish-anyway').press('Enter');
    await expect(page.locator('.run-status')).toHaveText('Finished');
  });
}

test('the splitter resizes the terminal, by mouse and by keys, and is remembered', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(app.url);
  await expect(page.getByTestId('run-header')).toBeVisible();
  const width = async () => (await page.locator('.terminal-panel').boundingBox())!.width;
  const before = await width();
  const bar = (await page.getByTestId('splitter').boundingBox())!;
  await page.mouse.move(bar.x + bar.width / 2, bar.y + 300);
  await page.mouse.down();
  await page.mouse.move(bar.x + bar.width / 2 - 200, bar.y + 300, { steps: 5 });
  await page.mouse.up();
  expect(Math.round((await width()) - before)).toBe(200);
  await page.getByTestId('splitter').focus();
  await page.keyboard.press('ArrowRight');
  expect(Math.round((await width()) - before)).toBe(176);
  // It stops where the checklist would get too narrow.
  await page.keyboard.press('Home');
  const widest = await width();
  expect(await page.locator('.main').evaluate((m) => m.getBoundingClientRect().width)).toBe(380);
  await page.reload();
  await expect(page.getByTestId('run-header')).toBeVisible();
  expect(await width()).toBe(widest);
  await page.getByTestId('splitter').focus();
  await page.keyboard.press('End');
  expect(await width()).toBe(280);
});

test('below 1200 px the runbook list folds to a rail; it opens over the page and closes', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(app.url);
  await expect(page.getByTestId('run-header')).toBeVisible();
  await expect(page.getByTestId('runbook-list')).toHaveCount(0);
  await page.getByTestId('sidebar-toggle').focus();
  await page.keyboard.press('Enter');
  const overlay = page.getByTestId('sidebar-overlay');
  await expect(overlay).toBeVisible();
  // The focus goes into the list; Escape closes it.
  await expect.poll(() => focused(page)).not.toBe('button:sidebar-toggle');
  await page.keyboard.press('Escape');
  await expect(overlay).toHaveCount(0);
  // Picking a runbook closes it too.
  await page.getByTestId('sidebar-toggle').press('Enter');
  await overlay.getByRole('button', { name: /HD-Compute-Toolkit/ }).press('Enter');
  await expect(overlay).toHaveCount(0);
  await expect(page.getByTestId('run-header')).toContainText('HD-Compute-Toolkit');
  await page.screenshot({ path: 'test-results/screenshots/rail-1024x700.png' });
});

test('Getting started walked end to end with the keyboard alone at 1024×700', async ({ page }) => {
  await page.setViewportSize({ width: 1024, height: 700 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(app.url);
  await expect(page.getByTestId('run-header')).toBeVisible();
  await palette(page, 'getting started');
  await expect(page.getByTestId('run-header')).toContainText('Getting started');
  await palette(page, 'start a');
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  const step = (line: number) => page.locator(`[data-nav-step][data-line="${line}"]`);
  const status = (line: number) => step(line).getByTestId('step-status');
  const lines = await page
    .locator('[data-nav-step]')
    .evaluateAll((cards) => cards.map((c) => Number(c.getAttribute('data-line'))));
  expect(lines.length).toBe(12);
  // The checklist is one Tab stop: the keyboard starts on the first step not done.
  await expect.poll(() => focused(page)).toBe(`step:${lines[0]}`);

  // The first step's own controls (its box, Skip…) follow it in the Tab order, then the
  // checklist is left: three stops for a checklist of twelve steps.
  const inChecklist = () =>
    page.evaluate(() =>
      Boolean(
        (
          globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } } }
        ).document.activeElement.closest('.checklist'),
      ),
    );
  let stops = 0;
  while ((await inChecklist()) && stops < 10) {
    await page.keyboard.press('Tab');
    stops++;
  }
  expect(stops).toBe(3);
  // Back with Shift+Tab, to the step itself.
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift+Tab');
  await expect.poll(() => focused(page)).toBe(`step:${lines[0]}`);
  // F6 goes round the panes: terminal, runbooks, checklist (the step it was on).
  await page.keyboard.press('F6');
  expect(await focused(page)).toBe('terminal');
  await page.keyboard.press('F6');
  expect(await focused(page)).toBe('button:sidebar-toggle');
  await page.keyboard.press('F6');
  await expect.poll(() => focused(page)).toBe(`step:${lines[0]}`);

  const next = async (): Promise<void> => {
    await page.keyboard.press('j');
  };
  // 1-2: two items ticked with Space.
  await page.keyboard.press('Space');
  await expect(status(lines[0]!)).toHaveAttribute('data-status', 'checked');
  await next();
  await page.keyboard.press(' ');
  await expect(status(lines[1]!)).toHaveAttribute('data-status', 'checked');
  // 3: a command run with Enter; the focus stays on it.
  await next();
  await page.keyboard.press('Enter');
  await expect(status(lines[2]!)).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
  expect(await focused(page)).toBe(`step:${lines[2]}`);
  // 4: the backup; 5: its check, ticked with Enter.
  await next();
  await page.keyboard.press('Enter');
  await expect(status(lines[3]!)).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
  await next();
  await page.keyboard.press('Enter');
  await expect(status(lines[4]!)).toHaveAttribute('data-status', 'checked');
  // 6: the destructive step asks; confirmed from the keyboard.
  await next();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await tabTo(page, 'confirm-run');
  await page.keyboard.press('Enter');
  await expect(status(lines[5]!)).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
  // 7: the check that fails on purpose.
  await page.keyboard.press('n');
  await expect.poll(() => focused(page)).toBe(`step:${lines[6]}`);
  await page.keyboard.press('Enter');
  await expect(status(lines[6]!)).toHaveAttribute('data-status', 'failed', { timeout: 20_000 });
  // 8-9: the restore and its check.
  await next();
  await page.keyboard.press('Enter');
  await expect(status(lines[7]!)).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
  await next();
  await page.keyboard.press(' ');
  // 10: skipped with a reason, typed.
  await next();
  await page.keyboard.press('s');
  await page.keyboard.type('nothing surprised me');
  await page.keyboard.press('Enter');
  await expect(status(lines[9]!)).toHaveAttribute('data-status', 'skipped');
  await expect.poll(() => focused(page)).toBe(`step:${lines[9]}`);
  // 11-12: clean up (it deletes the scratch folder: it asks too), and the last item.
  await next();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('confirm-dialog')).toBeVisible();
  await tabTo(page, 'confirm-run');
  await page.keyboard.press('Enter');
  await expect(status(lines[10]!)).toHaveAttribute('data-status', 'passed', { timeout: 20_000 });
  await next();
  await page.keyboard.press(' ');
  await expect(page.getByTestId('run-progress')).toContainText('11 / 12 done');

  // Into the terminal and out again: F6, type, Ctrl+Shift+Escape back to the step.
  await page.keyboard.press('F6');
  await expect.poll(() => focused(page)).toBe('terminal');
  await page.keyboard.type('echo kb-$((6*7))');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page)).toContain('kb-42');
  // Tab and Escape belong to the shell; the documented way out does not.
  await page.keyboard.press('Escape');
  await page.keyboard.press('Tab');
  expect(await focused(page)).toBe('terminal');
  await page.keyboard.press('Control+Shift+Escape');
  await expect.poll(() => focused(page)).toBe(`step:${lines[11]}`);
  // The palette reaches the terminal's run too, and works from inside the shell.
  await page.keyboard.press('F6');
  await page.keyboard.press('Control+K');
  await expect(page.getByTestId('palette')).toBeVisible();
  await page.keyboard.press('Escape');

  // ? lists the shortcuts (not while typing in the shell).
  await page.keyboard.press('Shift+F6');
  await page.keyboard.press('?');
  await expect(page.getByTestId('shortcuts')).toContainText('Ctrl+Shift+Escape');
  await page.screenshot({ path: 'test-results/screenshots/keyboard-shortcuts-1024x700.png' });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('shortcuts')).toBeHidden();

  // Finish from the palette: it asks about the failed step; Finish anyway by keys.
  await palette(page, 'finish the run');
  await expect(page.getByTestId('finish-dialog')).toContainText('This check fails on purpose');
  await tabTo(page, 'finish-anyway');
  await page.keyboard.press('Enter');
  await expect(page.locator('.run-status')).toHaveText('Finished');
  await page.screenshot({ path: 'test-results/screenshots/keyboard-walk-1024x700.png' });
  expect(errors).toEqual([]);
});

test('the HD seed walked with the keyboard alone: sections from the palette, ticks and skips', async ({
  page,
}) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1024, height: 700 });
  await page.goto(app.url);
  await expect(page.getByTestId('run-header')).toBeVisible();
  await palette(page, 'HD-Compute');
  await expect(page.getByTestId('run-header')).toContainText('HD-Compute-Toolkit');
  await palette(page, 'start a');
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  // A section from the palette: the keyboard lands on its first step.
  await palette(page, 'section quarterly');
  const inQuarterly = await focused(page);
  expect(inQuarterly).toMatch(/^step:\d+$/);
  await page.keyboard.press('Home');
  const cards = page.locator('[data-nav-step]');
  const total = await cards.count();
  expect(total).toBeGreaterThan(50);
  for (let i = 0; i < total; i++) {
    const card = cards.nth(i);
    await expect.poll(() => focused(page)).toBe(`step:${await card.getAttribute('data-line')}`);
    if ((await card.getAttribute('class'))!.includes('step-check')) await page.keyboard.press(' ');
    else {
      // Commands that need Docker, pip and a registry: skipped here, with the reason.
      await page.keyboard.press('s');
      await page.keyboard.type('rehearsed offline: no registry here');
      await page.keyboard.press('Enter');
    }
    if (i < total - 1) await page.keyboard.press('j');
  }
  await expect(page.getByTestId('run-progress')).toContainText(`${total} / ${total} done`);
  await palette(page, 'finish the run');
  await expect(page.locator('.run-status')).toHaveText('Finished');
  await page.screenshot({ path: 'test-results/screenshots/keyboard-hd-seed-1024x700.png' });
});

test('themes: the system’s by default, light or dark by choice; the terminal follows', async ({
  page,
}) => {
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(app.url);
  await expect(page.getByTestId('run-header')).toBeVisible();
  const html = page.locator('html');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await palette(page, 'start a');
  await expect(page.getByTestId('terminal')).toBeVisible();
  const termBackground = () =>
    page.getByTestId('terminal').evaluate((host) => {
      const term = (host as unknown as { xterm: { options: { theme: { background: string } } } })
        .xterm;
      return term.options.theme.background;
    });
  await expect.poll(termBackground).toBe('#0b0d11');
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect.poll(termBackground).toBe('#fbfbfc');
  await expect(page.locator('body')).toHaveCSS('background-color', 'rgb(255, 255, 255)');
  await page.screenshot({ path: 'test-results/screenshots/theme-light.png' });
  // A choice overrides the system, and is kept.
  await palette(page, 'theme: dark');
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect.poll(termBackground).toBe('#0b0d11');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.screenshot({ path: 'test-results/screenshots/theme-dark.png' });
  await palette(page, 'follow the system');
  await expect(html).toHaveAttribute('data-theme', 'light');
  // The run in progress made the app open on the Overview after the reload.
  await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
  await palette(page, 'getting started');
  await palette(page, 'finish the run');
  await page.getByTestId('finish-anyway').press('Enter');
  await expect(page.locator('.run-status')).toHaveText('Finished');
});
