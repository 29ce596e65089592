// Bench results as data (issue 17): every figure a bench measures is printed as one line and,
// under `npm run bench` (scripts/bench.mjs), also appended to a scratch file that the bench's
// global teardown (bench/global-setup.ts) writes out as bench/results/<time>.json, with the
// machine it ran on, so runs can be compared over time (`npm run bench -- --compare FILE`).
// Each bench file runs in its own process (vitest forks), hence a file rather than memory.
import { appendFileSync } from 'node:fs';
import { cpus, freemem, hostname, loadavg, release, totalmem } from 'node:os';
import { z } from 'zod';

/** A target on the figure's value or on its ratio to the baseline. */
export const BenchTarget = z.object({
  op: z.enum(['<=', '>=']),
  value: z.number(),
  on: z.enum(['value', 'ratio']),
});
export type BenchTarget = z.infer<typeof BenchTarget>;

export const BenchFigure = z.object({
  /** Stable name: the key `--compare` matches figures by. */
  figure: z.string().min(1),
  value: z.number(),
  unit: z.string(),
  /** What the figure is measured against in the same run (raw node-pty, cat, grep, …). */
  baseline: z.object({ name: z.string(), value: z.number(), unit: z.string() }).nullable(),
  /** value / baseline.value (or as the figure defines it, e.g. throughput: baseline time / our time). */
  ratio: z.number().nullable(),
  target: BenchTarget.nullable(),
  met: z.boolean().nullable(),
  /** How it was taken: rounds, sizes, what the median is of. */
  method: z.string(),
  /** The single measurements the value summarises. */
  samples: z.array(z.number()),
});
export type BenchFigure = z.infer<typeof BenchFigure>;

export const BenchMachine = z.object({
  hostname: z.string(),
  cpu: z.string(),
  cores: z.number(),
  memoryGiB: z.number(),
  freeMemoryGiB: z.number(),
  /** 1, 5 and 15 minute load averages when the run started: a busy neighbour shows here. */
  loadAverage: z.array(z.number()),
  os: z.string(),
  node: z.string(),
});
export type BenchMachine = z.infer<typeof BenchMachine>;

export const BenchResults = z.object({
  startedAt: z.string(),
  finishedAt: z.string(),
  commit: z.string().nullable(),
  machine: BenchMachine,
  figures: z.array(BenchFigure),
});
export type BenchResults = z.infer<typeof BenchResults>;

export function machine(): BenchMachine {
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    hostname: hostname(),
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}

export const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

/** Whether a value (or ratio) meets its target; null without a target. */
export function meets(
  target: BenchTarget | null,
  value: number,
  ratio: number | null,
): boolean | null {
  if (!target) return null;
  const x = target.on === 'ratio' ? ratio : value;
  if (x === null || !Number.isFinite(x)) return false;
  return target.op === '<=' ? x <= target.value : x >= target.value;
}

const round = (x: number) => Number(x.toPrecision(6));

export function formatTarget(target: BenchTarget | null, unit: string): string {
  if (!target) return 'no target';
  return target.on === 'ratio'
    ? `target ratio ${target.op} ${target.value}`
    : `target ${target.op} ${target.value} ${unit}`;
}

/** One line: the figure, its baseline and ratio, and whether it met its target. */
export function formatFigure(f: BenchFigure): string {
  const value = `${round(f.value)} ${f.unit}`;
  const baseline = f.baseline
    ? `; ${f.baseline.name} ${round(f.baseline.value)} ${f.baseline.unit}, ratio ${f.ratio === null ? '-' : round(f.ratio)}`
    : '';
  const met = f.met === null ? '' : f.met ? ' — met' : ' — NOT MET';
  return `${f.figure}: ${value}${baseline} (${formatTarget(f.target, f.unit)})${met}`;
}

/**
 * Record one figure: printed, and kept for the run's JSON file when `npm run bench` runs.
 * `met` is worked out here from the target, never passed in.
 */
export function record(
  figure: Omit<BenchFigure, 'met' | 'ratio' | 'samples'> & {
    ratio?: number | null;
    samples?: number[];
  },
): BenchFigure {
  const ratio =
    figure.ratio !== undefined
      ? figure.ratio
      : figure.baseline && figure.baseline.value !== 0
        ? figure.value / figure.baseline.value
        : null;
  const full = BenchFigure.parse({
    ...figure,
    ratio,
    samples: figure.samples ?? [],
    met: meets(figure.target, figure.value, ratio),
  });
  console.log(formatFigure(full));
  const scratch = process.env.RUNSHEET_BENCH_RESULTS;
  if (scratch) appendFileSync(scratch, `${JSON.stringify(full)}\n`);
  return full;
}

/** The change from an earlier run to this one, figure by figure, matched by name. */
export function compare(before: BenchResults, after: BenchResults): string[] {
  const old = new Map(before.figures.map((f) => [f.figure, f]));
  const lines = [
    `compared with ${before.startedAt} (${before.commit?.slice(0, 8) ?? 'no commit'}, ${before.machine.hostname}, load ${before.machine.loadAverage.join(' ')}):`,
  ];
  for (const f of after.figures) {
    const was = old.get(f.figure);
    old.delete(f.figure);
    if (!was) {
      lines.push(`  ${f.figure}: new, ${round(f.value)} ${f.unit}`);
      continue;
    }
    // On the ratio when the target is on it (the baseline moves with the machine's load).
    const onRatio =
      (f.target ?? was.target)?.on === 'ratio' && was.ratio !== null && f.ratio !== null;
    const [a, b, unit] = onRatio ? [was.ratio!, f.ratio!, '(ratio)'] : [was.value, f.value, f.unit];
    const change = a === 0 ? null : ((b - a) / a) * 100;
    const target = f.target ?? was.target;
    const direction =
      !target || a === b ? '' : (target.op === '<=') === b < a ? ', better' : ', worse';
    const met =
      was.met === f.met || f.met === null ? '' : `, ${f.met ? 'now met' : 'no longer met'}`;
    lines.push(
      `  ${f.figure}: ${round(a)} → ${round(b)} ${unit} (${change === null ? 'n/a' : `${change >= 0 ? '+' : ''}${change.toFixed(1)} %`}${direction}${met})`,
    );
  }
  if (old.size > 0) lines.push(`  ${old.size} figure(s) of the earlier run not measured this time`);
  return lines;
}
