import { existsSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { serveApp, type ServedApp } from '../helpers/serve';
import { tempDir, writeFiles } from '../helpers/temp';
import { terminalText } from '../helpers/walk';

const STEPS = `# Steps

\`\`\`bash
cd "$(mktemp -d)" && export STAGE=one && echo "stage $STAGE"
\`\`\`

\`\`\`bash
export STAGE=two && echo "stage $STAGE in $(basename "$PWD")"
\`\`\`

\`\`\`bash {confirm=true}
echo "confirmed stage after $STAGE"
\`\`\`

\`\`\`bash
echo "see https://example.com/runbook-docs for more"
\`\`\`
`;

let app: ServedApp;
let workspace: ReturnType<typeof tempDir>;

test.beforeAll(async () => {
  workspace = tempDir('runsheet-term-');
  writeFiles(workspace.path, {
    'a-steps.md': STEPS,
    'b-other.md': '# Other\n\n```bash\necho other\n```\n',
  });
  app = await serveApp({ workspace: workspace.path });
});

test.afterAll(async () => {
  await app?.stop();
  workspace?.cleanup();
});

async function xterm(page: Page, expression: string): Promise<unknown> {
  return page.evaluate((expr) => {
    const host = (
      globalThis as unknown as { document: { querySelector(s: string): { xterm: unknown } } }
    ).document.querySelector('[data-testid=terminal]');
    return new Function('term', `return ${expr}`)(host.xterm);
  }, expression);
}

test('run from here: a multi-step run in one shell, with a confirmation on the way', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.locator('[data-runbook-id="a-steps.md"]').click();
  const steps = page.getByTestId('step');
  await steps.nth(0).getByTestId('run-from-here').click();
  // The third step asks first, before anything runs.
  await expect(page.getByTestId('confirm-dialog')).toContainText(
    'echo "confirmed stage after $STAGE"',
  );
  await page.getByTestId('confirm-run').click();
  for (let i = 0; i < 4; i++) {
    await expect(steps.nth(i).getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
      timeout: 20_000,
    });
  }
  await expect(steps.nth(1).getByTestId('step-output')).toHaveText(/stage two in tmp\.\w+/);
  await expect.poll(() => terminalText(page)).toContain('confirmed stage after two');
  await expect(page.getByTestId('run-progress')).toContainText('4 / 4 done');
});

test('terminal: renderer, scrollback setting, search, links and multi-line paste ask first', async ({
  page,
}) => {
  await page.goto(app.url);
  await page.locator('[data-runbook-id="a-steps.md"]').click();
  const last = page.getByTestId('step').nth(3);
  await last.getByTestId('run-step').click();
  await expect(last.getByTestId('step-status')).toHaveAttribute('data-status', 'passed', {
    timeout: 20_000,
  });
  await expect(page.getByTestId('terminal')).toBeVisible();
  expect(['webgl', 'dom']).toContain(
    await page.getByTestId('terminal').getAttribute('data-renderer'),
  );

  await page.locator('.scrollback select').selectOption('50000');
  expect(await xterm(page, 'term.options.scrollback')).toBe(50000);

  await page.getByRole('button', { name: 'Find' }).click();
  await page.getByTestId('terminal-search').fill('for more');
  await page.getByTestId('terminal-search').press('Enter');
  await expect.poll(() => xterm(page, 'term.getSelection()')).toBe('for more');

  // A link printed in the terminal opens only after the same confirmation as runbook links.
  await clickTerminalLine(page, 'see https://example.com');
  await expect(page.getByTestId('link-dialog')).toContainText('https://example.com/runbook-docs');
  await page.getByRole('button', { name: 'Cancel' }).click();
  // So does an OSC 8 hyperlink a program prints (its text is not the URL).
  await page.getByTestId('terminal').click();
  await page.keyboard.type(
    "printf '\\e]8;;https://example.com/osc8\\e\\\\osc8-here\\e]8;;\\e\\\\\\n'",
  );
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page)).toMatch(/^osc8-here/m);
  await clickTerminalLine(page, 'osc8-here', 3);
  await expect(page.getByTestId('link-dialog')).toContainText('https://example.com/osc8');
  await page.getByRole('button', { name: 'Cancel' }).click();
  expect(page.context().pages()).toHaveLength(1);

  await page.getByTestId('terminal').click();
  await pasteText(page, 'echo pasted-one\necho pasted-two\n');
  await expect(page.getByTestId('paste-dialog')).toContainText('Paste 2 lines into the shell?');
  await page.getByTestId('confirm-paste').click();
  await expect.poll(() => terminalText(page)).toContain('pasted-two');

  // One line that ends the bracketed paste early and then presses Ctrl-O (run the line):
  // the markers and control characters are shown as taken out, and nothing runs.
  const probe = `/tmp/runsheet-paste-probe-${process.pid}`;
  await pasteText(page, `touch ${probe}\x1b[201~\x0f`);
  await expect(page.getByTestId('paste-removed')).toContainText(
    '7 control characters were taken out',
  );
  await page.getByTestId('confirm-paste').click();
  await expect.poll(() => terminalText(page)).toContain(`touch ${probe}`);
  await page.waitForTimeout(500);
  expect(existsSync(probe)).toBe(false);
  // Clear the pasted line (it waits at the prompt) for what follows.
  await page.getByTestId('terminal').click();
  await page.keyboard.press('Control+U');

  // A 1.2 MB single line: refused in the UI with a message, the connection and the shell fine.
  await pasteText(page, `echo ${'x'.repeat(1_200_000)}`);
  await expect(page.locator('.banner-error')).toContainText(
    'The paste is 1.1 MB; a terminal takes at most 256 kB at once',
  );
  await expect(page.getByText(/^Disconnected/)).toHaveCount(0);
  // 100 kB fits: it goes in pieces and arrives whole.
  await page.locator('.banner-error').getByRole('button', { name: 'Dismiss' }).click();
  await page.getByTestId('terminal').click();
  await pasteText(page, `echo ${'y'.repeat(100_000)} | wc -c`);
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page), { timeout: 15_000 }).toContain('100001');
});

/** Pastes text into the focused terminal as the browser would (a paste event). */
async function pasteText(page: Page, text: string): Promise<void> {
  await page.evaluate((value) => {
    const doc = (
      globalThis as unknown as {
        document: { querySelector(s: string): { dispatchEvent(e: unknown): void } };
      }
    ).document;
    const g = globalThis as unknown as {
      DataTransfer: new () => { setData(type: string, value: string): void };
      ClipboardEvent: new (type: string, init: unknown) => unknown;
    };
    const data = new g.DataTransfer();
    data.setData('text/plain', value);
    doc
      .querySelector('.xterm-helper-textarea')
      .dispatchEvent(
        new g.ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
  }, text);
}

test("the terminal shows the open runbook's own run, and only that", async ({ page }) => {
  await page.goto(app.url);
  await page.locator('[data-runbook-id="a-steps.md"]').click();
  const start = page.getByTestId('start-run');
  if (await start.isVisible()) await start.click();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  await expect(page.getByTestId('terminal-tab')).toContainText('Steps');
  await page.getByTestId('terminal').click();
  await page.keyboard.press('Control+C');
  await page.keyboard.type('echo mine-$((40+2))');
  await page.keyboard.press('Enter');
  await expect.poll(() => terminalText(page)).toContain('mine-42');

  // Another runbook without a run: no shell of the first run to type into by mistake.
  await page.locator('[data-runbook-id="b-other.md"]').click();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(0);
  await expect(page.getByTestId('terminal')).toHaveCount(0);
  await expect(page.locator('.terminal-idle')).toContainText('Start a run');
  await page.getByTestId('start-run').click();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  await expect(page.getByTestId('terminal-tab')).toContainText('Other');
  await expect.poll(() => terminalText(page)).toMatch(/[$#] ?$/m);
  expect(await terminalText(page)).not.toContain('mine-42');

  // Back to the first runbook: its own shell, with what was typed there.
  await page.locator('[data-runbook-id="a-steps.md"]').click();
  await expect(page.getByTestId('terminal-tab')).toHaveCount(1);
  await expect(page.getByTestId('terminal-tab')).toContainText('Steps');
  await expect.poll(() => terminalText(page)).toContain('mine-42');
  // The Overview shows no shell at all.
  await page.getByTestId('home-button').click();
  await expect(page.getByTestId('terminal')).toHaveCount(0);
});

/** Clicks the terminal on the first line that starts with `prefix`, at column `col`. */
async function clickTerminalLine(page: Page, prefix: string, col = 8): Promise<void> {
  const row = (await terminalText(page)).split('\n').findIndex((l) => l.startsWith(prefix));
  expect(row).toBeGreaterThanOrEqual(0);
  const cell = await page.evaluate(
    ({ r, c }) => {
      const doc = (
        globalThis as unknown as {
          document: {
            querySelector(s: string): {
              getBoundingClientRect(): { left: number; top: number; width: number; height: number };
              xterm: { buffer: { active: { viewportY: number } }; rows: number; cols: number };
            };
          };
        }
      ).document;
      const term = doc.querySelector('[data-testid=terminal]').xterm;
      const box = doc.querySelector('.xterm-screen').getBoundingClientRect();
      const cellH = box.height / term.rows;
      const cellW = box.width / term.cols;
      return {
        x: box.left + cellW * c,
        y: box.top + cellH * (r - term.buffer.active.viewportY) + cellH / 2,
      };
    },
    { r: row, c: col },
  );
  await page.mouse.move(cell.x, cell.y);
  await page.mouse.click(cell.x, cell.y);
}
