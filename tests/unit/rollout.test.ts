import { describe, expect, it } from 'vitest';
import {
  batchesOf,
  batchLabel,
  blockedReason,
  failLimitOf,
  parseBatchSpec,
  parseFailLimit,
  planRollout,
  rolloutSpecOf,
} from '../../src/shared/model';
import { parseDurationMs } from '../../src/shared/runbook/info-string';
import { parseRunbook } from '../../src/shared/runbook/parse';

// Issue 16, point 1: the arithmetic of a rolling fan-out (batch sizes, failure limits) and
// how bad values of its attributes are reported.

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const sizes = (spec: string, n: number) =>
  batchesOf(hosts(n), parseBatchSpec(spec)).map((b) => b.length);

describe('batch sizes', () => {
  it('a canary, a percentage rounded up, then the rest', () => {
    expect(sizes('1,10%,rest', 20)).toEqual([1, 2, 17]);
    expect(sizes('1,10%,rest', 25)).toEqual([1, 3, 21]);
    expect(sizes('1,rest', 20)).toEqual([1, 19]);
  });

  it('the last size repeats until the hosts run out; the last batch takes what is left', () => {
    expect(sizes('1,5,25%', 20)).toEqual([1, 5, 5, 5, 4]);
    expect(sizes('1,5', 12)).toEqual([1, 5, 5, 1]);
    expect(sizes('5', 20)).toEqual([5, 5, 5, 5]);
  });

  it('a percentage is at least one host; sizes past the hosts are not used', () => {
    expect(sizes('1%', 3)).toEqual([1, 1, 1]);
    expect(sizes('2,10,rest', 3)).toEqual([2, 1]);
    expect(sizes('100%', 7)).toEqual([7]);
    expect(batchesOf([], parseBatchSpec('1,rest'))).toEqual([]);
  });

  it('keeps the hosts in order, each in exactly one batch', () => {
    const batches = batchesOf(hosts(20), parseBatchSpec('1,10%,rest'));
    expect(batches.flat()).toEqual(hosts(20));
    expect(batches[0]).toEqual(['h1']);
  });

  it('refuses what it cannot read', () => {
    for (const bad of ['', 'rest,1', '0', '1,,2', '150%', '0%', 'ten', '1;2', '-1', '1.5', '%'])
      expect(parseBatchSpec(bad), bad).toBeNull();
    expect(parseBatchSpec(3)).toEqual([{ count: 3 }]);
    expect(parseBatchSpec('1, 10% ,rest')).toEqual([{ count: 1 }, { percent: 10 }, 'rest']);
  });
});

describe('failure limits', () => {
  it('a count, or a percentage of the hosts rounded down', () => {
    expect(failLimitOf(parseFailLimit('3'), 20)).toBe(3);
    expect(failLimitOf(parseFailLimit('0'), 20)).toBe(0);
    expect(failLimitOf(parseFailLimit('10%'), 20)).toBe(2);
    expect(failLimitOf(parseFailLimit('10%'), 25)).toBe(2);
    expect(failLimitOf(parseFailLimit('10%'), 5)).toBe(0);
    expect(failLimitOf(null, 20)).toBeNull();
    for (const bad of ['', 'x', '-1', '101%', '1.5', '3 hosts'])
      expect(parseFailLimit(bad), bad).toBeNull();
  });

  it('a plan names its batches and limit; without rollout attributes there is none', () => {
    const plan = planRollout(hosts(20), { batch: '1,10%,rest', maxFail: '10%', pause: 'ask' })!;
    expect(plan.batches.map((b) => b.length)).toEqual([1, 2, 17]);
    expect(plan).toMatchObject({ maxFail: 2, pause: 'ask', current: -1, stopped: null });
    expect(batchLabel({ ...plan, current: 2 })).toBe('batch 3 of 3 · 17 hosts');
    expect(planRollout(hosts(3), { batch: null, maxFail: null, pause: null })).toBeNull();
    // maxFail alone: one batch of every host.
    const limit = planRollout(hosts(4), { batch: null, maxFail: '1', pause: null })!;
    expect(limit.batches).toEqual([hosts(4)]);
  });
});

describe('rollout attributes in a runbook', () => {
  const source = [
    '---', //                                                  1
    'batch: 1,rest', //                                        2
    'pauseBetween: soon', //                                   3
    '---', //                                                  4
    '', //                                                     5
    '```bash {batch=rest,1}', //                               6
    'echo a', //                                               7
    '```', //                                                  8
    '', //                                                     9
    '```bash {maxFail=lots pauseBetween=ask}', //             10
    'echo b', //                                              11
    '```', //                                                 12
    '', //                                                    13
    '```bash {batch=1,10%,rest maxFail=10% pauseBetween=2m}', // 14
    'echo c', //                                              15
    '```', //                                                 16
    '', //                                                    17
    '```bash {pauseBetween=banana}', //                       18
    'echo d', //                                              19
    '```', //                                                 20
  ].join('\n');
  const rb = parseRunbook(source);
  const step = (line: number) => rb.steps.find((s) => s.line === line)!;

  it('bad values are errors naming the line, the value and what was expected', () => {
    const errors = rb.warnings.filter((w) => w.severity === 'error');
    expect(errors.map((e) => [e.line, e.message])).toEqual(
      expect.arrayContaining([
        [
          3,
          expect.stringMatching(
            /frontmatter pauseBetween: soon is not valid \(expected a duration/,
          ),
        ],
        [
          6,
          expect.stringMatching(
            /batch=rest,1 is not valid \(expected batch sizes such as 1,10%,rest/,
          ),
        ],
        [10, expect.stringMatching(/maxFail=lots is not valid \(expected a number of hosts/)],
        [18, expect.stringMatching(/pauseBetween=banana is not valid \(expected a duration/)],
      ]),
    );
  });

  it('stop the steps they concern, as any bad attribute does', () => {
    expect(rb.steps.map((s) => [s.line, s.blocked.map((b) => b.line)])).toEqual([
      [6, [6, 3]],
      [10, [10]],
      [14, []],
      [18, [18, 3]],
    ]);
    expect(blockedReason(step(18))).toMatch(/line 18: fence attribute pauseBetween=banana/);
    expect(step(14).attrs).toMatchObject({
      batch: '1,10%,rest',
      maxFail: '10%',
      pauseBetween: 120_000,
    });
    expect(step(10).attrs.pauseBetween).toBe('ask');
  });
});

describe('rollout defaults from the frontmatter', () => {
  it("a step's own attribute wins; the frontmatter fills the rest", () => {
    const front = { batch: '1,rest', maxFail: 2, pauseBetween: '30s' };
    expect(rolloutSpecOf({}, front, parseDurationMs)).toEqual({
      batch: '1,rest',
      maxFail: '2',
      pause: 30_000,
    });
    expect(rolloutSpecOf({ batch: '5', pauseBetween: 'ask' }, front, parseDurationMs)).toEqual({
      batch: '5',
      maxFail: '2',
      pause: 'ask',
    });
    expect(rolloutSpecOf({}, {}, parseDurationMs)).toEqual({
      batch: null,
      maxFail: null,
      pause: null,
    });
  });
});
