import { formatParts } from '../util/duration';
import type { RunState } from './run';

/**
 * A run's time, split: from its start to its end (or now, while it is active),
 * every millisecond is in exactly one part, so the parts add up to the total.
 *
 * - step time: when a step was running (from `step.started` to `step.finished`). Overlapping
 *   runs count once: a fan-out is one interval however many hosts it runs on at once, and a
 *   moment two steps ran together counts for the one that started first. A step run twice
 *   counts both runs.
 * - interrupted: from the last record before the app stopped (crash, power) to the run's
 *   resumption; the app was not running, or the run was waiting to be resumed. A step running
 *   when the app stopped counts as step time up to that last record.
 * - between steps (operator time): the rest: reading, deciding, ticking items, typing at the
 *   prompt, waiting on people.
 */
export interface RunTimes {
  totalMs: number;
  stepMs: number;
  betweenMs: number;
  interruptedMs: number;
  /** Step time by step id (sums to `stepMs`). */
  perStep: Record<string, number>;
  /** How many times each step ran. */
  runs: Record<string, number>;
}

interface Span {
  start: number;
  end: number;
}

/** The split of a run's time (see `RunTimes`); `now` ends an active run and its running step. */
export function runTimes(
  run: Pick<RunState, 'startedAt' | 'endedAt' | 'timeline'>,
  now: number = Date.now(),
): RunTimes {
  const start = Date.parse(run.startedAt);
  const { timeline } = run;
  // Clamped: the clock reading `now` may be a little behind the one that wrote the records.
  const end = Math.max(
    start,
    run.endedAt ? Date.parse(run.endedAt) : Math.max(now, timeline.lastAt),
  );
  const clip = (from: number, to: number | null): Span | null => {
    const s = Math.max(start, from);
    const e = Math.min(end, to ?? end);
    return e > s ? { start: s, end: e } : null;
  };
  const perStep: Record<string, number> = {};
  const runs: Record<string, number> = {};
  const stepSpans: Array<Span & { stepId: string }> = [];
  for (const { stepId, start: from, end: to } of timeline.steps) {
    runs[stepId] = (runs[stepId] ?? 0) + 1;
    perStep[stepId] ??= 0;
    const span = clip(from, to);
    if (span) stepSpans.push({ ...span, stepId });
  }
  // Sorted by start, each span adds what lies beyond the furthest end so far: the union,
  // each moment given to the earliest-started step covering it.
  stepSpans.sort((a, b) => a.start - b.start);
  let covered = -Infinity;
  let stepMs = 0;
  for (const span of stepSpans) {
    const added = Math.max(0, span.end - Math.max(span.start, covered));
    perStep[span.stepId]! += added;
    stepMs += added;
    covered = Math.max(covered, span.end);
  }
  const steps = union(stepSpans);
  const interruptions = union(
    timeline.interruptions.map((i) => clip(i.start, i.end)).filter((s): s is Span => s !== null),
  );
  const interruptedMs = measure(interruptions) - overlap(interruptions, steps);
  const totalMs = end - start;
  return {
    totalMs,
    stepMs,
    interruptedMs,
    betweenMs: totalMs - stepMs - interruptedMs,
    perStep,
    runs,
  };
}

/** The split as printed, at the total's resolution, so the printed parts add up to the total. */
export interface TimeSplitText {
  total: string;
  steps: string;
  between: string;
  /** Null when the run was never interrupted for any time. */
  interrupted: string | null;
}

/** A run's split as the header and the log show it ("12 min 0 s", "3 min 20 s", "8 min 40 s"). */
export function timeSplitText(times: RunTimes): TimeSplitText {
  const { total, parts } = formatParts([times.stepMs, times.betweenMs, times.interruptedMs]);
  return {
    total,
    steps: parts[0]!,
    between: parts[1]!,
    interrupted: times.interruptedMs > 0 ? parts[2]! : null,
  };
}

/** Spans merged where they touch or overlap, in order. */
function union(spans: Span[]): Span[] {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  const out: Span[] = [];
  for (const span of sorted) {
    const last = out[out.length - 1];
    if (last && span.start <= last.end) last.end = Math.max(last.end, span.end);
    else out.push({ ...span });
  }
  return out;
}

function measure(spans: Span[]): number {
  return spans.reduce((sum, s) => sum + (s.end - s.start), 0);
}

/** How long two merged, ordered lists of spans overlap. */
function overlap(a: Span[], b: Span[]): number {
  let i = 0;
  let j = 0;
  let sum = 0;
  while (i < a.length && j < b.length) {
    sum += Math.max(0, Math.min(a[i]!.end, b[j]!.end) - Math.max(a[i]!.start, b[j]!.start));
    if (a[i]!.end < b[j]!.end) i++;
    else j++;
  }
  return sum;
}
