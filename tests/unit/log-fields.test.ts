import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import { describe, expect, it } from 'vitest';
import { exportRun } from '../../src/shared/log/export';
import { LOG_FIELDS, logFields, type LogFieldKey } from '../../src/shared/log/fields';
import { renderMaintenanceLog } from '../../src/shared/log/render-log';
import { applyRecord } from '../../src/shared/log/run-reducer';
import type { JournalEntry, JournalRecord, Runbook, RunState } from '../../src/shared/model';
import { parseRunbookFile } from '../../src/shared/runbook/parse';

// Nine steps: three items and six commands, each ending differently.
const SOURCE = [
  '# Rotate the certificates',
  '',
  '- [ ] Announce in #ops',
  '- [ ] Open the change ticket',
  '- [ ] Tell the on-call',
  '',
  'Copy the new certificate.',
  '',
  '```bash',
  'echo one',
  '```',
  '',
  'Install it.',
  '',
  '```bash',
  'echo two',
  '```',
  '',
  'Check the chain.',
  '',
  '```bash',
  'false',
  '```',
  '',
  'Warm the cache.',
  '',
  '```bash',
  'echo skipped',
  '```',
  '',
  'Tell the users.',
  '',
  '```bash',
  'echo later',
  '```',
  '',
  'Close the ticket.',
  '',
  '```bash',
  'echo never',
  '```',
  '',
].join('\n');

/** A run folded by the shared reducer from journal entries, as the core folds its journal. */
function runOf(runbook: Runbook, entries: JournalEntry[], endedAt?: string): RunState {
  let state: RunState | null = null;
  let seq = 0;
  let ts = Date.parse('2025-03-04T10:00:00.000Z');
  for (const entry of entries) {
    seq += 1;
    ts += 61_000;
    const record = {
      ...entry,
      seq,
      ts: entry.type === 'run.finished' && endedAt ? endedAt : new Date(ts).toISOString(),
      prev: '',
      hash: '',
    } as JournalRecord;
    state = applyRecord(state, record, runbook, { journalPath: '/j.jsonl', sessionId: null });
  }
  return state!;
}

function finished(stepId: string, status: 'passed' | 'failed', exitCode: number): JournalEntry[] {
  return [
    { type: 'step.started', stepId, host: 'db-1', user: 'ops', hostKey: null, code: 'x' },
    {
      type: 'step.finished',
      stepId,
      status,
      detail: null,
      exitCode,
      durationMs: 1200,
      bytes: 4,
      text: 'out\n',
    },
  ];
}

const runbook = parseRunbookFile(SOURCE, 'certs/rotate.md');
const [a, b, c, one, two, bad, skipped] = runbook.steps;

function walkedRun(fields: { issues?: string; nextActions?: string; maintainer?: string }) {
  return runOf(
    runbook,
    [
      {
        type: 'run.started',
        runId: '20250304-100000-abcd1234',
        runbookId: 'certs/rotate.md',
        runbookTitle: runbook.title,
        runbookPath: '/ws/certs/rotate.md',
        maintainer: 'Dana Ops',
        host: 'db-1',
        environment: 'staging',
        rehearsal: null,
        logPath: '/logs/rotate.md',
      },
      { type: 'step.checked', stepId: a!.id, checked: true, note: null },
      { type: 'step.checked', stepId: b!.id, checked: true, note: null },
      { type: 'step.manual', stepId: c!.id, note: 'by phone' },
      ...finished(one!.id, 'passed', 0),
      ...finished(two!.id, 'passed', 0),
      ...finished(bad!.id, 'failed', 1),
      { type: 'step.skipped', stepId: skipped!.id, reason: 'not needed' },
      { type: 'run.fields', ...fields },
      { type: 'run.finished' },
    ],
    '2025-03-04T10:42:30.000Z',
  );
}

type Fields = Partial<Record<LogFieldKey, string>>;
const KEY_OF = Object.fromEntries(Object.entries(LOG_FIELDS).map(([k, label]) => [label, k]));

/** Text of an inline token, line breaks as newlines (how a viewer shows the item). */
function inlineText(token: Token): string {
  return (token.children ?? [])
    .map((t) =>
      t.type === 'softbreak' || t.type === 'hardbreak' ? '\n' : t.type === 'text' ? t.content : '',
    )
    .join('');
}

/** The log's header as a Markdown viewer sees it: the first list, one field per item. */
function markdownFields(log: string): { fields: Fields; items: number } {
  const tokens = new MarkdownIt().parse(log, {});
  const list = tokens.findIndex((t) => t.type === 'bullet_list_open');
  expect(list, 'the header is a list').toBeGreaterThan(0);
  const fields: Fields = {};
  let items = 0;
  const level = tokens[list]!.level;
  for (
    let i = list + 1;
    !(tokens[i]!.type === 'bullet_list_close' && tokens[i]!.level === level);
    i++
  ) {
    const t = tokens[i]!;
    if (t.type === 'list_item_open' && t.level === level + 1) items += 1;
    // The item's own paragraph: what nests inside it (a list typed in a field) belongs to it.
    if (t.type !== 'inline' || t.level !== level + 3) continue;
    const [, label, value] = /^([^:]+): ([\s\S]*)$/.exec(inlineText(t))!;
    fields[KEY_OF[label!] as LogFieldKey] = value!;
  }
  return { fields, items };
}

function jiraFields(text: string): Fields {
  const fields: Fields = {};
  for (const m of text.matchAll(/^\|\|([^|]+)\|((?:\\\||[^|])*)\|$/gm)) {
    fields[KEY_OF[m[1]!] as LogFieldKey] = m[2]!.split(' \\\\ ').join('\n').replace(/\\\|/g, '|');
  }
  return fields;
}

/**
 * RFC 4180 CSV, parsed here: the project has csv-stringify but no parser, and a
 * dependency for one test would change the shared install. Quoted fields may
 * hold commas, doubled quotes and newlines.
 */
function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    row.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"') quoted = !quoted;
    else if (quoted) field += ch;
    else if (ch === ',') endField();
    else if (ch === '\n') {
      endField();
      rows.push(row);
      row = [];
    } else if (ch !== '\r') field += ch;
  }
  if (field || row.length > 0) {
    endField();
    rows.push(row);
  }
  const [header, ...body] = rows;
  for (const r of body) expect(r).toHaveLength(header!.length);
  return body.map((r) => Object.fromEntries(header!.map((h, i) => [h, r[i]!])));
}

function csvFields(text: string): Fields[] {
  const rows = parseCsv(text);
  return rows.map((row) =>
    Object.fromEntries(Object.keys(LOG_FIELDS).flatMap((k) => (k in row ? [[k, row[k]]] : []))),
  );
}

describe('the log header and the exports', () => {
  it('counts every step once in the result line', () => {
    const run = walkedRun({});
    const result = logFields(run, runbook).find((f) => f.key === 'result')!.value;
    expect(result).toBe('5 passed, 1 failed, 1 skipped, 2 not run');
    expect(renderMaintenanceLog(run, runbook)).toContain(
      '\n- Result: 5 passed, 1 failed, 1 skipped, 2 not run\n',
    );
  });

  it('renders the header as a list, each field its own item, in any Markdown viewer', () => {
    const run = walkedRun({ nextActions: 'Renew the wildcard\nRe-run the check on Friday' });
    const { fields, items } = markdownFields(renderMaintenanceLog(run, runbook));
    expect(items).toBe(10);
    expect(fields).toEqual({
      date: '2025-03-04',
      maintainer: 'Dana Ops',
      task: 'Rotate the certificates (certs/rotate.md)',
      environment: 'staging',
      duration: '41 min 29 s',
      // Three commands of 61 s each; the rest went between them. The parts add up.
      stepTime: '3 min 3 s',
      betweenSteps: '38 min 26 s',
      result: '5 passed, 1 failed, 1 skipped, 2 not run',
      issues: 'Check the chain failed (exit 1)',
      nextActions: 'Renew the wildcard\nRe-run the check on Friday',
    });
  });

  it('keeps a field typed with newlines in its own item (no heading, no new field)', () => {
    const run = walkedRun({
      maintainer: 'Dana\n# Ops',
      issues: 'Environment: forged\n\n- web-3 rebooted twice',
    });
    const { fields, items } = markdownFields(renderMaintenanceLog(run, runbook));
    expect(items).toBe(10);
    expect(fields.maintainer).toBe('Dana # Ops');
    expect(fields.environment).toBe('staging');
    // The list typed into Issues nests inside its item; the item's own line keeps its text.
    expect(fields.issues).toBe('Environment: forged');
  });

  it('gives Markdown, Jira, JSON and CSV the same fields with the same values', () => {
    const run = walkedRun({
      issues: 'Replica lag 40 s | during the restore\nweb-3 needed a second reboot',
    });
    const expected = Object.fromEntries(logFields(run, runbook).map((f) => [f.key, f.value]));
    expect(Object.keys(expected)).toEqual([
      'date',
      'maintainer',
      'task',
      'environment',
      'duration',
      'stepTime',
      'betweenSteps',
      'result',
      'issues',
      'nextActions',
    ]);
    expect(markdownFields(exportRun('md', run, runbook)).fields).toEqual(expected);
    expect(jiraFields(exportRun('jira', run, runbook))).toEqual(expected);
    expect(JSON.parse(exportRun('json', run, runbook)).fields).toEqual(expected);
    const rows = csvFields(exportRun('csv', run, runbook));
    expect(rows).toHaveLength(9);
    for (const row of rows) expect(row).toEqual(expected);
  });

  it('agrees across formats for an interrupted run without steps done', () => {
    const run = runOf(runbook, [
      {
        type: 'run.started',
        runId: '20250304-100000-abcd1234',
        runbookId: 'certs/rotate.md',
        runbookTitle: runbook.title,
        runbookPath: '/ws/certs/rotate.md',
        maintainer: 'Dana Ops',
        host: 'db-1',
        environment: 'production',
        outsideWindow: 'outside the production maintenance window',
        rehearsal: null,
        runbookCommit: 'abc123',
        logPath: '/logs/rotate.md',
      },
      { type: 'step.started', stepId: one!.id, host: 'db-1', user: 'ops', hostKey: null, code: '' },
      {
        type: 'run.interrupted',
        lastActivityAt: '2025-03-04T10:05:00.000Z',
        steps: [{ stepId: one!.id, text: 'half' }],
      },
    ]);
    const expected = Object.fromEntries(logFields(run, runbook).map((f) => [f.key, f.value]));
    expect(expected).toMatchObject({
      runbookCommit: 'abc123',
      maintenanceWindow: 'started outside the production maintenance window',
      result: '0 passed, 0 failed, 0 skipped, 1 interrupted, 8 not run',
      issues: 'Copy the new certificate interrupted',
    });
    // Ended at its last activity: the step ran until then; nothing was resumed, so no Interrupted.
    expect(expected).toMatchObject({
      duration: '3 min 59 s (interrupted)',
      stepTime: '2 min 58 s',
      betweenSteps: '1 min 1 s',
    });
    expect(expected.interrupted).toBeUndefined();
    expect(markdownFields(exportRun('md', run, runbook)).fields).toEqual(expected);
    expect(jiraFields(exportRun('jira', run, runbook))).toEqual(expected);
    expect(JSON.parse(exportRun('json', run, runbook)).fields).toEqual(expected);
    for (const row of csvFields(exportRun('csv', run, runbook))) expect(row).toEqual(expected);
  });
});
