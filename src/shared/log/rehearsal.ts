import type { RunState } from '../model';
import type { Runbook, Step } from '../model';
import { formatDuration } from '../util/duration';

const DEVIATIONS = new Set(['failed', 'skipped', 'manual', 'interrupted', 'unknown', 'cancelled']);

/**
 * The timed report of a disaster-recovery rehearsal: total against the RTO,
 * every step's duration, the slowest steps, failures and deviations (skipped,
 * done by hand, interrupted). Part of the maintenance log, and its own document.
 */
export function renderRehearsalReport(run: RunState, runbook: Runbook, level = 2): string {
  const rehearsal = run.rehearsal;
  if (!rehearsal) return '';
  const h = '#'.repeat(level);
  const end = run.endedAt ? Date.parse(run.endedAt) : Date.now();
  const total = end - Date.parse(run.startedAt);
  const met = total <= rehearsal.rtoMs;
  const timed = runbook.steps
    .map((step) => ({ step, result: run.steps[step.id] }))
    .filter((s): s is { step: Step; result: NonNullable<typeof s.result> } => Boolean(s.result));
  const out: string[] = [];
  out.push(`${h} DR rehearsal: ${run.runbookTitle}`, '');
  out.push(`Target: ${rehearsal.target}`);
  out.push(`RTO: ${formatDuration(rehearsal.rtoMs)}`);
  out.push(
    `Total: ${formatDuration(total)}${run.endedAt ? '' : ' (still running)'} — ${met ? 'within' : 'OVER'} the RTO${met ? '' : ` by ${formatDuration(total - rehearsal.rtoMs)}`}`,
  );
  out.push(`Run: ${run.id}, ${run.maintainer}, started ${run.startedAt}`, '');
  out.push('| # | Step | Status | Duration | Share of RTO |', '| --- | --- | --- | --- | --- |');
  timed.forEach(({ step, result }, i) => {
    const share =
      result.durationMs === null
        ? '—'
        : `${((result.durationMs / rehearsal.rtoMs) * 100).toFixed(1)}%`;
    out.push(
      `| ${i + 1} | ${cell(name(step))} | ${result.status} | ${formatDuration(result.durationMs)} | ${share} |`,
    );
  });
  const slowest = timed
    .filter(({ result }) => result.durationMs !== null)
    .sort((a, b) => b.result.durationMs! - a.result.durationMs!)
    .slice(0, 3);
  out.push('', `${h}# Slowest steps`, '');
  if (slowest.length === 0) out.push('No timed steps.');
  for (const { step, result } of slowest)
    out.push(`- ${name(step)}: ${formatDuration(result.durationMs)}`);
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
