import type { DueItem } from '../../shared/api/contract';
import type { JournalRecord } from '../../shared/log/journal-records';
import { actionableSteps, DONE } from '../../shared/log/run-reducer';
import type { Cadence, Runbook } from '../../shared/runbook/types';
import { dueStatus } from '../../shared/schedule/due';
import { stepStatuses } from './history';

const ORDER = { overdue: 0, never: 1, 'due-soon': 2, ok: 3 } as const;

/** A finished run, reduced to when it ended and which steps it did. */
interface FinishedRun {
  runId: string;
  runbookId: string;
  endedAt: string;
  done: Set<string>;
}

export function finishedRuns(journals: Array<{ records: JournalRecord[] }>): FinishedRun[] {
  const runs: FinishedRun[] = [];
  for (const { records } of journals) {
    const first = records[0];
    const finished = records.find((r) => r.type === 'run.finished');
    if (!first || first.type !== 'run.started' || !finished) continue;
    const status = stepStatuses(records);
    runs.push({
      runId: first.runId,
      runbookId: first.runbookId,
      endedAt: finished.ts,
      done: new Set([...status].filter(([, s]) => DONE.has(s)).map(([id]) => id)),
    });
  }
  return runs;
}

/**
 * What is due: each runbook with a cadence (frontmatter), and each section with
 * one ("## Monthly Maintenance"), against the last finished run that did it — for
 * a section, a run in which every one of its steps was done, ticked, skipped or
 * marked done. Overdue first.
 */
export function dueItems(
  runbooks: Array<{ id: string; runbook: Runbook }>,
  runs: FinishedRun[],
  now: Date,
): DueItem[] {
  const items: DueItem[] = [];
  for (const { id, runbook } of runbooks) {
    const mine = runs.filter((r) => r.runbookId === id);
    const push = (
      cadence: Cadence,
      section: { id: string; title: string } | null,
      did: (run: FinishedRun) => boolean,
    ) => {
      const last = mine.filter(did).sort((a, b) => b.endedAt.localeCompare(a.endedAt))[0];
      const { status, dueAt } = dueStatus(cadence, last ? new Date(last.endedAt) : null, now);
      items.push({
        runbookId: id,
        runbookTitle: runbook.title,
        sectionId: section?.id ?? null,
        sectionTitle: section?.title ?? null,
        cadence,
        lastDoneAt: last?.endedAt ?? null,
        lastRunId: last?.runId ?? null,
        dueAt: dueAt?.toISOString() ?? null,
        status,
      });
    };
    if (runbook.cadence) push(runbook.cadence, null, () => true);
    const actionable = actionableSteps(runbook);
    for (const section of runbook.sections) {
      if (!section.cadence) continue;
      const inside = (sectionId: string | null): boolean => {
        for (let s = sectionId; s; s = runbook.sections.find((x) => x.id === s)?.parentId ?? null)
          if (s === section.id) return true;
        return false;
      };
      const scope = actionable.filter((s) => inside(s.section));
      if (scope.length === 0) continue;
      push(section.cadence, section, (run) => scope.every((s) => run.done.has(s.id)));
    }
  }
  return items.sort(
    (a, b) => ORDER[a.status] - ORDER[b.status] || (a.dueAt ?? '').localeCompare(b.dueAt ?? ''),
  );
}
