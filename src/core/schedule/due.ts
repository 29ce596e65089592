import { actionableSteps, type Cadence, type DueItem, type Runbook } from '../../shared/model';
import { dueStatus } from '../../shared/schedule/due';

const ORDER = { overdue: 0, never: 1, 'due-soon': 2, ok: 3 } as const;

/** A finished run, reduced to when it ended and which sections it did (by the runbook it ran). */
export interface FinishedRun {
  runId: string;
  runbookId: string;
  endedAt: string;
  sectionsDone: string[];
}

/**
 * What is due: each runbook with a cadence (frontmatter), and each section with
 * one ("## Monthly Maintenance"), against the last finished run that did it — for
 * a section, a run in which every one of its steps was done, ticked, skipped or
 * marked done (the steps the section had in the runbook that run used). Overdue first.
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
      if (!actionable.some((s) => s.section !== null && within(runbook, s.section, section.id)))
        continue;
      push(section.cadence, section, (run) => run.sectionsDone.includes(section.id));
    }
  }
  return items.sort(
    (a, b) => ORDER[a.status] - ORDER[b.status] || (a.dueAt ?? '').localeCompare(b.dueAt ?? ''),
  );
}

/** Whether a section is `section` or inside it. */
function within(runbook: Runbook, sectionId: string, section: string): boolean {
  for (
    let s: string | null = sectionId;
    s;
    s = runbook.sections.find((x) => x.id === s)?.parentId ?? null
  )
    if (s === section) return true;
  return false;
}
