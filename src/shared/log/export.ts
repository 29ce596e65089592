import { stringify } from 'csv-stringify/sync';
import type { ExportFormat, RunState, StepResult } from '../model';
import { stepName, type Runbook, type Step } from '../model';
import { formatDuration } from '../util/duration';
import { logFields } from './fields';
import { renderRehearsalReport } from './rehearsal';
import { shownHostOutput, shownOutput, type OutputFiles } from './output-cut';
import { renderMaintenanceLog } from './render-log';

export const EXPORT_TYPES: Record<ExportFormat, { extension: string; mime: string }> = {
  md: { extension: 'md', mime: 'text/markdown' },
  jira: { extension: 'jira.txt', mime: 'text/plain' },
  json: { extension: 'json', mime: 'application/json' },
  csv: { extension: 'csv', mime: 'text/csv' },
};

/**
 * A run's record for a tracker or a spreadsheet, in one of the export formats. A
 * step's output is cut as in the log, saying how much and where all of it is
 * (`files`, see renderMaintenanceLog).
 */
export function exportRun(
  format: ExportFormat,
  run: RunState,
  runbook: Runbook,
  files: OutputFiles = {},
): string {
  switch (format) {
    case 'md':
      // The maintenance log is GitHub/GitLab-flavoured Markdown already (tables, <details>).
      return renderMaintenanceLog(run, runbook, files);
    case 'jira':
      return jira(run, runbook, files);
    case 'json':
      return `${JSON.stringify(structured(run, runbook, files), null, 2)}\n`;
    case 'csv':
      return csv(run, runbook);
  }
}

/** A short title for an issue about this run. */
export function exportTitle(run: RunState): string {
  const failed = Object.values(run.steps).filter((s) => s.status === 'failed').length;
  const kind = run.rehearsal ? 'DR rehearsal' : 'Maintenance';
  return `${kind}: ${run.runbookTitle} — ${run.startedAt.slice(0, 10)}${failed ? ` (${failed} failed)` : ''}`;
}

function stepsInOrder(run: RunState, runbook: Runbook): Array<{ step: Step; result: StepResult }> {
  return runbook.steps
    .map((step) => ({ step, result: run.steps[step.id]! }))
    .filter(({ result }) => Boolean(result));
}

const name = stepName;

function sectionOf(runbook: Runbook, step: Step): string {
  return runbook.sections.find((s) => s.id === step.section)?.title ?? '';
}

function structured(run: RunState, runbook: Runbook, files: OutputFiles) {
  return {
    /** The log header's fields, as the Markdown log, Jira and CSV show them. */
    fields: Object.fromEntries(logFields(run, runbook).map((f) => [f.key, f.value])),
    run: {
      id: run.id,
      runbook: run.runbookId,
      title: run.runbookTitle,
      status: run.status,
      startedAt: run.startedAt,
      endedAt: run.endedAt,
      maintainer: run.maintainer,
      host: run.host,
      environment: run.environment,
      issues: run.issues,
      nextActions: run.nextActions,
      rehearsal: run.rehearsal,
      runbookCommit: run.runbookCommit,
      outsideWindow: run.outsideWindow,
      done: run.done,
      total: run.total,
    },
    steps: stepsInOrder(run, runbook).map(({ step, result }) => {
      const shown = shownOutput(run.id, step.id, result, files);
      return {
        id: step.id,
        line: step.line,
        section: sectionOf(runbook, step),
        name: name(step),
        kind: step.kind,
        status: result.status,
        exitCode: result.exitCode,
        startedAt: result.startedAt,
        endedAt: result.endedAt,
        durationMs: result.durationMs,
        host: result.host,
        user: result.user,
        hostKey: result.hostKey,
        note: result.note,
        skipReason: result.skipReason,
        detail: result.detail,
        output: result.output === null ? null : shown.text,
        /** Set when the output is cut: how much, and where all of it is. */
        outputCut: shown.cut,
        hosts: Object.fromEntries(
          Object.entries(result.hosts).map(([host, h]) => {
            const part = shownHostOutput(run.id, step.id, host, h, files);
            return [host, { ...h, output: part.text, outputCut: part.cut }];
          }),
        ),
        /** A fan-out in batches: its batches, its limit, where it stopped and why. */
        rollout: result.rollout,
        /** Hosts the step never started on (a rollout stopped by its failure limit), and why. */
        notRun: Object.entries(result.hosts)
          .filter(([, h]) => h.status === 'not-run')
          .map(([host, h]) => ({ host, reason: h.detail })),
      };
    }),
    manualCommands: run.manualCommands,
  };
}

/**
 * One row per step; the log header's fields in columns after the step's own, on
 * every row (a spreadsheet filters and groups runs by them). A run without steps
 * still has its row.
 */
function csv(run: RunState, runbook: Runbook): string {
  const fields = logFields(run, runbook);
  const stepColumns = [
    'section',
    'step',
    'line',
    'status',
    'exit_code',
    'duration_ms',
    'host',
    'user',
    'started_at',
    'ended_at',
    'note',
  ];
  const steps = stepsInOrder(run, runbook).map(({ step, result }) => [
    sectionOf(runbook, step),
    name(step),
    step.line,
    result.status,
    result.exitCode ?? '',
    result.durationMs ?? '',
    result.host ?? '',
    result.user ?? '',
    result.startedAt ?? '',
    result.endedAt ?? '',
    result.skipReason ?? result.note ?? result.detail ?? '',
  ]);
  const values = fields.map((f) => f.value);
  return stringify([
    ['run', ...stepColumns, ...fields.map((f) => f.key)],
    ...(steps.length > 0 ? steps : [stepColumns.map(() => '')]).map((row) => [
      run.id,
      ...row,
      ...values,
    ]),
  ]);
}

/** Jira wiki markup (Jira Server/Data Center and the Cloud editor's markup import). */
function jira(run: RunState, runbook: Runbook, files: OutputFiles): string {
  const cell = (text: string) => (text || ' ').replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = [];
  out.push(`h1. Maintenance log: ${run.runbookTitle}`, '');
  // A line break inside a table cell is \\ in Jira's markup.
  for (const f of logFields(run, runbook))
    out.push(`||${f.label}|${f.value.split('\n').map(cell).join(' \\\\ ')}|`);
  out.push('');
  if (run.rehearsal) {
    out.push('{noformat}', renderRehearsalReport(run, runbook).trimEnd(), '{noformat}', '');
  }
  out.push('h2. Steps', '', '||#||Step||Status||Exit||Duration||Host||');
  stepsInOrder(run, runbook).forEach(({ step, result }, i) => {
    out.push(
      `|${i + 1}|${cell(name(step))}|${result.status}|${result.exitCode ?? ' '}|${formatDuration(result.durationMs)}|${cell(result.host ?? ' ')}|`,
    );
  });
  for (const { step, result } of stepsInOrder(run, runbook)) {
    if (!result.output && !result.skipReason && !result.note) continue;
    out.push('', `h3. ${name(step)}`);
    if (result.skipReason) out.push(`Skipped: ${result.skipReason}`);
    if (result.note) out.push(`Note: ${result.note}`);
    if (step.code) out.push(`{code:bash}`, step.code.trimEnd(), '{code}');
    if (result.output) {
      const { text, note } = shownOutput(run.id, step.id, result, files);
      if (note) out.push(note.replace(/`([^`]+)`/g, '{{$1}}'));
      out.push(`{noformat}`, text.trimEnd(), '{noformat}');
    }
  }
  if (run.manualCommands.length > 0) {
    out.push('', 'h2. Manual commands', '');
    for (const c of run.manualCommands)
      out.push(`* {{${c.command.replace(/}/g, '\\}')}}} — exit ${c.exitCode ?? '?'} on ${c.host}`);
  }
  return `${out.join('\n')}\n`;
}
