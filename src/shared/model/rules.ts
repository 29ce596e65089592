/**
 * Rules that the core and the renderer both need, written once: what counts as
 * done, which steps a person can act on, which steps "Run from here" covers, and
 * which hosts a runbook targets.
 */
import type { Runbook, RunbookSummary, Step } from './runbook';
import { asks } from './danger';
import type { RunState, StepResult, StepStatus } from './run';

/** Statuses that count a step as done (ticked, passed, skipped with a reason, done by hand). */
export const DONE: ReadonlySet<StepStatus> = new Set<StepStatus>([
  'passed',
  'checked',
  'skipped',
  'manual',
]);

export function isDone(status: string | null | undefined): boolean {
  return DONE.has(status as StepStatus);
}

/** Statuses of a step that ran and ended (the Output of a step card is shown for these). */
export const ENDED: ReadonlySet<StepStatus> = new Set<StepStatus>([
  'passed',
  'failed',
  'cancelled',
  'interrupted',
  'unknown',
]);

/** Whether a person can act on a step: a check item, or a runnable command. */
export function isActionable(step: Step): boolean {
  return step.kind === 'check' || step.runnable;
}

/** Steps a person can act on: check items and runnable commands. */
export function actionableSteps(runbook: Runbook): Step[] {
  return runbook.steps.filter(isActionable);
}

/**
 * What "Run from here" runs, in order: `first`, then every later runnable step
 * that is not done and not `excludeFromRunAll`. `only` narrows it to a set of
 * step ids (the CLI's --section and --step).
 */
export function stepsFrom(
  runbook: Runbook,
  state: Pick<RunState, 'steps'> | null,
  first: Step,
  only?: ReadonlySet<string>,
): Step[] {
  const all = runbook.steps;
  const start = all.findIndex((s) => s.id === first.id);
  if (start < 0) return [];
  const chosen = all.slice(start).filter((s, i) => {
    if (only && !only.has(s.id)) return false;
    if (i === 0) return true;
    if (!s.runnable || s.attrs.excludeFromRunAll) return false;
    return !isDone(state?.steps[s.id]?.status);
  });
  // A step that cannot run (an error in the runbook) ends the sequence before it.
  const blocked = chosen.findIndex((s, i) => i > 0 && s.blocked.length > 0);
  return blocked < 0 ? chosen : chosen.slice(0, blocked);
}

/**
 * Why a step cannot run, naming each error's line: "the step at line 9 cannot run: line 9:
 * fence attribute timeout=banana is not valid (expected …)". Null when nothing stops it. The
 * card, the core and the CLI say the same.
 */
export function blockedReason(step: Step): string | null {
  if (step.blocked.length === 0) return null;
  const errors = step.blocked.map((b) => `line ${b.line}: ${b.message}`).join('; ');
  return `the step at line ${step.line} cannot run until the runbook is fixed: ${errors}`;
}

/** Why a step whose fence was never closed asks before it runs: where it was opened and cut. */
export function repairedReason(step: Step): string | null {
  const r = step.repaired;
  if (!r) return null;
  return `line ${r.openedLine}: the code fence opened here is never closed; Runsheet ended the block at line ${r.lastLine}, ${r.cut}: check that the code shown is all of it and nothing more`;
}

/**
 * The hosts a runbook targets by itself: frontmatter `host`, `hosts` or
 * `targets` (a name, a group, or a list of them), as one comma-separated spec;
 * null for this machine.
 */
export function runbookTargets(runbook: Pick<Runbook, 'frontmatter'>): string | null {
  const fm = runbook.frontmatter;
  const value = fm.host ?? fm.hosts ?? fm.targets;
  if (Array.isArray(value)) return value.length > 0 ? value.map(String).join(',') : null;
  return typeof value === 'string' && value.trim() ? value : null;
}

/**
 * Steps of `steps` that ask before they run, with why: destructive commands (the
 * guard's flags of severity high or medium), `confirm=true`, and code from a fence
 * that was never closed. In a rehearsal a step marked `rehearsal=safe` runs
 * without asking about its flags.
 */
export function stepsToConfirm(
  steps: Step[],
  rehearsal: boolean,
): Array<{ step: Step; reasons: string[] }> {
  return steps.flatMap((step) => {
    const reasons =
      rehearsal && step.attrs.rehearsal === 'safe'
        ? []
        : step.danger.filter(asks).map((f) => `line ${f.line}: ${f.reason}`);
    if (step.attrs.confirm && reasons.length === 0) reasons.push('the step asks for confirmation');
    // A block cut by Runsheet always asks, in a rehearsal too: nobody wrote where it ends.
    const repaired = repairedReason(step);
    if (repaired) reasons.push(repaired);
    return reasons.length > 0 ? [{ step, reasons }] : [];
  });
}

/**
 * A rehearsal's "Run from here" runs up to the next flagged step after the first
 * and holds it there: each destructive step is confirmed on its own (a step marked
 * `rehearsal=safe` is not held). Outside a rehearsal nothing is held.
 */
export function holdFlagged(
  steps: Step[],
  rehearsal: boolean,
): { steps: Step[]; held: Step | null } {
  if (!rehearsal) return { steps, held: null };
  const next = steps.findIndex((s, i) => i > 0 && stepsToConfirm([s], true).length > 0);
  return next < 0 ? { steps, held: null } : { steps: steps.slice(0, next), held: steps[next]! };
}

/** A step's name for people: its `name=`, else its text, else its first line of code. */
export function stepName(step: Step): string {
  return (
    step.attrs.name ?? (step.text || step.code?.split('\n').find((l) => l.trim()) || 'command')
  );
}

/**
 * The steps a person can act on that are not done (pending, failed, cancelled,
 * interrupted, unknown), in runbook order: what Finish asks about.
 */
export function stepsNotDone(runbook: Runbook, state: Pick<RunState, 'steps'>): Step[] {
  return actionableSteps(runbook).filter((s) => !isDone(state.steps[s.id]?.status ?? 'pending'));
}

/**
 * The commands of a step that failed, in words, for its card and the log: "passed with 1
 * failing command: line 12 `grep foo x` exited 1" (a step that failed: "2 failing commands:
 * …"). Null when none failed.
 */
export function failingCommandsText(
  result: Pick<StepResult, 'status' | 'failedCommands'>,
): string | null {
  const failed = result.failedCommands;
  if (failed.length === 0) return null;
  const count = `${failed.length} failing command${failed.length === 1 ? '' : 's'}`;
  const list = failed
    .map(
      (f) =>
        `line ${f.line ?? `${f.stepLine} of the step`} \`${f.command.replace(/`/g, "'")}\` exited ${f.exitCode}`,
    )
    .join('; ');
  return `${result.status === 'passed' ? `passed with ${count}` : count}: ${list}`;
}

/** A runbook's cadence in words: "monthly", "no cadence: invalid value" (a `cadence:` that is none), or null. */
export function cadenceText(
  summary: Pick<RunbookSummary, 'cadence' | 'cadenceError'>,
): string | null {
  if (summary.cadence) return summary.cadence;
  return summary.cadenceError !== null ? 'no cadence: invalid value' : null;
}
