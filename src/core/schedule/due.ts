import {
  actionableSteps,
  DONE,
  type Cadence,
  type DueItem,
  type Runbook,
  type RunState,
} from '../../shared/model';
import { dueStatus } from '../../shared/schedule/due';

const ORDER = { overdue: 0, never: 1, 'due-soon': 2, ok: 3 } as const;

/** How far a run got in a scope (the whole runbook, or a section with its subsections). */
export interface ScopeProgress {
  /** Steps done, ticked, skipped or marked done. */
  done: number;
  failed: number;
  /** Actionable steps in the scope, in the runbook the run used. */
  total: number;
}

/** A run's progress: the whole runbook, and each section it did at least one step of. */
export interface RunProgress {
  whole: ScopeProgress;
  sections: Record<string, ScopeProgress>;
}

/** A finished run, reduced to when it ended and how far it got (by the runbook it ran). */
export interface FinishedRun {
  runId: string;
  runbookId: string;
  endedAt: string;
  rehearsal: boolean;
  progress: RunProgress;
}

/** Every step of the scope done: only such a run counts towards the scope's cadence. */
export function complete(p: ScopeProgress | undefined): boolean {
  return p !== undefined && p.done === p.total;
}

/**
 * What is due: each runbook with a cadence (frontmatter), and each section with
 * one ("## Monthly Maintenance"), against the last finished run that did every
 * step of it (done, ticked, skipped or marked done, in the runbook that run used).
 * A run that did only part of it does not count, and the newest such run since the
 * last complete one is named (`lastPartial`), so the screen can say what it did.
 * Overdue first.
 */
export function dueItems(
  runbooks: Array<{ id: string; runbook: Runbook }>,
  runs: FinishedRun[],
  now: Date,
): DueItem[] {
  const items: DueItem[] = [];
  for (const { id, runbook } of runbooks) {
    const mine = runs
      .filter((r) => r.runbookId === id)
      .sort((a, b) => b.endedAt.localeCompare(a.endedAt));
    const push = (
      cadence: Cadence,
      section: { id: string; title: string } | null,
      scope: (run: FinishedRun) => ScopeProgress | undefined,
    ) => {
      const last = mine.find((run) => complete(scope(run)));
      const partial = mine.find((run) => {
        if (last && run.endedAt <= last.endedAt) return false;
        const p = scope(run);
        return p !== undefined && p.done + p.failed > 0 && !complete(p);
      });
      const { status, dueAt } = dueStatus(cadence, last ? new Date(last.endedAt) : null, now);
      const p = partial ? scope(partial)! : null;
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
        lastPartial:
          partial && p
            ? {
                runId: partial.runId,
                endedAt: partial.endedAt,
                done: p.done,
                failed: p.failed,
                total: p.total,
                rehearsal: partial.rehearsal,
              }
            : null,
      });
    };
    if (runbook.cadence) push(runbook.cadence, null, (run) => run.progress.whole);
    const actionable = actionableSteps(runbook);
    for (const section of runbook.sections) {
      if (!section.cadence) continue;
      if (!actionable.some((s) => s.section !== null && within(runbook, s.section, section.id)))
        continue;
      push(section.cadence, section, (run) => run.progress.sections[section.id]);
    }
  }
  return items.sort(
    (a, b) => ORDER[a.status] - ORDER[b.status] || (a.dueAt ?? '').localeCompare(b.dueAt ?? ''),
  );
}

/** A run's progress through the runbook it ran, from its steps' statuses. */
export function progressOf(runbook: Runbook, state: RunState): RunProgress {
  const actionable = actionableSteps(runbook);
  const status = (id: string) => state.steps[id]?.status ?? 'pending';
  const count = (steps: typeof actionable): ScopeProgress => ({
    done: steps.filter((s) => DONE.has(status(s.id))).length,
    failed: steps.filter((s) => status(s.id) === 'failed').length,
    total: steps.length,
  });
  const sections: Record<string, ScopeProgress> = {};
  for (const section of runbook.sections) {
    const scope = actionable.filter(
      (s) => s.section !== null && within(runbook, s.section, section.id),
    );
    const p = count(scope);
    if (p.total > 0 && p.done + p.failed > 0) sections[section.id] = p;
  }
  return { whole: count(actionable), sections };
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
