/** "0.21 s", "4 min 12 s", "1 h 3 min": durations as people read them. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const totalSeconds = Math.round(ms / 1000);
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return h > 0 ? `${h} h ${m} min` : `${m} min ${s} s`;
}

/** The resolution `formatDuration` shows a duration at: 0.01 s, 0.1 s, 1 s, or 1 min. */
export function durationUnit(ms: number): number {
  return ms < 1000 ? 10 : ms < 60_000 ? 100 : ms < 3_600_000 ? 1000 : 60_000;
}

/**
 * A duration at a fixed resolution (`unit`: 10, 100, 1000 or 60 000 ms), in `formatDuration`'s
 * words: "0.13 s", "1 min 12.13 s", "1 h 2 min 3 s", "1 h 3 min". Durations printed at one
 * resolution add up as their numbers do.
 */
export function formatDurationAt(ms: number, unit: number): string {
  const n = Math.round(ms / unit);
  const minutes = unit >= 60_000 ? n * (unit / 60_000) : Math.floor((n * unit) / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (unit >= 60_000) return h > 0 ? `${h} h ${m} min` : `${m} min`;
  const decimals = unit >= 1000 ? 0 : unit >= 100 ? 1 : 2;
  const seconds = ((n * unit - minutes * 60_000) / 1000).toFixed(decimals);
  if (minutes === 0) return `${seconds} s`;
  return h > 0 ? `${h} h ${m} min ${seconds} s` : `${m} min ${seconds} s`;
}

/**
 * Parts of a whole, each rounded to `unit` so that the rounded parts add up to the whole
 * rounded (largest remainder: the parts that lost most to rounding down get the units left).
 */
export function apportion(parts: number[], unit: number): number[] {
  const whole = Math.round(parts.reduce((sum, p) => sum + p, 0) / unit);
  const floors = parts.map((p) => Math.floor(p / unit));
  let left = whole - floors.reduce((sum, f) => sum + f, 0);
  const order = parts
    .map((p, i) => ({ i, rest: p / unit - floors[i]! }))
    .sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    floors[i]! += 1;
    left -= 1;
  }
  return floors.map((f) => f * unit);
}

/**
 * Parts of a duration and their total as printed, at one resolution, so the printed parts add
 * up to the printed total: the total's own resolution unless one is given. A part that is not
 * zero but rounds to zero reads "< 1 s" (at that resolution).
 */
export function formatParts(
  parts: number[],
  unit: number = durationUnit(parts.reduce((sum, p) => sum + p, 0)),
): { total: string; parts: string[] } {
  const rounded = apportion(parts, unit);
  return {
    total: formatDurationAt(
      rounded.reduce((sum, p) => sum + p, 0),
      unit,
    ),
    parts: rounded.map((r, i) =>
      r === 0 && parts[i]! > 0 ? `< ${formatDurationAt(unit, unit)}` : formatDurationAt(r, unit),
    ),
  };
}

/**
 * Differences between two durations below both floors are noise (timer granularity, a busy
 * machine, a prompt drawn a little later): under 1 s, or under 20 % of the earlier duration.
 * 0.02 s → 0.10 s is ≈; 40 s → 1 min 10 s is +75 %.
 */
export const NOISE_FLOOR = { ms: 1000, ratio: 0.2 } as const;

/** How a duration compares with an earlier one: "≈" within the noise floor, else "+75 %", "−40 %". */
export function durationChange(
  now: number,
  before: number | null | undefined,
): { kind: 'none' | 'same' | 'slower' | 'faster'; label: string } {
  if (before == null || !Number.isFinite(before)) return { kind: 'none', label: '—' };
  const delta = now - before;
  if (Math.abs(delta) < NOISE_FLOOR.ms || Math.abs(delta) < NOISE_FLOOR.ratio * before)
    return { kind: 'same', label: '≈' };
  const percent =
    before > 0
      ? `${delta > 0 ? '+' : '−'}${Math.abs((delta / before) * 100).toFixed(0)} %`
      : `+${formatDuration(delta)}`;
  return { kind: delta > 0 ? 'slower' : 'faster', label: percent };
}
