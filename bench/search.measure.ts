// Search across all past runs (issue 15, point 4): 1 GiB of past output in 64 runs'
// journals, searched through the core (history.searchOutput), against `grep -c` (and
// `grep -ci` for the case-insensitive search) over the same files, in the same run.
// Target: each search <= 2.0 x its grep (wall clock); CPU times are printed beside.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { createCore } from '../src/core';
import { JournalWriter } from '../src/core/journal/writer';
import { createInProcessApi } from '../src/shared/api/in-process';
import { tempDir } from '../tests/helpers/temp';
import { median, record } from './results';

const RUNS = 64;
const STEPS = 2;
const BATCH = 64 * 1024;
/** Batches per step: 64 runs x 2 steps x 128 x 64 KiB = 1 GiB. */
const BATCHES = 128;
const ROUNDS = 5;
const NEEDLE = 'quota exceeded on vol-7731';

/** 64 KiB of log-like terminal output (CRLF as a PTY writes it, some colour), whole lines. */
function block(seed: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < BATCH - 200; i++) {
    const n = (seed * 7919 + i * 104729) % 1000003;
    const line =
      i % 9 === 0
        ? `\x1b[32mINFO\x1b[0m ${n} worker-${i % 17} synced ${n % 977} objects in ${n % 91} ms`
        : `2026-12-04T01:${String(i % 60).padStart(2, '0')}:00Z app[${n % 4096}]: request ${n} GET /api/v1/items/${n % 50021} 200 ${n % 313} ms`;
    lines.push(line);
    size += line.length + 2;
  }
  const text = lines.join('\r\n') + '\r\n';
  return Buffer.from(text.padEnd(BATCH - 2, '.') + '\r\n');
}

/** The runs' journals, written by the journal writer as real runs are; one needle line in each. */
function writeRuns(journals: string): void {
  const blocks = Array.from({ length: 8 }, (_, i) => block(i));
  for (let n = 0; n < RUNS; n++) {
    const runId = `bench-search-${String(n).padStart(4, '0')}`;
    const journal = new JournalWriter(join(journals, `${runId}.jsonl`));
    journal.append({
      type: 'run.started',
      runId,
      runbookId: 'logs.md',
      runbookTitle: 'Collect logs',
      runbookPath: '/srv/runbooks/logs.md',
      maintainer: 'Grace Hopper',
      host: `web-${n % 8}`,
      environment: 'staging',
      rehearsal: null,
      runbookCommit: null,
      logPath: `/srv/logs/${runId}.md`,
    });
    for (let s = 0; s < STEPS; s++) {
      const stepId = `step-${s}`;
      journal.append({
        type: 'step.started',
        stepId,
        host: `web-${n % 8}`,
        user: 'root',
        hostKey: null,
        code: 'journalctl -u app',
      });
      for (let b = 0; b < BATCHES; b++) {
        let bytes = blocks[(n + s + b) % blocks.length]!;
        if (s === n % STEPS && b === (n * 37) % BATCHES) {
          // One line of the run says it, in lower case in even runs, mixed case in odd.
          const line = n % 2 ? 'ERROR Quota Exceeded on VOL-7731' : `error ${NEEDLE}`;
          bytes = Buffer.concat([Buffer.from(`${line}\r\n`), bytes.subarray(line.length + 2)]);
        }
        journal.appendOutput(stepId, [bytes]);
      }
      journal.append({
        type: 'step.finished',
        stepId,
        status: 'passed',
        detail: null,
        exitCode: 0,
        durationMs: 1000,
        bytes: BATCH * BATCHES,
        text: 'the last lines',
      });
    }
    journal.append({ type: 'run.finished' });
    journal.close();
  }
}

/** Seconds in "1m2.345s", as bash's `times` prints them. */
const seconds = (t: string): number => {
  const [, m, sec] = /^(\d+)m([\d.]+)s$/.exec(t) ?? [];
  return Number(m) * 60 + Number(sec);
};

/**
 * Lines with the text in every file, as grep counts them, how long grep took
 * (wall), and the CPU time it used (user + system, from bash's `times`: on a
 * machine others are busy on, CPU time says more than the clock).
 */
function grep(flags: string, files: string[]): { count: number; ms: number; cpu: number } {
  const start = performance.now();
  const result = spawnSync(
    'bash',
    ['-c', 'grep "$@"; code=$?; times >&2; exit $code', 'grep', flags, '--', NEEDLE, ...files],
    { encoding: 'utf8' },
  );
  const ms = performance.now() - start;
  if (result.status !== 0 && result.status !== 1) throw new Error(result.stderr);
  const count = result.stdout
    .trim()
    .split('\n')
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(':') + 1)), 0);
  // The second line of `times` is the children's: user, then system.
  const [user, system] = result.stderr.trim().split('\n')[1]!.split(' ');
  return { count, ms, cpu: (seconds(user!) + seconds(system!)) * 1000 };
}

test('search 1 GiB of past output through the core, against grep -c over the same files', async () => {
  const dir = tempDir('runsheet-bench-search-');
  try {
    const data = join(dir.path, 'data');
    const journals = join(data, 'journals');
    let start = performance.now();
    writeRuns(journals);
    const made = performance.now() - start;
    const files = readdirSync(journals)
      .filter((f) => f.endsWith('.jsonl') || f.endsWith('.out'))
      .map((f) => join(journals, f));
    const core = createCore({
      bundledRunbooks: dir.path,
      version: 'bench',
      dataDir: data,
      logDir: join(dir.path, 'logs'),
    });
    const api = createInProcessApi(core.handlers, core);
    try {
      // The run index is built once (as on any first start); the files are in the page cache after.
      await api.call('history.list', {});
      grep('-c', files);
      const search = async (caseSensitive: boolean) => {
        start = performance.now();
        const cpu = process.cpuUsage();
        const found = await api.call('history.searchOutput', {
          text: NEEDLE,
          caseSensitive,
          limit: 1000,
        });
        const used = process.cpuUsage(cpu);
        return {
          count: found.hits.length,
          more: found.more,
          ms: performance.now() - start,
          cpu: (used.user + used.system) / 1000,
        };
      };
      const rows: Array<{
        name: string;
        ours: number[];
        grep: number[];
        oursCpu: number[];
        grepCpu: number[];
        hits: string;
      }> = [];
      for (const [name, caseSensitive, flags] of [
        ['case-sensitive  ', true, '-c'],
        ['case-insensitive', false, '-ci'],
      ] as const) {
        const ours: number[] = [];
        const theirs: number[] = [];
        const oursCpu: number[] = [];
        const grepCpu: number[] = [];
        let hits = '';
        for (let r = 0; r < ROUNDS; r++) {
          const g = grep(flags, files);
          const s = await search(caseSensitive);
          if (s.count !== g.count || s.more)
            throw new Error(`${name}: ${s.count} lines found, grep ${flags} counts ${g.count}`);
          theirs.push(g.ms);
          ours.push(s.ms);
          grepCpu.push(g.cpu);
          oursCpu.push(s.cpu);
          hits = `${s.count} lines`;
        }
        rows.push({ name, ours, grep: theirs, oursCpu, grepCpu, hits });
      }
      for (const r of rows)
        record({
          figure: `output search: 1 GiB of past output, ${r.name.trim()}`,
          value: median(r.ours),
          unit: 'ms',
          baseline: {
            name: `grep ${r.name.includes('insensitive') ? '-ci' : '-c'}`,
            value: median(r.grep),
            unit: 'ms',
          },
          target: { op: '<=', value: 2.0, on: 'ratio' },
          method: `${RUNS} runs, ${files.length / 2} journals (written in ${made.toFixed(0)} ms), median of ${ROUNDS} alternating (${r.hits}); CPU time: core ${median(r.oursCpu).toFixed(0)} ms, grep ${median(r.grepCpu).toFixed(0)} ms; the first search (every journal read and checked) ${rows[0]!.ours[0]!.toFixed(0)} ms, not counted`,
          samples: r.ours,
        });
    } finally {
      core.dispose();
    }
  } finally {
    dir.cleanup();
  }
}, 600_000);
