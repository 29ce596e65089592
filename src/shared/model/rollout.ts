/**
 * Rolling fan-out: a step on a group of hosts in successive batches (a canary first, then
 * growing ones), stopped when more hosts failed than the step allows, with a wait or the
 * operator's go-ahead between batches. The attributes (`batch=`, `maxFail=`,
 * `pauseBetween=`, on a fence or in the frontmatter) are read into the schemas below; the
 * plan they make for a step's hosts (`planRollout`) is what the runner, the run state, the
 * plan and the log all show.
 */
import { z } from 'zod';

/** One entry of `batch=`: a number of hosts, a percentage of the step's hosts, or the rest. */
export const BatchSize = z.union([
  z.object({ count: z.number().int().min(1).max(100_000) }),
  z.object({ percent: z.number().gt(0).max(100) }),
  z.literal('rest'),
]);
export type BatchSize = z.infer<typeof BatchSize>;

/** `maxFail=`: how many hosts may fail (a count, or a percentage of the step's hosts). */
export const FailLimit = z.union([
  z.object({ count: z.number().int().min(0).max(100_000) }),
  z.object({ percent: z.number().min(0).max(100) }),
]);
export type FailLimit = z.infer<typeof FailLimit>;

/** `pauseBetween=`: milliseconds to wait before each batch after the first, or ask the operator. */
export const BatchPause = z.union([z.number().nonnegative().max(86_400_000), z.literal('ask')]);
export type BatchPause = z.infer<typeof BatchPause>;

/**
 * The rollout of one step as it runs: its hosts in batches, the failure limit as a count,
 * and where the run is. Carried on the step's result in the run state.
 */
export const Rollout = z.object({
  /** The step's hosts, batch by batch, in the order they run. */
  batches: z.array(z.array(z.string())),
  /** `batch=` as written (null: one batch of every host). */
  batchSpec: z.string().nullable(),
  /** More failed (or unreachable) hosts than this stop the step after its batch; null: no limit. */
  maxFail: z.number().int().nonnegative().nullable(),
  /** `maxFail=` as written. */
  maxFailSpec: z.string().nullable(),
  pause: BatchPause.nullable(),
  /** The batch running or waiting to run (0-based); -1 before the first starts. */
  current: z.number().int().min(-1),
  /** Waiting before batch `current`: until a time (a pause), or for the operator (`ask`). */
  waiting: z.object({ until: z.string().nullable() }).nullable(),
  /** Why the batches after `current` did not run (the failure limit, cancel); null: they did or will. */
  stopped: z.string().nullable(),
});
export type Rollout = z.infer<typeof Rollout>;

/** A percentage (`10%`, `2.5%`) as a number, or null. */
function percentOf(text: string): number | null {
  const match = /^(\d+(?:\.\d+)?)%$/.exec(text);
  return match ? Number(match[1]) : null;
}

/**
 * `batch=1,10%,rest`: each entry a count, a percentage or `rest` (only last). Null when it
 * cannot be read.
 */
export function parseBatchSpec(value: unknown): BatchSize[] | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const parts = text.split(',').map((p) => p.trim());
  if (!text.trim() || parts.length > 100) return null;
  const sizes: BatchSize[] = [];
  for (const [i, part] of parts.entries()) {
    if (part === 'rest') {
      if (i !== parts.length - 1) return null;
      sizes.push('rest');
      continue;
    }
    const percent = percentOf(part);
    const size: unknown =
      percent !== null ? { percent } : /^\d+$/.test(part) ? { count: Number(part) } : null;
    const parsed = BatchSize.safeParse(size);
    if (!parsed.success) return null;
    sizes.push(parsed.data);
  }
  return sizes;
}

/** `maxFail=3` or `maxFail=10%`; null when it cannot be read. */
export function parseFailLimit(value: unknown): FailLimit | null {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value : '';
  const percent = percentOf(text.trim());
  const limit: unknown =
    percent !== null ? { percent } : /^\d+$/.test(text.trim()) ? { count: Number(text) } : null;
  const parsed = FailLimit.safeParse(limit);
  return parsed.success ? parsed.data : null;
}

/**
 * The step's hosts cut into batches. A percentage is of all the step's hosts, rounded up,
 * at least 1; `rest` takes every host left. When the sizes run out before the hosts do, the
 * last size repeats (`1,5` on 12 hosts: 1, 5, 5, 1); when the hosts run out first, the
 * last batch is what is left. Without sizes, one batch of every host.
 */
export function batchesOf(hosts: string[], sizes: BatchSize[] | null): string[][] {
  if (hosts.length === 0) return [];
  if (!sizes || sizes.length === 0) return [hosts.slice()];
  const sizeOf = (s: BatchSize): number =>
    s === 'rest'
      ? hosts.length
      : 'count' in s
        ? s.count
        : Math.max(1, Math.ceil((s.percent * hosts.length) / 100 - 1e-9));
  const batches: string[][] = [];
  let at = 0;
  for (let i = 0; at < hosts.length; i++) {
    const size = sizeOf(sizes[Math.min(i, sizes.length - 1)]!);
    batches.push(hosts.slice(at, at + size));
    at += size;
  }
  return batches;
}

/**
 * The failure limit as a count of hosts: a percentage of the step's hosts rounded down, so
 * the limit never lets through more than the percentage says (10% of 25 hosts: 2).
 */
export function failLimitOf(limit: FailLimit | null, hosts: number): number | null {
  if (!limit) return null;
  if ('count' in limit) return limit.count;
  return Math.floor((limit.percent * hosts) / 100 + 1e-9);
}

/** How a step rolls out, from its own attributes, else the runbook's frontmatter. */
export interface RolloutSpec {
  batch: string | null;
  maxFail: string | null;
  pause: BatchPause | null;
}

/**
 * A step's rollout attributes, each its own (`batch=` on the fence) or else the runbook's
 * (frontmatter `batch:`). Values were checked when the runbook was read: a bad one blocks
 * the step, so what reaches here reads.
 */
export function rolloutSpecOf(
  attrs: { batch?: string; maxFail?: string; pauseBetween?: BatchPause },
  frontmatter: Record<string, unknown>,
  parseDuration: (value: unknown) => number | null,
): RolloutSpec {
  const text = (v: unknown): string | null =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : null;
  const front = frontmatter.pauseBetween;
  return {
    batch: attrs.batch ?? text(frontmatter.batch),
    maxFail: attrs.maxFail ?? text(frontmatter.maxFail),
    pause: attrs.pauseBetween ?? (front === 'ask' ? 'ask' : parseDuration(front)),
  };
}

/** The plan of a step's rollout on its hosts; null when the step sets none of the three. */
export function planRollout(hosts: string[], spec: RolloutSpec): Rollout | null {
  if (spec.batch === null && spec.maxFail === null && spec.pause === null) return null;
  const sizes = spec.batch === null ? null : parseBatchSpec(spec.batch);
  const limit = spec.maxFail === null ? null : parseFailLimit(spec.maxFail);
  return {
    batches: batchesOf(hosts, sizes),
    batchSpec: spec.batch,
    maxFail: failLimitOf(limit, hosts.length),
    maxFailSpec: spec.maxFail,
    pause: spec.pause,
    current: -1,
    waiting: null,
    stopped: null,
  };
}

/** "batch 2 of 3 · 10 hosts", as the step card and the log say where a rollout is. */
export function batchLabel(rollout: Rollout): string {
  const index = Math.max(0, rollout.current);
  const size = rollout.batches[index]?.length ?? 0;
  return `batch ${index + 1} of ${rollout.batches.length} · ${size} host${size === 1 ? '' : 's'}`;
}

/**
 * A rollout in one line, as the log and the plan say it: its attributes, its batches'
 * sizes, and where it stopped and why.
 */
export function rolloutText(rollout: Rollout): string {
  const set = [
    rollout.batchSpec === null ? 'every host in one batch' : `batch=${rollout.batchSpec}`,
    rollout.maxFailSpec === null
      ? null
      : `maxFail=${rollout.maxFailSpec} (stops when more than ${rollout.maxFail} host${rollout.maxFail === 1 ? '' : 's'} fail)`,
    rollout.pause === null
      ? null
      : rollout.pause === 'ask'
        ? 'pauseBetween=ask (the operator says go on)'
        : `pauseBetween=${rollout.pause / 1000}s`,
  ].filter(Boolean);
  const n = rollout.batches.length;
  const sizes = rollout.batches.map((b) => b.length).join(', ');
  const text = `${set.join(', ')}: ${n} batch${n === 1 ? '' : 'es'} of ${sizes} host${sizes === '1' ? '' : 's'}`;
  return rollout.stopped ? `${text}; ${rollout.stopped}` : text;
}
