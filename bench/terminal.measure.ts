// Terminal throughput, measured side by side in one run (issue 4):
//  1. PTY -> renderer with capture on (the core: OSC parser, journal, decode, events,
//     flow-control acks from a consumer that draws instantly) against raw node-pty
//     into a byte counter, on the same command, each timed until its consumer has
//     the last byte (the step's fdatasync and text rendering come after). Target: >= 95 %
//     (issue 17), the median of 5 alternating runs.
//  2. Capture alone (OSC 133 parser + journal capture into a real file), in-process.
//     Target: >= 400 MB/s (issue 17).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pty from 'node-pty';
import { expect, test } from 'vitest';
import { createCore } from '../src/core/core';
import { JournalWriter } from '../src/core/journal/writer';
import { StepCapture } from '../src/core/runs/step-capture';
import { Osc133Parser } from '../src/core/sessions/osc133';
import { LocalPtySession } from '../src/core/sessions/local-pty';
import { createInProcessApi } from '../src/shared/api';
import { median, record } from './results';

const REDACTION_WORKER = join(__dirname, '..', 'out', 'main', 'redaction-worker.js');

const MB = 1024 * 1024;
const FLOOD_BYTES = 200 * MB;
const FLOOD = `head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' x`;

async function rawPty(): Promise<number> {
  const start = performance.now();
  let bytes = 0;
  let last = start;
  await new Promise<void>((resolve) => {
    // The shell stays a moment after the flood: node-pty can lose the last read of a PTY
    // whose process already exited, and the baseline must see every byte too.
    const p = pty.spawn('/bin/bash', ['-c', `${FLOOD}; sleep 0.3`], {
      cols: 120,
      rows: 30,
      encoding: null,
    } as pty.IPtyForkOptions);
    p.onData((d) => {
      bytes += (d as unknown as Buffer).length;
      last = performance.now();
    });
    p.onExit(() => resolve());
  });
  // Until the counter had every byte: the same end point as the renderer below.
  const ms = last - start;
  expect(bytes).toBeGreaterThanOrEqual(FLOOD_BYTES);
  return ms;
}

async function throughCore(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'runsheet-bench-'));
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(dir, 'flood.md'), `# Flood\n\n\`\`\`bash\n${FLOOD}\n\`\`\`\n`);
  const core = createCore({
    // As the app runs it: redaction in the built worker thread (`npm run bench` builds first).
    redactionWorker: REDACTION_WORKER,
    bundledRunbooks: dir,
    dataDir: join(dir, 'data'),
    logDir: join(dir, 'logs'),
    version: 'bench',
    sessionFactory: (r) =>
      new LocalPtySession({ ...r, cols: 120, rows: 30, env: { ...process.env, HOME: dir } }),
  });
  const api = createInProcessApi(core.handlers, core);
  try {
    const { runbook } = await api.call('runbook.open', { runbookId: 'flood.md' });
    const run = await api.call('run.start', { runbookId: 'flood.md' });
    const sessionId = run.sessionId!;
    // A renderer that draws instantly: it attaches (snapshot) and acks every chunk.
    await api.call('session.snapshot', { sessionId });
    let received = 0;
    let last = 0;
    let unacked = 0;
    // A skip counts what it skipped: the screen is brought to the latest output, not fed every byte.
    api.on('session.didSkip', ({ data, skipped }) => {
      received += skipped + data.length;
      last = performance.now();
      // Drawn and acked like any output (TerminalView draws a skip's data the same way).
      void api.call('session.ack', { sessionId, chars: unacked + data.length });
      unacked = 0;
    });
    api.on('session.didData', ({ data }) => {
      received += data.length;
      last = performance.now();
      // Acks in batches, as the renderer sends them (TerminalPanel: every 20 000 chars).
      unacked += data.length;
      if (unacked >= 20_000) {
        void api.call('session.ack', { sessionId, chars: unacked });
        unacked = 0;
      }
    });
    let finished: (() => void) | null = null;
    const done = new Promise<void>((r) => (finished = r));
    api.on('run.didChange', (s) => {
      const status = s.steps[runbook.steps[0]!.id]?.status;
      if (status === 'passed' || status === 'failed') finished!();
    });
    const start = performance.now();
    await api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id });
    await done;
    // The step's result can arrive before the renderer drew the last chunk (flow control
    // holds it until the next ack): wait for every byte, then time the last one.
    const deadline = Date.now() + 10_000;
    while (received < FLOOD_BYTES && Date.now() < deadline) {
      if (unacked > 0) {
        void api.call('session.ack', { sessionId, chars: unacked });
        unacked = 0;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    // Time until the renderer had every byte.
    const ms = last - start;
    expect(received).toBeGreaterThanOrEqual(FLOOD_BYTES);
    // Finishing waits for the step's output file beside the log, before the folder goes.
    await api.call('run.finish', { runId: run.id });
    return ms;
  } finally {
    core.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('PTY -> renderer with capture on vs raw node-pty (>= 95%)', async () => {
  const raw: number[] = [];
  const core: number[] = [];
  for (let i = 0; i < 5; i++) {
    raw.push(await rawPty());
    core.push(await throughCore());
  }
  const mbps = (ms: number) => FLOOD_BYTES / 1e6 / (ms / 1000);
  record({
    figure: 'terminal: PTY -> renderer with capture',
    value: mbps(median(core)),
    unit: 'MB/s',
    baseline: { name: 'raw node-pty', value: mbps(median(raw)), unit: 'MB/s' },
    target: { op: '>=', value: 0.95, on: 'ratio' },
    method: '200 MiB flood, median of 5 alternating runs (raw, core)',
    samples: core.map(mbps),
  });
}, 300_000);

test('capture alone: OSC 133 parser + journal capture (>= 400 MB/s)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'runsheet-bench-'));
  const journal = new JournalWriter(join(dir, 'capture.jsonl'));
  const chunk = Buffer.alloc(64 * 1024, 'x');
  const total = 512 * MB;
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const parser = new Osc133Parser();
    const capture = new StepCapture((chunks) => journal.appendOutput('s', chunks));
    const start = performance.now();
    for (let sent = 0; sent < total; sent += chunk.length) {
      for (const segment of parser.push(chunk))
        if (segment.type === 'data') capture.push(segment.bytes);
    }
    capture.flush();
    runs.push(performance.now() - start);
  }
  journal.close();
  rmSync(dir, { recursive: true, force: true });
  const rate = (ms: number) => total / 1e6 / (ms / 1000);
  record({
    figure: 'terminal: capture alone',
    value: rate(median(runs)),
    unit: 'MB/s',
    baseline: null,
    target: { op: '>=', value: 400, on: 'value' },
    method: 'OSC 133 parser + journal capture into a file, 512 MiB in 64 KiB chunks, median of 3',
    samples: runs.map(rate),
  });
}, 300_000);
