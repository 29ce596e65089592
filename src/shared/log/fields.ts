import type { RunState, StepResult, StepStatus } from '../model';
import { runTimes, timeSplitText, type Runbook, type Step } from '../model';

/** A field of the log's header: its key (JSON, CSV), its label (Markdown, Jira) and its value. */
export interface LogField {
  key: LogFieldKey;
  label: string;
  /** Plain text; may span lines (Issues, Next Actions as the operator typed them). */
  value: string;
}

/** The header's fields in the order every format shows them; optional ones only when they apply. */
export const LOG_FIELDS = {
  date: 'Date',
  maintainer: 'Maintainer',
  task: 'Task',
  runbookCommit: 'Runbook commit',
  environment: 'Environment',
  maintenanceWindow: 'Maintenance window',
  duration: 'Duration',
  stepTime: 'Step time',
  betweenSteps: 'Between steps',
  interrupted: 'Interrupted',
  result: 'Result',
  issues: 'Issues',
  nextActions: 'Next Actions',
} as const;
export type LogFieldKey = keyof typeof LOG_FIELDS;

/** How the result line counts each status, in the order it names them. */
const RESULT_GROUPS: Array<{ word: string; statuses: StepStatus[]; always: boolean }> = [
  { word: 'passed', statuses: ['passed', 'checked', 'manual'], always: true },
  { word: 'failed', statuses: ['failed'], always: true },
  { word: 'skipped', statuses: ['skipped'], always: true },
  { word: 'cancelled', statuses: ['cancelled'], always: false },
  { word: 'interrupted', statuses: ['interrupted'], always: false },
  { word: 'unknown (connection lost)', statuses: ['unknown'], always: false },
  { word: 'not run', statuses: ['pending', 'running'], always: true },
];

/** Statuses that make a step an issue of the run when the operator wrote none. */
const ISSUE_STATUSES: ReadonlySet<string> = new Set(['failed', 'interrupted', 'unknown']);

/**
 * The log header's fields, computed once for every format (the Markdown log, Jira
 * markup, JSON, CSV): each format only renders them, so they cannot disagree.
 * What the operator wrote in Issues and Next Actions wins; without it, the
 * failures speak.
 */
export function logFields(run: RunState, runbook: Runbook): LogField[] {
  const failed = runbook.steps.filter((s) => ISSUE_STATUSES.has(run.steps[s.id]?.status ?? ''));
  // An interrupted run's end is its last recorded activity: the stop came after it. Once it
  // has ended, its time is split (steps, between steps, the app not running), adding up.
  const split = run.endedAt ? timeSplitText(runTimes(run)) : null;
  const values: Array<[LogFieldKey, string | null]> = [
    ['date', run.startedAt.slice(0, 10)],
    ['maintainer', oneLine(run.maintainer)],
    ['task', `${oneLine(run.runbookTitle)} (${run.runbookId})`],
    ['runbookCommit', run.runbookCommit],
    ['environment', oneLine(run.environment)],
    ['maintenanceWindow', run.outsideWindow ? `started ${oneLine(run.outsideWindow)}` : null],
    [
      'duration',
      `${split?.total ?? 'in progress'}${run.status === 'interrupted' ? ' (interrupted)' : ''}`,
    ],
    ['stepTime', split?.steps ?? null],
    ['betweenSteps', split?.between ?? null],
    ['interrupted', split?.interrupted ? `${split.interrupted} (the app was not running)` : null],
    ['result', resultLine(run)],
    [
      'issues',
      lines(run.issues) ||
        (failed.length === 0
          ? 'None recorded'
          : failed.map((s) => issueOf(s, run.steps[s.id]!)).join('; ')),
    ],
    [
      'nextActions',
      lines(run.nextActions) ||
        (failed.length === 0 ? 'None recorded' : 'Investigate the failed steps listed above'),
    ],
  ];
  return values
    .filter((entry): entry is [LogFieldKey, string] => entry[1] !== null)
    .map(([key, value]) => ({ key, label: LOG_FIELDS[key], value }));
}

/** "5 passed, 1 failed, 1 skipped, 2 not run": every step of the run, each counted once. */
export function resultLine(run: Pick<RunState, 'steps'>): string {
  const results = Object.values(run.steps);
  return RESULT_GROUPS.map(({ word, statuses, always }) => {
    const n = results.filter((r) => statuses.includes(r.status)).length;
    return n > 0 || always ? `${n} ${word}` : null;
  })
    .filter((part) => part !== null)
    .join(', ');
}

/** A step's name in the log: its text, else its first line of code, cut at 100 characters. */
export function stepLabel(step: Step): string {
  const text = step.text || step.code?.split('\n').find((l) => l.trim()) || 'command';
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}

function issueOf(step: Step, result: StepResult): string {
  if (result.status === 'failed')
    return `${stepLabel(step)} failed (exit ${result.exitCode ?? '?'})`;
  return `${stepLabel(step)} ${result.status === 'unknown' ? 'has an unknown outcome (connection lost)' : 'interrupted'}`;
}

/** A one-line field (Maintainer, Environment) stays one line whatever was typed into it. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/** A field typed over several lines: its lines, trimmed, without blank ones. */
function lines(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join('\n');
}
