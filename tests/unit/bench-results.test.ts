import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  BenchFigure,
  type BenchResults,
  compare,
  machine,
  meets,
  record,
} from '../../bench/results';
import { tempDir } from '../helpers/temp';

const results = (figures: BenchFigure[]): BenchResults => ({
  startedAt: '2026-12-04T00:00:00.000Z',
  finishedAt: '2026-12-04T00:10:00.000Z',
  commit: 'abcdef0123',
  machine: machine(),
  figures,
});

describe('bench results', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('met follows the target: on the value or on the ratio, in its direction', () => {
    expect(meets({ op: '<=', value: 100, on: 'value' }, 100, null)).toBe(true);
    expect(meets({ op: '<=', value: 100, on: 'value' }, 100.1, null)).toBe(false);
    expect(meets({ op: '>=', value: 0.95, on: 'ratio' }, 1, 0.94)).toBe(false);
    expect(meets({ op: '>=', value: 0.95, on: 'ratio' }, 1, 0.96)).toBe(true);
    // A ratio target with no ratio (no baseline) is not met, never silently passed.
    expect(meets({ op: '<=', value: 2, on: 'ratio' }, 1, null)).toBe(false);
    expect(meets(null, 1, 1)).toBeNull();
  });

  it('record works out the ratio and met, prints one line and appends to the scratch file', () => {
    const dir = tempDir('runsheet-bench-results-');
    try {
      const scratch = join(dir.path, 'figures.jsonl');
      vi.stubEnv('RUNSHEET_BENCH_RESULTS', scratch);
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const made = record({
        figure: 'parse: 1 MB runbook vs markdown-it',
        value: 90,
        unit: 'ms',
        baseline: { name: 'markdown-it tokens', value: 50, unit: 'ms' },
        target: { op: '<=', value: 1.5, on: 'ratio' },
        method: 'test',
      });
      expect(made.ratio).toBeCloseTo(1.8);
      expect(made.met).toBe(false);
      expect(log.mock.calls[0]![0]).toMatch(/ratio 1\.8 \(target ratio <= 1\.5\) — NOT MET$/);
      const kept = readFileSync(scratch, 'utf8').trim().split('\n');
      expect(kept).toHaveLength(1);
      expect(BenchFigure.parse(JSON.parse(kept[0]!))).toEqual(made);
    } finally {
      dir.cleanup();
    }
  });

  it('compare reports each figure by name, on the ratio when the target is on it', () => {
    const figure = (name: string, value: number, ratio: number | null, met: boolean | null) =>
      BenchFigure.parse({
        figure: name,
        value,
        unit: 'ms',
        baseline: ratio === null ? null : { name: 'b', value: value / ratio, unit: 'ms' },
        ratio,
        target:
          met === null ? null : { op: '<=', value: 2, on: ratio === null ? 'value' : 'ratio' },
        met,
        method: 'test',
        samples: [],
      });
    const lines = compare(
      results([
        figure('a', 100, 2.5, false),
        figure('b', 10, null, null),
        figure('gone', 1, null, null),
      ]),
      results([
        figure('a', 120, 1.5, true),
        figure('b', 11, null, null),
        figure('new', 5, null, null),
      ]),
    );
    expect(lines[1]).toBe('  a: 2.5 → 1.5 (ratio) (-40.0 %, better, now met)');
    expect(lines[2]).toBe('  b: 10 → 11 ms (+10.0 %)');
    expect(lines[3]).toBe('  new: new, 5 ms');
    expect(lines[4]).toBe('  1 figure(s) of the earlier run not measured this time');
  });
});
