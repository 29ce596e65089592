import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../src/core/core';
import { createInProcessApi, type RunsheetApi } from '../../src/shared/api';
import { GITHUB_TOKEN } from '../helpers/secrets';
import { headlessRun } from '../helpers/cli';
import { tempDir, writeFiles } from '../helpers/temp';

// The full-output viewer's core (output.open / lines / search / close): a real
// run by the built CLI in a real shell, read back through the contract as the
// app reads it. The 100 MB case is walked in the browser (tests/e2e/output-viewer.spec.ts).
const RUNBOOK = [
  '# Output to read',
  '',
  '```bash {name=count}',
  'seq 1 200000',
  '```',
  '',
  '```bash {name=colours}',
  "printf 'plain \\033[31mred\\033[0m \\033[1;42mbold on green\\033[0m end\\n'",
  "for i in 1 2 3; do printf '\\r%d%%' $((i*33)); sleep 0.01; done; echo; echo done",
  `echo "token ${GITHUB_TOKEN}"`,
  "printf 'a%.0s' $(seq 1 40); echo '!'",
  '```',
  '',
].join('\n');

let dir: ReturnType<typeof tempDir>;
let runId = '';
let core: Core;
let api: RunsheetApi;

beforeAll(() => {
  dir = tempDir('runsheet-view-');
  writeFiles(dir.path, { 'view.md': RUNBOOK });
  const run = headlessRun(dir.path, join(dir.path, 'view.md'));
  expect(run.code).toBe(0);
  runId = run.runId;
  core = createCore({
    bundledRunbooks: dir.path,
    dataDir: join(dir.path, 'data'),
    logDir: join(dir.path, 'logs'),
    version: 'test',
  });
  api = createInProcessApi(core.handlers, core);
}, 120_000);

afterAll(() => {
  core?.dispose();
  dir?.cleanup();
});

const stepId = async (name: string) =>
  (await api.call('run.open', { runId })).runbook.steps.find((s) => s.attrs.name === name)!.id;

describe('full output of a past run', () => {
  it('gives every one of 200,000 lines, from the first screen to the last', async () => {
    const view = await api.call('output.open', { runId, stepId: await stepId('count') });
    expect(view.name).toBe('count');
    const first = await api.call('output.lines', { viewId: view.viewId, from: 0, count: 40 });
    expect(first.lines).toEqual(Array.from({ length: 40 }, (_, i) => String(i + 1)));
    // Reading past what is rendered waits for it; the end is the last line, once.
    const end = await api.call('output.lines', {
      viewId: view.viewId,
      from: 199_990,
      count: 40,
    });
    expect(end.complete).toBe(true);
    expect(end.total).toBe(200_000);
    expect(end.lines).toEqual(Array.from({ length: 10 }, (_, i) => String(199_991 + i)));
    // Any window, through the sparse index (a line in the middle of a stride).
    const mid = await api.call('output.lines', { viewId: view.viewId, from: 123_456, count: 3 });
    expect(mid.lines).toEqual(['123457', '123458', '123459']);
    await api.call('output.close', { viewId: view.viewId });
  });

  it('searches: plain text, a regular expression, case, and counts every match', async () => {
    const { viewId } = await api.call('output.open', { runId, stepId: await stepId('count') });
    const exact = await api.call('output.search', { viewId, pattern: '^123457$', regex: true });
    expect(exact.hits).toEqual([123_456]);
    expect(exact.matches).toBe(1);
    // "77777" as plain text: the lines 77777 and 177777.
    const plain = await api.call('output.search', { viewId, pattern: '77777' });
    expect(plain.hits).toEqual([77_776, 177_776]);
    // A literal search does not read the pattern as a regular expression.
    expect((await api.call('output.search', { viewId, pattern: '1.3' })).matches).toBe(0);
    // Every match is counted, several on a line: "1" occurs in 1, 10, 11 (twice)...
    const ones = await api.call('output.search', { viewId, pattern: '1' });
    const expected =
      Array.from({ length: 200_000 }, (_, i) => String(i + 1))
        .join('\n')
        .split('1').length - 1;
    expect(ones.matches).toBe(expected);
    expect(ones.hits.length).toBeLessThanOrEqual(100_000);
    expect(ones.truncated).toBe(true);
    await api.call('output.close', { viewId });
  });

  it('shows what the terminal drew: colours as SGR, \\r progress collapsed, secrets redacted', async () => {
    const { viewId } = await api.call('output.open', { runId, stepId: await stepId('colours') });
    const { lines } = await api.call('output.lines', { viewId, from: 0, count: 10 });
    expect(lines[0]).toBe('plain \x1b[0;31mred\x1b[0m \x1b[0;1;42mbold on green\x1b[0m end');
    expect(lines[1]).toBe('99%');
    expect(lines[2]).toBe('done');
    expect(lines.join('\n')).not.toContain(GITHUB_TOKEN);
    // Search reads the text, not the colour codes; a secret is not found.
    const across = await api.call('output.search', { viewId, pattern: 'red bold on green end' });
    expect(across.hits).toEqual([0]);
    expect((await api.call('output.search', { viewId, pattern: '31m' })).matches).toBe(0);
    expect((await api.call('output.search', { viewId, pattern: GITHUB_TOKEN })).matches).toBe(0);
    await api.call('output.close', { viewId });
  });

  it('stops a pattern that backtracks for ever, and refuses one that is not a regex', async () => {
    const { viewId } = await api.call('output.open', { runId, stepId: await stepId('colours') });
    await expect(
      api.call('output.search', { viewId, pattern: '(a+)+$', regex: true }),
    ).rejects.toThrow(/the pattern took over 2 s on lines 1–5: make it simpler/);
    // The view still answers afterwards.
    expect((await api.call('output.search', { viewId, pattern: 'done' })).hits).toEqual([2]);
    await expect(
      api.call('output.search', { viewId, pattern: '([a', regex: true }),
    ).rejects.toThrow(/not a regular expression/);
    await api.call('output.close', { viewId });
  });

  it('names what is missing, and leaves no file behind a closed view', async () => {
    await expect(api.call('output.open', { runId, stepId: 'no-such-step' })).rejects.toThrow(
      /has no output of a step "no-such-step"; steps with output: .*count/,
    );
    await expect(
      api.call('output.open', { runId: 'run-2026-01-01-000000-0000', stepId: 'x' }),
    ).rejects.toThrow(/no run run-2026-01-01-000000-0000/);
    await expect(
      api.call('output.lines', { viewId: '0123456789abcdef', from: 0, count: 1 }),
    ).rejects.toThrow(/no open output view/);
    const cache = join(dir.path, 'data', 'cache', 'output', String(process.pid));
    const { viewId } = await api.call('output.open', { runId, stepId: await stepId('count') });
    expect(readdirSync(cache)).toHaveLength(1);
    await api.call('output.close', { viewId });
    expect(existsSync(cache) ? readdirSync(cache) : []).toEqual([]);
  });
});
