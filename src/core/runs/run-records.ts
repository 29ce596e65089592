import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { DueItem, RunState, RunSummary } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import type { JournalRecord } from '../../shared/log/journal-records';
import { EXPORT_TYPES, exportRun, exportTitle, type ExportFormat } from '../../shared/log/export';
import { applyRecord, OUTPUT_TAIL_CHARS } from '../../shared/log/run-reducer';
import type { Runbook } from '../../shared/runbook/types';
import { renderPlainText } from '../capture/plain-text';
import { workspacePatterns } from '../redaction/config';
import { Redactor } from '../redaction/redactor';
import type { Workspace } from '../workspace/workspace';
import { writeFileAtomic } from './atomic-write';
import { dueItems, finishedRuns } from './due';
import { cutTornTail, scanJournals } from './history';
import { journalWriter, readJournal, readStepOutput } from './journal';

/** What a run of this process lends the records: its live state, runbook and secret values. */
export interface LiveRun {
  state: RunState;
  runbook: Runbook;
  secrets: Record<string, string>;
}

/** For folding a journal whose runbook is gone: the records alone. */
export const EMPTY_RUNBOOK: Runbook = {
  title: '',
  frontmatter: {},
  sections: [],
  steps: [],
  blocks: [],
  warnings: [],
  cadence: null,
  schedule: [],
  windows: [],
};

/**
 * Runs on record: the journals on disk, folded into run states for the history, the
 * due list, read-only views and exports. A run that this process is running speaks
 * for itself (through `live`): its state is newer than anything folded from disk.
 */
export class RunRecords {
  constructor(
    private readonly deps: {
      journalsDir: string;
      workspaceDir: string;
      workspace: Workspace;
      live(runId: string): LiveRun | undefined;
    },
  ) {}

  /** Runs on record (this process's and every journal on disk), newest first. */
  history(runbookId?: string, query?: string): RunSummary[] {
    const words = (query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    return scanJournals(this.deps.journalsDir)
      .map(({ summary }) =>
        this.deps.live(summary.runId)?.state.status === 'active'
          ? { ...summary, status: 'active' as const }
          : summary,
      )
      .filter((r) => !runbookId || r.runbookId === runbookId)
      .filter((r) => {
        const text = [
          r.runbookTitle,
          r.status,
          r.host,
          r.maintainer,
          r.environment,
          r.issues,
          r.nextActions,
          r.startedAt,
        ]
          .join(' ')
          .toLowerCase();
        return words.every((w) => text.includes(w));
      });
  }

  /** A run in an export format, redacted once more on the way out, with what was redacted. */
  async export(runId: string, format: ExportFormat) {
    return (await this.rendered(runId, format)).result;
  }

  async saveExport(runId: string, format: ExportFormat): Promise<{ path: string }> {
    const { result, logPath } = await this.rendered(runId, format);
    const path = join(dirname(logPath), result.filename);
    writeFileAtomic(path, result.content);
    return { path };
  }

  private async rendered(runId: string, format: ExportFormat) {
    const { state, runbook } = await this.open(runId);
    if (!runbook)
      throw new ApiError(
        'not-found',
        `the runbook of run ${runId} is gone; its log is ${state.logPath}`,
      );
    const live = this.deps.live(runId);
    // A fresh redactor in this thread, with the run's secrets: its counts are this export's.
    const redactor = new Redactor({
      patterns: workspacePatterns(this.deps.workspaceDir),
      secrets: Object.entries(live?.secrets ?? {}).map(([name, value]) => ({ name, value })),
    });
    const content = await redactor.text(exportRun(format, state, runbook));
    // Redacted when written (markers in the text), plus anything found only now.
    const redactions: Record<string, number> = {};
    for (const m of content.matchAll(/\[REDACTED: ([^\]]+)\]/g))
      redactions[m[1]!] = (redactions[m[1]!] ?? 0) + 1;
    for (const [rule, n] of Object.entries(redactor.counts))
      if (!(rule in redactions)) redactions[rule] = n;
    const base = basename(state.logPath).replace(/\.md$/, '');
    return {
      logPath: state.logPath,
      result: {
        content,
        title: exportTitle(state),
        filename: `${base}.${EXPORT_TYPES[format].extension}`,
        mime: EXPORT_TYPES[format].mime,
        redactions,
      },
    };
  }

  /** What is due across the workspace, from cadences and finished runs. */
  async due(now = new Date()): Promise<DueItem[]> {
    const summaries = await this.deps.workspace.list();
    const runbooks = (
      await Promise.all(
        summaries.map((s) =>
          this.deps.workspace
            .open(s.id)
            .then((r) => ({ id: s.id, runbook: r.runbook }))
            .catch(() => null),
        ),
      )
    ).filter((r): r is { id: string; runbook: Runbook } => r !== null);
    return dueItems(runbooks, finishedRuns(scanJournals(this.deps.journalsDir)), now);
  }

  /** A run to read: live when it is this process's, else folded from its journal, read-only. */
  async open(runId: string): Promise<{ state: RunState; runbook: Runbook | null }> {
    const live = this.deps.live(runId);
    if (live && live.state.status === 'active') return { state: live.state, runbook: live.runbook };
    const { records, runbook } = await this.load(runId);
    let state = foldJournal(records, runbook ?? EMPTY_RUNBOOK, this.pathOf(runId));
    if (state.status === 'active') {
      // Not finished and not running anywhere: interrupted; a step it was running stays open-ended.
      state = { ...interruptRunning(state), status: 'interrupted', runningStepId: null };
    }
    state = await withInterruptedOutput(state, records);
    return { state: { ...state, readOnly: true }, runbook };
  }

  /** Where a run's journal is (or would be). */
  pathOf(runId: string): string {
    return join(this.deps.journalsDir, `${runId}.jsonl`);
  }

  /** A run's records (torn tail cut) and its runbook as it is now (null when it is gone). */
  async load(runId: string): Promise<{ records: JournalRecord[]; runbook: Runbook | null }> {
    const path = this.pathOf(runId);
    if (!existsSync(path)) throw new ApiError('not-found', `no run with id ${runId}`);
    const { records } = journalWriter(path) !== null ? readJournal(path) : cutTornTail(path);
    const first = records[0];
    if (!first || first.type !== 'run.started')
      throw new ApiError('invalid-input', `${path}: does not start with run.started`);
    const runbook = await this.deps.workspace
      .open(first.runbookId)
      .then((r) => r.runbook)
      .catch(() => null);
    return { records, runbook };
  }
}

/** The state with every step that was running marked interrupted (the stop came mid-step). */
export function interruptRunning(state: RunState): RunState {
  return {
    ...state,
    steps: Object.fromEntries(
      Object.entries(state.steps).map(([id, r]) => [
        id,
        r.status === 'running' ? { ...r, status: 'interrupted' as const } : r,
      ]),
    ),
  };
}

/** A journal's records folded into the run state they make (not live: no session). */
export function foldJournal(
  records: JournalRecord[],
  runbook: Runbook,
  journalPath: string,
): RunState {
  let state: RunState | null = null;
  for (const record of records)
    state = applyRecord(state, record, runbook, { journalPath, sessionId: null });
  return state!;
}

/** Interrupted steps' output, rendered from the journal's raw bytes (their step.finished never came). */
export async function withInterruptedOutput(
  state: RunState,
  records: JournalRecord[],
): Promise<RunState> {
  const steps = { ...state.steps };
  for (const [id, result] of Object.entries(steps)) {
    if (result.status !== 'interrupted' || result.output !== null || result.outputBytes === 0)
      continue;
    const bytes = readStepOutput(state.journalPath, id, records);
    const tail = bytes.subarray(Math.max(0, bytes.length - 2 * 1024 * 1024));
    const text = await renderPlainText(tail, 100);
    steps[id] = { ...result, output: text.slice(-OUTPUT_TAIL_CHARS) };
  }
  return { ...state, steps };
}
