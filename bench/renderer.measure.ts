// The real renderer measured (issue 17, point 3): a 50 MB flood step run in the app in
// Debian's Chromium (the browser harness: `runsheet serve`, the real renderer bundle, its
// xterm.js with the renderer the app picked), timed from the first output on screen to the
// flood's last line on screen, against, in the same run and browser:
//  - xterm.js on its own: a bare page with xterm.js (and its WebGL renderer when the app used
//    it), the same size and font, written the same kind of output (base64 lines) in 64 KiB
//    pieces until the last write is parsed;
//  - the PTY with no screen: the same step headless (`runsheet run`), its recorded duration.
// Target: the app's rate >= 50 % of xterm.js's own. Also recorded: how much of the output the
// app's screen drew (the core skips a screen that falls behind to the latest output; the
// journal still has every byte).
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright';
import { expect, test } from 'vitest';
import { CHROMIUM } from '../playwright.config';
import { serveApp } from '../tests/helpers/serve';
import { tempDir, writeFiles } from '../tests/helpers/temp';
import { headlessStepDuration } from '../tests/helpers/timings';
import { median, record } from './results';

const require = createRequire(import.meta.url);
const ROUNDS = 5;
/** 37.5 MB of random bytes is 50 MB of base64 (76-character lines). */
const RANDOM_BYTES = 37_500_000;
const FLOOD_MB = (RANDOM_BYTES * 4) / 3 / 1e6;
const MARK = 'FLOOD-DONE';
const RUNBOOK = `# Flood\n\n\`\`\`bash\nhead -c ${RANDOM_BYTES} /dev/urandom | base64; echo ${MARK}\n\`\`\`\n`;
const VIEWPORT = { width: 1440, height: 900 };
const LAUNCH = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--no-first-run',
];

interface Drawn {
  ms: number;
  chars: number;
  renderer: string;
  cols: number;
  rows: number;
}

/** The app: run the flood step and time its output through the app's own xterm.js. */
async function inTheApp(browser: Browser, workspace: string): Promise<Drawn> {
  const app = await serveApp({ workspace });
  const page = await browser.newPage({ viewport: VIEWPORT });
  try {
    await page.goto(app.url);
    await page.getByTestId('start-run').click();
    await page.locator('[data-testid=terminal]').waitFor();
    await page.waitForTimeout(500);
    // Count what reaches the app's terminal and watch for the last line, from inside the page.
    await page.evaluate((mark) => {
      type Term = {
        write(data: string, callback?: () => void): void;
        rows: number;
        cols: number;
        buffer: {
          active: {
            baseY: number;
            cursorY: number;
            getLine(y: number): { translateToString(trim: boolean): string } | undefined;
          };
        };
      };
      // Typed by hand: this file is checked against Node's types, not the DOM's.
      const page = globalThis as unknown as {
        document: {
          querySelector(s: string): { xterm: Term; dataset: Record<string, string> };
        };
        flood: Promise<Drawn>;
      };
      const host = page.document.querySelector('[data-testid=terminal]');
      const term = host.xterm;
      const w = page;
      w.flood = new Promise<Drawn>((resolve) => {
        let chars = 0;
        let first = 0;
        const write = term.write.bind(term);
        term.write = (data: string, callback?: () => void) => {
          if (first === 0) first = performance.now();
          chars += data.length;
          write(data, () => {
            callback?.();
            const b = term.buffer.active;
            for (let y = b.baseY + b.cursorY; y >= Math.max(0, b.baseY + b.cursorY - 2); y--)
              if (b.getLine(y)?.translateToString(true) === mark) {
                resolve({
                  ms: performance.now() - first,
                  chars,
                  renderer: host.dataset.renderer ?? 'unknown',
                  cols: term.cols,
                  rows: term.rows,
                });
                return;
              }
          });
        };
      });
    }, MARK);
    await page.getByTestId('run-step').click();
    const drawn = await page.evaluate(
      () => (globalThis as unknown as { flood: Promise<Drawn> }).flood,
    );
    await page
      .locator('[data-testid=step-status][data-status=passed]')
      .waitFor({ timeout: 120_000 });
    return drawn;
  } finally {
    await page.close();
    await app.stop();
  }
}

/** xterm.js alone in a bare page: the same size, font and renderer, the same kind of output. */
async function xtermAlone(page: Page, like: Drawn): Promise<number> {
  return page.evaluate(
    async ({ cols, rows, webgl, randomBytes }) => {
      type Element = object;
      const g = globalThis as unknown as {
        document: {
          createElement(tag: string): Element;
          body: { replaceChildren(e: Element): void };
        };
        btoa(s: string): string;
        crypto: { getRandomValues(a: Uint8Array): void };
        Terminal: new (options: object) => {
          open(el: Element): void;
          write(data: string, callback?: () => void): void;
          loadAddon(addon: object): void;
          dispose(): void;
        };
        WebglAddon?: { WebglAddon: new () => object };
      };
      const el = g.document.createElement('div');
      g.document.body.replaceChildren(el);
      const term = new g.Terminal({
        cols,
        rows,
        scrollback: 10_000,
        fontFamily: '"JetBrains Mono", "SF Mono", Menlo, "DejaVu Sans Mono", monospace',
        fontSize: 13,
        lineHeight: 1.15,
      });
      term.open(el);
      if (webgl && g.WebglAddon) term.loadAddon(new g.WebglAddon.WebglAddon());
      // The output prepared first: base64 lines of 76 characters, as `base64` prints them
      // (the PTY turns \n into \r\n).
      const pieces: string[] = [];
      const random = new Uint8Array(57 * 1000);
      let left = randomBytes;
      while (left > 0) {
        g.crypto.getRandomValues(random);
        let text = '';
        for (let i = 0; i < random.length && left > 0; i += 57, left -= 57) {
          let line = '';
          for (let j = i; j < i + 57; j++) line += String.fromCharCode(random[j]!);
          text += `${g.btoa(line)}\r\n`;
        }
        pieces.push(text);
      }
      pieces.push('FLOOD-DONE\r\n');
      // Flow control as xterm.js's documentation has it (it drops writes past 50 MB
      // pending): a few pieces in flight, the next one written as an earlier one is parsed.
      const start = performance.now();
      let inFlight = 0;
      let wake: (() => void) | null = null;
      for (const piece of pieces) {
        if (inFlight >= 8) await new Promise<void>((r) => (wake = r));
        inFlight++;
        term.write(piece, () => {
          inFlight--;
          const w = wake;
          wake = null;
          w?.();
        });
      }
      while (inFlight > 0) await new Promise<void>((r) => (wake = r));
      const ms = performance.now() - start;
      term.dispose();
      return ms;
    },
    {
      cols: like.cols,
      rows: like.rows,
      webgl: like.renderer === 'webgl',
      randomBytes: RANDOM_BYTES,
    },
  );
}

test('a 50 MB flood drawn by the app in Chromium, against xterm.js alone and the PTY headless', async () => {
  const dir = tempDir('runsheet-renderer-bench-');
  writeFiles(dir.path, { 'flood.md': RUNBOOK });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH });
  const bare = await browser.newPage({ viewport: VIEWPORT });
  await bare.addStyleTag({ path: require.resolve('@xterm/xterm/css/xterm.css') });
  await bare.addScriptTag({ path: require.resolve('@xterm/xterm/lib/xterm.js') });
  await bare.addScriptTag({ path: require.resolve('@xterm/addon-webgl/lib/addon-webgl.js') });
  const app: Drawn[] = [];
  const alone: number[] = [];
  const headless: number[] = [];
  try {
    for (let i = 0; i < ROUNDS; i++) {
      const drawn = await inTheApp(browser, dir.path);
      app.push(drawn);
      alone.push(await xtermAlone(bare, drawn));
      headless.push(await headlessStepDuration(join(dir.path, 'flood.md')));
    }
  } finally {
    await browser.close();
    dir.cleanup();
  }
  const rate = (ms: number) => FLOOD_MB / (ms / 1000);
  const appRates = app.map((d) => rate(d.ms));
  const drawnShare = app.map((d) => d.chars / (FLOOD_MB * 1e6 * (78 / 76)));
  const first = app[0]!;
  expect(first.chars).toBeGreaterThan(0);
  const method = `${FLOOD_MB.toFixed(0)} MB of base64 lines, ${first.cols}x${first.rows}, ${first.renderer} renderer, median of ${ROUNDS} alternating rounds`;
  record({
    figure: 'renderer: 50 MB flood through the app in Chromium',
    value: median(appRates),
    unit: 'MB/s',
    baseline: { name: 'xterm.js alone', value: rate(median(alone)), unit: 'MB/s' },
    target: { op: '>=', value: 0.5, on: 'ratio' },
    method: `${method}; first output to the last line on the app's screen`,
    samples: appRates,
  });
  record({
    figure: 'renderer: 50 MB flood through the app vs the PTY with no screen',
    value: median(appRates),
    unit: 'MB/s',
    baseline: { name: 'headless step (runsheet run)', value: rate(median(headless)), unit: 'MB/s' },
    target: null,
    method,
    samples: appRates,
  });
  record({
    figure: "renderer: share of the flood the app's screen drew",
    value: median(drawnShare),
    unit: 'fraction',
    baseline: null,
    target: null,
    method: `${method}; characters written to the app's xterm.js over the output's size (the rest skipped to the latest screen)`,
    samples: drawnShare,
  });
}, 900_000);
