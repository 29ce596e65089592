/**
 * A fan-out's hosts grouped by their output: fifty identical outputs read as one ("47 hosts:
 * same output"), and each other output is shown as a diff against the majority's.
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { z } from 'zod';
import { compareHosts } from '../util/host-order';
import type { HostResult } from './run';

/** Hosts with the same output. */
export const OutputGroup = z.object({
  hosts: z.array(z.string()),
  output: z.string(),
  /**
   * A unified diff from the majority's output to this group's: null for the majority, and
   * for an output too unlike it to diff cheaply (`tooDifferent`).
   */
  diff: z.string().nullable(),
  tooDifferent: z.boolean(),
});
export type OutputGroup = z.infer<typeof OutputGroup>;

/** The hosts that ran, grouped: the majority first, then the others, largest first. */
export const OutputGroups = z.object({
  ran: z.number().int().nonnegative(),
  groups: z.array(OutputGroup),
});
export type OutputGroups = z.infer<typeof OutputGroups>;

/**
 * Past this many edits a diff is not worth reading (the outputs have little in common) and
 * would cost time on every render: the group says it is too different instead.
 */
const MAX_EDITS = 500;

/**
 * Groups diffed against the majority, largest first: the log is written again as a run goes
 * on, and 500 hosts that each print their own name would mean 499 diffs every time. The
 * others are named as different, not diffed.
 */
const MAX_DIFFED = 20;

/**
 * Groups the hosts that ran (not the unreachable ones, nor those a rollout or a cancel never
 * started on) by their exact output. Null when fewer than two hosts ran.
 */
export function groupOutputs(hosts: Record<string, HostResult>): OutputGroups | null {
  const ran = Object.entries(hosts).filter(
    ([, h]) =>
      h.status !== 'unreachable' && h.status !== 'not-run' && !h.detail?.startsWith('not run'),
  );
  if (ran.length < 2) return null;
  const byOutput = new Map<string, string[]>();
  for (const [host, h] of ran) {
    const list = byOutput.get(h.output);
    if (list) list.push(host);
    else byOutput.set(h.output, [host]);
  }
  const groups = [...byOutput.entries()].map(([output, names]) => ({
    output,
    hosts: names.sort(compareHosts),
  }));
  // The largest first; between groups of one size, the one whose first host comes first.
  groups.sort((a, b) => b.hosts.length - a.hosts.length || compareHosts(a.hosts[0]!, b.hosts[0]!));
  const majority = groups[0]!;
  const shared = majority.hosts.length > 1;
  return {
    ran: ran.length,
    groups: groups.map((g, i) => {
      // Nothing shared (every host its own output): nothing to read as one, so nothing diffed.
      if (i === 0 || !shared || i > MAX_DIFFED) return { ...g, diff: null, tooDifferent: false };
      const label = (x: { hosts: string[] }) =>
        x.hosts.length === 1 ? x.hosts[0]! : `${x.hosts[0]} and ${x.hosts.length - 1} more`;
      const diff = createTwoFilesPatch(
        label(majority),
        label(g),
        withNewline(majority.output),
        withNewline(g.output),
        undefined,
        undefined,
        { context: 2, maxEditLength: MAX_EDITS, headerOptions: FILE_HEADERS_ONLY },
      );
      return { ...g, diff: diff ?? null, tooDifferent: diff === undefined };
    }),
  };
}

/** "47 hosts: same output", "web-3: differs", as the app and the log title a group. */
export function groupTitle(groups: OutputGroups, index: number): string {
  const g = groups.groups[index]!;
  const n = g.hosts.length;
  if (groups.groups.length === 1) return `${n} hosts: same output`;
  const who = n === 1 ? g.hosts[0]! : `${n} hosts`;
  // A tie for the largest group is no majority: the others are compared with its first host's.
  const first = groups.groups[0]!;
  const tie = groups.groups[1]!.hosts.length === first.hosts.length;
  const reference = tie ? `${first.hosts[0]}'s output` : 'the majority';
  return index === 0
    ? `${who}: same output (${tie ? 'as large as another group: the others are compared with it' : 'the majority'})`
    : `${who}: ${g.tooDifferent ? `a different output (too unlike ${reference} to diff)` : g.diff === null ? 'a different output' : `differs from ${reference}`}`;
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
