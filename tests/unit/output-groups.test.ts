import { describe, expect, it } from 'vitest';
import { groupOutputs, groupTitle, type HostResult } from '../../src/shared/model';

// Issue 16, point 2: hosts with the same output read as one; the others as a diff against
// the majority's.

const host = (output: string, status: HostResult['status'] = 'passed'): HostResult => ({
  status,
  exitCode: status === 'passed' ? 0 : null,
  durationMs: 1,
  user: 'root',
  hostKey: null,
  detail: status === 'not-run' ? 'not run: stopped' : null,
  output,
  failedCommands: [],
});

describe('grouped outputs', () => {
  it('one group when every host printed the same', () => {
    const hosts = Object.fromEntries(
      Array.from({ length: 47 }, (_, i) => [`web-${i + 1}`, host('kernel 6.1\nok')]),
    );
    const grouped = groupOutputs(hosts)!;
    expect(grouped.groups).toHaveLength(1);
    expect(groupTitle(grouped, 0)).toBe('47 hosts: same output');
    expect(grouped.groups[0]!.hosts.slice(0, 3)).toEqual(['web-1', 'web-2', 'web-3']);
  });

  it('an outlier is diffed against the majority; hosts that did not run are left out', () => {
    const grouped = groupOutputs({
      'web-10': host('kernel 6.1\nuptime ok\ndisk ok'),
      'web-2': host('kernel 6.1\nuptime ok\ndisk ok'),
      'web-3': host('kernel 5.10\nuptime ok\ndisk ok'),
      'web-4': host('kernel 6.1\nuptime ok\ndisk ok'),
      'web-5': host('', 'unreachable'),
      'web-6': host('', 'not-run'),
    })!;
    expect(grouped.ran).toBe(4);
    expect(grouped.groups.map((g) => g.hosts)).toEqual([['web-2', 'web-4', 'web-10'], ['web-3']]);
    expect(groupTitle(grouped, 0)).toBe('3 hosts: same output (the majority)');
    expect(groupTitle(grouped, 1)).toBe('web-3: differs from the majority');
    const diff = grouped.groups[1]!.diff!;
    expect(diff).toContain('--- web-2 and 2 more');
    expect(diff).toContain('+++ web-3');
    expect(diff).toContain('-kernel 6.1\n+kernel 5.10\n uptime ok');
    expect(diff).not.toContain('=====');
  });

  it('a tie for the largest group is no majority: the others are compared with its first host', () => {
    const grouped = groupOutputs({
      'web-1': host('patched'),
      'web-2': host('patched'),
      'web-3': host('patch failed'),
      'web-4': host('patch failed'),
    })!;
    expect(groupTitle(grouped, 0)).toBe(
      '2 hosts: same output (as large as another group: the others are compared with it)',
    );
    expect(groupTitle(grouped, 1)).toBe("2 hosts: differs from web-1's output");
  });

  it('an output with nothing in common is named, not diffed at length', () => {
    const lines = (seed: string) =>
      Array.from({ length: 5000 }, (_, i) => `${seed}${i}`).join('\n');
    const grouped = groupOutputs({
      a: host(lines('x')),
      b: host(lines('x')),
      c: host(lines('y')),
    })!;
    expect(grouped.groups[1]).toMatchObject({ hosts: ['c'], diff: null, tooDifferent: true });
    expect(groupTitle(grouped, 1)).toContain('too unlike the majority to diff');
    expect(groupOutputs({ a: host('x') })).toBeNull();
  });

  it('diffs at most the 20 largest other groups; with nothing shared, none', () => {
    const hosts: Record<string, HostResult> = {};
    for (let i = 1; i <= 30; i++) hosts[`same-${i}`] = host('ok');
    for (let i = 1; i <= 30; i++) hosts[`own-${i}`] = host(`ok ${i}`);
    const grouped = groupOutputs(hosts)!;
    expect(grouped.groups).toHaveLength(31);
    expect(grouped.groups.filter((g) => g.diff !== null)).toHaveLength(20);
    expect(groupTitle(grouped, 30)).toBe('own-30: a different output');
    const unique = groupOutputs({ a: host('1'), b: host('2'), c: host('3') })!;
    expect(unique.groups.every((g) => g.diff === null)).toBe(true);
  });
});
