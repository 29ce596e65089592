// Grouped results (issue 16, point 2) at fleet size: 500 hosts' outputs (200 lines each)
// grouped and the outliers diffed against the majority, as the step card and the log do after
// every fan-out, against grouping the same outputs by exact text alone (a Map, no diffs: the
// floor), in the same run: medians of alternating rounds after warm-up rounds. Cases: 10
// outliers with one changed line; every host its own output (nothing shared: nothing diffed).
import { test } from 'vitest';
import { groupOutputs, type HostResult } from '../src/shared/model';
import { median, record } from './results';

const HOSTS = 500;
const LINES = 200;
const ROUNDS = 21;
const WARMUP = 5;

function fleet(outlier: (i: number) => string | null): Record<string, HostResult> {
  const base = Array.from({ length: LINES }, (_, n) => `line ${n}: package ok 1.2.${n}`);
  const hosts: Record<string, HostResult> = {};
  for (let i = 0; i < HOSTS; i++) {
    const changed = outlier(i);
    const lines = changed === null ? base : base.map((l, n) => (n === 100 ? changed : l));
    hosts[`web-${i + 1}`] = {
      status: 'passed',
      exitCode: 0,
      durationMs: 1,
      user: 'root',
      hostKey: null,
      detail: null,
      output: lines.join('\n'),
      failedCommands: [],
    };
  }
  return hosts;
}

/** The floor: the same hosts grouped by exact output, nothing diffed. */
function byText(hosts: Record<string, HostResult>): number {
  const groups = new Map<string, string[]>();
  for (const [host, h] of Object.entries(hosts)) {
    const list = groups.get(h.output);
    if (list) list.push(host);
    else groups.set(h.output, [host]);
  }
  return groups.size;
}

const time = (f: () => void): number => {
  const start = performance.now();
  f();
  return performance.now() - start;
};

for (const [name, outlier] of [
  ['10 outliers', (i: number) => (i % 50 === 7 ? `line 100: package FAILED ${i}` : null)],
  ['every host its own output', (i: number) => `line 100: host ${i}`],
] as const) {
  test(`group ${HOSTS} hosts' outputs: ${name}`, () => {
    const hosts = fleet(outlier);
    const ours: number[] = [];
    const base: number[] = [];
    for (let i = -WARMUP; i < ROUNDS; i++) {
      const b = time(() => byText(hosts));
      const o = time(() => groupOutputs(hosts));
      if (i < 0) continue;
      base.push(b);
      ours.push(o);
    }
    record({
      figure: `fleet: group ${HOSTS} hosts' outputs, ${name}`,
      value: median(ours),
      unit: 'ms',
      baseline: { name: 'grouping by exact text alone', value: median(base), unit: 'ms' },
      target: null,
      method: `${HOSTS} hosts × ${LINES} lines, median of ${ROUNDS} alternating rounds after ${WARMUP} warm-up rounds`,
      samples: ours,
    });
  });
}
