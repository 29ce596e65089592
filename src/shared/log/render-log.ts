import type { RunState, StepResult } from '../model';
import type { Runbook, Step } from '../model';
import { formatDuration } from '../util/duration';
import { fenced } from './format';
import { renderRehearsalReport } from './rehearsal';

const STATUS_LABEL: Record<StepResult['status'], string> = {
  pending: 'not done',
  running: 'running',
  passed: 'passed',
  failed: 'failed',
  checked: 'done',
  skipped: 'skipped',
  cancelled: 'cancelled',
  manual: 'done manually',
  interrupted: 'interrupted',
  unknown: 'unknown outcome (connection lost)',
};

const CHECKBOX: Record<StepResult['status'], string> = {
  pending: '[ ]',
  running: '[ ]',
  passed: '[x]',
  failed: '[ ]',
  checked: '[x]',
  skipped: '[-]',
  cancelled: '[ ]',
  manual: '[x]',
  interrupted: '[ ]',
  unknown: '[?]',
};

/** Output above this many characters is cut in the Markdown log; the journal keeps all of it. */
const LOG_OUTPUT_CHARS = 32 * 1024;

/**
 * Renders the maintenance log in the seeds' template (Date, Maintainer, Task,
 * Environment, Duration, Issues, Next Actions), then every step in runbook order.
 */
export function renderMaintenanceLog(run: RunState, runbook: Runbook, runbookPath: string): string {
  const started = new Date(run.startedAt);
  const ended = run.endedAt ? new Date(run.endedAt) : null;
  const failed = runbook.steps.filter((s) =>
    ['failed', 'interrupted', 'unknown'].includes(run.steps[s.id]?.status ?? ''),
  );
  const out: string[] = [];

  out.push(`# Maintenance log: ${run.runbookTitle}`, '');
  out.push(`Date: ${started.toISOString().slice(0, 10)}`);
  out.push(`Maintainer: ${run.maintainer}`);
  out.push(`Task: ${run.runbookTitle} (${runbookPath})`);
  if (run.runbookCommit) out.push(`Runbook commit: ${run.runbookCommit}`);
  out.push(`Environment: ${run.environment}`);
  if (run.outsideWindow) out.push(`Maintenance window: started ${run.outsideWindow}`);
  // An interrupted run's end is its last recorded activity: the stop came after it.
  const duration = ended ? formatDuration(ended.getTime() - started.getTime()) : 'in progress';
  out.push(`Duration: ${duration}${run.status === 'interrupted' ? ' (interrupted)' : ''}`);
  // What the operator wrote wins; without it, the failures speak.
  out.push(
    `Issues: ${run.issues ? multiline(run.issues) : failed.length === 0 ? 'None recorded' : failed.map((s) => issueOf(s, run.steps[s.id]!)).join('; ')}`,
  );
  out.push(
    `Next Actions: ${run.nextActions ? multiline(run.nextActions) : failed.length === 0 ? 'None recorded' : 'Investigate the failed steps listed above'}`,
  );
  out.push('');
  out.push('| Run | Status | Host | Started | Ended | Progress |');
  out.push('| --- | --- | --- | --- | --- | --- |');
  out.push(
    `| ${run.id} | ${run.status} | ${cell(run.host)} | ${run.startedAt} | ${run.endedAt ?? '—'} | ${run.done}/${run.total} done |`,
  );
  if (run.rehearsal) out.push('', renderRehearsalReport(run, runbook).trimEnd());
  out.push('', '## Steps');

  let section: string | null | undefined;
  for (const step of runbook.steps) {
    const result = run.steps[step.id];
    if (!result) continue;
    if (step.section !== section) {
      section = step.section;
      const title = runbook.sections.find((s) => s.id === section)?.title ?? 'Introduction';
      out.push('', `### ${title}`, '');
    }
    out.push(...renderStep(step, result));
  }
  if (run.approval) {
    out.push(
      '',
      '## Approval',
      '',
      `Plan \`${run.approval.planSha256}\` signed by ${run.approval.signer} (${run.approval.key}); verified ${run.approval.at}.`,
    );
  }
  if (run.confirmations.length > 0) {
    out.push('', '## Confirmations', '', 'Steps that asked before they ran, and who let them.', '');
    for (const c of run.confirmations) {
      const typed = c.typed !== null ? `, typing "${c.typed}"` : '';
      out.push(`- ${c.at}: ${c.by} confirmed, in ${c.environment}${typed}:`);
      for (const s of c.steps) for (const reason of s.reasons) out.push(`  - ${reason}`);
    }
  }
  if (run.manualCommands.length > 0) {
    out.push('', '## Manual commands', '', "Typed by hand in the run's shell between steps.", '');
    for (const c of run.manualCommands) {
      out.push(
        `- \`${c.command.replace(/`/g, "'")}\` — exit ${c.exitCode ?? '?'}, ${formatDuration(c.durationMs)}, on ${c.host} at ${c.at}`,
      );
      if (c.output) out.push('', indent(fenced(c.output, 'text')), '');
    }
  }
  const known = new Set(runbook.steps.map((s) => s.id));
  const gone = Object.entries(run.steps).filter(([id]) => !known.has(id));
  if (gone.length > 0) {
    out.push('', '### Steps no longer in the runbook', '');
    for (const [id, result] of gone) {
      out.push(
        `- ${CHECKBOX[result.status]} \`${id}\` — ${STATUS_LABEL[result.status]}${extras(result)}`,
      );
    }
  }
  out.push('');
  return out.join('\n');
}

function renderStep(step: Step, result: StepResult): string[] {
  const status = STATUS_LABEL[result.status];
  if (!step.code) {
    return [
      `- ${CHECKBOX[result.status]} ${step.text || '(untitled item)'} — ${status}${extras(result)}`,
    ];
  }
  const facts = [status];
  if (result.exitCode !== null) facts.push(`exit ${result.exitCode}`);
  if (result.durationMs !== null) facts.push(formatDuration(result.durationMs));
  if (result.host) {
    facts.push(
      `on ${result.host}${result.user ? ` as ${result.user}` : ''}${result.hostKey ? ` (host key ${result.hostKey})` : ''}`,
    );
  }
  const lines = [
    `- ${CHECKBOX[result.status]} **${label(step)}** — ${facts.join(', ')}${extras(result)}`,
    '',
    indent(fenced(step.code, step.lang ?? 'sh')),
    '',
  ];
  const hosts = Object.entries(result.hosts).sort(([a], [b]) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  if (hosts.length > 0) {
    lines.push(
      indent('| Host | Result | Exit | Duration | As | Host key |'),
      indent('| --- | --- | --- | --- | --- | --- |'),
    );
    for (const [host, h] of hosts) {
      lines.push(
        indent(
          `| ${cell(host)} | ${h.status}${h.detail ? ` (${cell(h.detail)})` : ''} | ${h.exitCode ?? '—'} | ${formatDuration(h.durationMs)} | ${h.user ?? '—'} | ${h.hostKey ?? '—'} |`,
        ),
      );
    }
    lines.push('');
    for (const [host, h] of hosts) {
      if (!h.output) continue;
      lines.push(
        indent(`<details><summary>Output on ${host}</summary>`),
        '',
        indent(fenced(h.output, 'text')),
        '',
        indent('</details>'),
        '',
      );
    }
  }
  if (result.startedAt && result.output !== null) {
    const cut = result.output.length - LOG_OUTPUT_CHARS;
    const text =
      cut > 0
        ? `… (${cut} earlier characters are in the run's journal)\n${result.output.slice(-LOG_OUTPUT_CHARS)}`
        : result.output;
    lines.push(
      indent(`<details><summary>Output (${result.outputBytes} bytes)</summary>`),
      '',
      indent(fenced(text || '(no output)', 'text')),
      '',
      indent('</details>'),
      '',
    );
  }
  return lines;
}

function extras(result: StepResult): string {
  const parts: string[] = [];
  if (result.skipReason) parts.push(`reason: ${result.skipReason}`);
  if (result.detail) parts.push(result.detail);
  if (result.note) parts.push(`note: ${result.note}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

function label(step: Step): string {
  const text = step.text || step.code?.split('\n').find((l) => l.trim()) || 'command';
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}

function issueOf(step: Step, result: StepResult): string {
  if (result.status === 'failed') return `${label(step)} failed (exit ${result.exitCode ?? '?'})`;
  return `${label(step)} ${result.status === 'unknown' ? 'has an unknown outcome (connection lost)' : 'interrupted'}`;
}

/** A field typed over several lines stays under its label. */
function multiline(text: string): string {
  const lines = text.trim().split(/\r?\n/);
  return lines.length === 1 ? lines[0]! : `\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
