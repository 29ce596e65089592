import type { RunState } from '../model';
import { runTimes, type Runbook, type Step } from '../model';
import { apportion, formatDuration, formatDurationAt } from '../util/duration';

const DEVIATIONS = new Set(['failed', 'skipped', 'manual', 'interrupted', 'unknown', 'cancelled']);

/** The report prints every duration at 0.01 s, so its rows add up to its total digit for digit. */
const UNIT = 10;

/**
 * The timed report of a disaster-recovery rehearsal: total against the RTO, and where it
 * went: each step's time, the time between steps (people reading, deciding, calling) and
 * any time the app was not running, in rows that add up to the total (`runTimes`); then
 * the slowest steps, failures and deviations (skipped, done by hand, interrupted). Part of
 * the maintenance log, and its own document.
 */
export function renderRehearsalReport(run: RunState, runbook: Runbook, level = 2): string {
  const rehearsal = run.rehearsal;
  if (!rehearsal) return '';
  const h = '#'.repeat(level);
  const times = runTimes(run);
  const met = times.totalMs <= rehearsal.rtoMs;
  const timed = runbook.steps
    .map((step) => ({ step, result: run.steps[step.id] }))
    .filter((s): s is { step: Step; result: NonNullable<typeof s.result> } => Boolean(s.result));
  // Steps that ran and then left the runbook (it was edited during the run) keep their time.
  const known = new Set(timed.map(({ step }) => step.id));
  const gone = Object.keys(times.perStep).filter((id) => !known.has(id));
  const stepIds = [...timed.map(({ step }) => step.id), ...gone];
  const rounded = apportion(
    [...stepIds.map((id) => times.perStep[id] ?? 0), times.betweenMs, times.interruptedMs],
    UNIT,
  );
  const at = (ms: number) => formatDurationAt(ms, UNIT);
  const share = (ms: number) => `${((ms / rehearsal.rtoMs) * 100).toFixed(1)}%`;
  const stepTime = new Map(stepIds.map((id, i) => [id, rounded[i]!]));
  const between = rounded[stepIds.length]!;
  const interrupted = rounded[stepIds.length + 1]!;
  const total = rounded.reduce((sum, ms) => sum + ms, 0);
  const steps = total - between - interrupted;

  const out: string[] = [];
  out.push(`${h} DR rehearsal: ${run.runbookTitle}`, '');
  out.push(`Target: ${rehearsal.target}`);
  out.push(`RTO: ${formatDuration(rehearsal.rtoMs)}`);
  out.push(
    `Total: ${at(total)}${run.endedAt ? '' : ' (still running)'} — ${met ? 'within' : 'OVER'} the RTO${met ? '' : ` by ${formatDuration(times.totalMs - rehearsal.rtoMs)}`}`,
  );
  out.push(
    `Where it went: steps ${at(steps)} + between steps ${at(between)}${times.interruptedMs > 0 ? ` + interrupted ${at(interrupted)}` : ''} = ${at(total)}`,
  );
  out.push(`Run: ${run.id}, ${run.maintainer}, started ${run.startedAt}`, '');
  out.push('| # | Step | Status | Time | Share of RTO |', '| --- | --- | --- | --- | --- |');
  timed.forEach(({ step, result }, i) => {
    const ran = times.runs[step.id] ?? 0;
    const status = ran > 1 ? `${result.status} (ran ${ran}×)` : result.status;
    const ms = stepTime.get(step.id)!;
    out.push(
      `| ${i + 1} | ${cell(name(step))} | ${status} | ${ran ? at(ms) : '—'} | ${ran ? share(ms) : '—'} |`,
    );
  });
  for (const id of gone) {
    const ms = stepTime.get(id)!;
    out.push(`| | ${cell(id)} (no longer in the runbook) | ran | ${at(ms)} | ${share(ms)} |`);
  }
  out.push(`| | Between steps | | ${at(between)} | ${share(between)} |`);
  if (times.interruptedMs > 0)
    out.push(
      `| | Interrupted (the app was not running) | | ${at(interrupted)} | ${share(interrupted)} |`,
    );
  out.push(`| | **Total** | | **${at(total)}** | **${share(total)}** |`);
  out.push(
    '',
    "A step's time runs from its start to its end as recorded (a fan-out once, however many hosts); between steps is the rest of the run: reading, deciding, ticking items, typing at the prompt. The rows add up to the total.",
  );
  const slowest = timed
    .filter(({ step }) => (times.runs[step.id] ?? 0) > 0)
    .sort((a, b) => stepTime.get(b.step.id)! - stepTime.get(a.step.id)!)
    .slice(0, 3);
  out.push('', `${h}# Slowest steps`, '');
  if (slowest.length === 0) out.push('No timed steps.');
  for (const { step } of slowest) out.push(`- ${name(step)}: ${at(stepTime.get(step.id)!)}`);
  const deviations = timed.filter(({ result }) => DEVIATIONS.has(result.status));
  const untouched = timed.filter(({ result }) => result.status === 'pending');
  out.push('', `${h}# Failures and deviations`, '');
  if (deviations.length === 0 && untouched.length === 0)
    out.push('None: every step was done as written.');
  for (const { step, result } of deviations) {
    const why = result.skipReason ?? result.detail ?? result.note;
    out.push(
      `- ${name(step)}: ${result.status}${result.exitCode !== null ? ` (exit ${result.exitCode})` : ''}${why ? ` — ${why}` : ''}`,
    );
  }
  if (untouched.length > 0)
    out.push(`- ${untouched.length} step${untouched.length > 1 ? 's' : ''} not done`);
  out.push('');
  return out.join('\n');
}

function name(step: Step): string {
  const text =
    step.attrs.name ?? (step.text || step.code?.split('\n').find((l) => l.trim()) || 'command');
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
