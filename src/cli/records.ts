import type { DueItem, RunSummary } from '../shared/api/contract';
import type { OutputSearchResult } from '../shared/model';
import { createInProcessApi } from '../shared/api/in-process';
import { formatDuration } from '../shared/util/duration';
import { createCore, verifyJournal as checkJournal } from '../core';

export interface RecordsOptions {
  workspace?: string;
  dataDir?: string;
  logDir?: string;
  json?: boolean;
}

/** A core over the user's data (journals, logs), for the commands that read records. */
export function recordsCore(bundledRunbooks: string, version: string, options: RecordsOptions) {
  const core = createCore({
    bundledRunbooks,
    version,
    workspaceDir: options.workspace,
    dataDir: options.dataDir,
    logDir: options.logDir,
  });
  return { core, api: createInProcessApi(core.handlers, core) };
}

/** `runsheet history`: past runs, newest first, one line each (or JSON). */
export function printHistory(runs: RunSummary[], json: boolean): string {
  if (json) return `${JSON.stringify(runs, null, 2)}\n`;
  if (runs.length === 0) return 'no runs recorded yet\n';
  return (
    runs
      .map((r) =>
        [
          r.startedAt.slice(0, 16).replace('T', ' '),
          r.status.padEnd(11),
          formatDuration(r.durationMs).padStart(10),
          `${r.done} done${r.failed ? `, ${r.failed} failed` : ''}`.padEnd(18),
          r.rehearsal
            ? `${r.runbookTitle} (DR rehearsal on ${r.rehearsal.target})`
            : r.runbookTitle,
          `${r.maintainer}@${r.host}`,
          r.runId,
        ].join('  '),
      )
      .join('\n') + '\n'
  );
}

/**
 * `runsheet search`: one line per hit, as grep prints one: run, step, host (or
 * what was searched where there is none: note, skip, issues, next-actions), then
 * line:text; a last line on stderr when there were more than the limit.
 */
export function printSearch(
  found: OutputSearchResult,
  json: boolean,
): { out: string; err: string } {
  const more = found.more
    ? `more lines match than the ${found.hits.length} shown (raise --limit)\n`
    : '';
  if (json) return { out: `${JSON.stringify(found, null, 2)}\n`, err: '' };
  const out = found.hits
    .map((h) =>
      [
        h.runId,
        h.stepId === null ? h.runbookTitle : `${h.runbookTitle} › ${h.stepTitle ?? h.stepId}`,
        h.where === 'output' ? (h.host ?? '') : h.where,
        `${h.line}:${h.text}`,
      ].join('  '),
    )
    .join('\n');
  return { out: out ? `${out}\n` : '', err: more };
}

/**
 * `runsheet verify <journal>`: checks sequence, hash chain, checksums and the
 * output bytes; exit 0 when intact, 1 with every problem named (file:line).
 */
export function verifyJournal(path: string): { ok: boolean; text: string } {
  const { records, errors } = checkJournal(path);
  if (errors.length > 0)
    return {
      ok: false,
      text: `${path}: ${errors.length} problem${errors.length > 1 ? 's' : ''}; the journal was changed after it was written or is damaged\n${errors.map((e) => `  ${e}`).join('\n')}\n`,
    };
  const finished = records.some((r) => r.type === 'run.finished');
  return {
    ok: true,
    text: `${path}: intact — ${records.length} records, hash chain and output checksums verified${finished ? '' : ' (the run was not finished)'}\n`,
  };
}

const DUE_LABEL: Record<DueItem['status'], string> = {
  overdue: 'OVERDUE',
  never: 'never done',
  'due-soon': 'due soon',
  ok: 'ok',
};

/** `runsheet due`: what is due or overdue, overdue first (or JSON). */
export function printDue(items: DueItem[], json: boolean): string {
  if (json) return `${JSON.stringify(items, null, 2)}\n`;
  if (items.length === 0)
    return 'nothing has a cadence (add `cadence:` or Daily/Weekly/… sections)\n';
  return (
    items
      .map((d) =>
        [
          DUE_LABEL[d.status].padEnd(10),
          d.cadence.padEnd(9),
          `${d.runbookTitle}${d.sectionTitle ? ` › ${d.sectionTitle}` : ''}`,
          d.dueAt ? `due ${d.dueAt.slice(0, 16).replace('T', ' ')}` : '',
          d.lastDoneAt ? `last done ${d.lastDoneAt.slice(0, 10)}` : '',
        ]
          .filter(Boolean)
          .join('  '),
      )
      .join('\n') + '\n'
  );
}
