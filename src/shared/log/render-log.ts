import type { RunState, StepResult } from '../model';
import {
  failingCommandsText,
  groupOutputs,
  groupTitle,
  rolloutText,
  type Runbook,
  type Step,
} from '../model';
import { formatDuration } from '../util/duration';
import { fenced } from './format';
import { hostOutputIsCut, shownHostOutput, shownOutput, type OutputFiles } from './output-cut';
import { logFields, stepLabel, type LogField } from './fields';
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

/**
 * Renders the maintenance log in the seeds' template (Date, Maintainer, Task,
 * Environment, Duration, Issues, Next Actions, and the result line), then every
 * step in runbook order. The header is a list, each field its own item, so a
 * Markdown viewer shows it as written rather than joining the lines into one
 * paragraph. A step's output longer than the log keeps is cut, saying how much and
 * where all of it is (`files`: the core's files of whole outputs beside the log).
 */
export function renderMaintenanceLog(
  run: RunState,
  runbook: Runbook,
  files: OutputFiles = {},
): string {
  const out: string[] = [];

  out.push(`# Maintenance log: ${run.runbookTitle}`, '');
  for (const field of logFields(run, runbook)) out.push(listItem(field));
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
    out.push(...renderStep(run.id, step, result, files));
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

function renderStep(runId: string, step: Step, result: StepResult, files: OutputFiles): string[] {
  const status = STATUS_LABEL[result.status];
  if (!step.code) {
    return [
      `- ${CHECKBOX[result.status]} ${step.text || '(untitled item)'} — ${status}${extras(result)}`,
    ];
  }
  const facts = [status];
  if (result.exitCode !== null) facts.push(`exit ${result.exitCode}`);
  if (result.durationMs !== null) facts.push(formatDuration(result.durationMs));
  // A step that passed with failing commands says so first: that is its result.
  const failing = failingCommandsText(result);
  if (failing && result.status === 'passed') facts[0] = failing;
  else if (failing) facts.push(failing);
  if (result.host) {
    facts.push(
      `on ${result.host}${result.user ? ` as ${result.user}` : ''}${result.hostKey ? ` (host key ${result.hostKey})` : ''}`,
    );
  }
  const lines = [
    `- ${CHECKBOX[result.status]} **${stepLabel(step)}** — ${facts.join(', ')}${extras(result)}`,
    '',
    indent(fenced(step.code, step.lang ?? 'sh')),
    '',
  ];
  const hosts = Object.entries(result.hosts).sort(([a], [b]) =>
    a.localeCompare(b, undefined, { numeric: true }),
  );
  if (result.rollout) {
    lines.push(indent(`Rollout: ${rolloutText(result.rollout)}.`), '');
    const notRun = hosts.filter(([, h]) => h.status === 'not-run').map(([host]) => host);
    if (notRun.length > 0)
      lines.push(indent(`Not run (${notRun.length}): ${notRun.map(cell).join(', ')}.`), '');
  }
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
    lines.push(...groupedOutput(result));
    // Hosts with the same whole output (none of it cut) share one block, where the first of
    // them would be; a host whose output is cut keeps its own, with its note and file.
    const sameAs = new Map<string, string[]>();
    for (const g of groupOutputs(result.hosts)?.groups ?? [])
      if (
        g.hosts.length > 1 &&
        g.output &&
        g.hosts.every((x) => !hostOutputIsCut(result.hosts[x]!))
      )
        for (const x of g.hosts) sameAs.set(x, g.hosts);
    for (const [host, h] of hosts) {
      if (!h.output) continue;
      const same = sameAs.get(host);
      if (same) {
        if (same[0] !== host) continue;
        lines.push(
          indent(
            `<details><summary>Output on ${same.length} hosts (same output): ${same.map(cell).join(', ')}</summary>`,
          ),
          '',
          indent(fenced(h.output, 'text')),
          '',
          indent('</details>'),
          '',
        );
        continue;
      }
      const { text, note } = shownHostOutput(runId, step.id, host, h, files);
      lines.push(
        indent(`<details><summary>Output on ${host}</summary>`),
        '',
        ...(note ? [indent(note), ''] : []),
        indent(fenced(text, 'text')),
        '',
        indent('</details>'),
        '',
      );
    }
  }
  if (result.startedAt && result.output !== null) {
    const { text, note } = shownOutput(runId, step.id, result, files);
    lines.push(
      indent(`<details><summary>Output (${result.outputBytes} bytes)</summary>`),
      '',
      ...(note ? [indent(note), ''] : []),
      indent(fenced(text || '(no output)', 'text')),
      '',
      indent('</details>'),
      '',
    );
  }
  return lines;
}

/**
 * Hosts with the same output as one line, and every other output as a diff against the
 * majority's: what the per-host blocks below say, read at a glance. Only when some hosts
 * share an output (otherwise there is nothing to group).
 */
function groupedOutput(result: StepResult): string[] {
  const grouped = groupOutputs(result.hosts);
  if (!grouped || grouped.groups.every((g) => g.hosts.length === 1)) return [];
  const lines = [indent(`Output of ${grouped.ran} hosts, grouped:`), ''];
  for (const [i, g] of grouped.groups.entries()) {
    lines.push(indent(`- ${groupTitle(grouped, i)}: ${g.hosts.map(cell).join(', ')}`));
    if (g.diff) lines.push('', indent(indent(fenced(g.diff, 'diff'))), '');
  }
  lines.push('');
  return lines;
}

function extras(result: StepResult): string {
  const parts: string[] = [];
  if (result.skipReason) parts.push(`reason: ${result.skipReason}`);
  if (result.detail) parts.push(result.detail);
  if (result.note) parts.push(`note: ${result.note}`);
  return parts.length ? ` (${parts.join('; ')})` : '';
}

/**
 * A header field as one list item: "- Label: value"; a value over several lines
 * continues inside the item, indented, with hard line breaks (two spaces at the end
 * of a line: unlike a backslash, they leave nothing behind when the next line
 * starts a list of its own, such as "- web-3 rebooted" typed into Issues).
 */
function listItem(field: LogField): string {
  return `- ${field.label}: ${field.value.split('\n').join('  \n  ')}`;
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
