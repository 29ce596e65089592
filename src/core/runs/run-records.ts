import { basename, dirname, join } from 'node:path';
import type {
  DueItem,
  ExportFormat,
  HistoryRun,
  HistoryStatus,
  JournalRecord,
  OutputSearch,
  OutputSearchResult,
  Runbook,
  RunbookChange,
  RunState,
} from '../../shared/model';
import { EXPORT_TYPES, exportRun, exportTitle } from '../../shared/log/export';
import { writeFileAtomic } from '../files/atomic-write';
import { bundleCheck, writeBundle } from '../journal/bundle';
import { ensureOutputFiles } from './output-files';
import { lockHolder } from '../journal/lock';
import { JournalStore } from '../journal/store';
import { workspacePatterns } from '../redaction/config';
import { Redactor } from '../redaction/redactor';
import { dueItems } from '../schedule/due';
import type { Workspace } from '../workspace/workspace';
import { parseHistoryQuery, searchHistory } from './history-search';
import { OutputCatalog, searchOutput } from './output-search';
import { foldJournal, interruptionOf, leftOpen } from './fold';
import { redactRunbook } from './live-run';
import { RunIndex } from './run-index';
import { runbookChange, runbookOfRecords } from './snapshot';
import type { StepAnalyzer } from '../../shared/runbook';
import { applyRecord } from '../../shared/log/run-reducer';

/** What a run of this process lends the records: its live state, runbook and secret values. */
export interface LiveRunView {
  state: RunState;
  runbook: Runbook;
  secrets: Record<string, string>;
}

/** A run to read, with the runbook it ran and how that runbook's file differs now. */
export interface OpenedRun {
  state: RunState;
  runbook: Runbook;
  change: RunbookChange;
}

/**
 * Runs on record: the journals on disk, read (never changed) for the history, the
 * due list, read-only views and exports. Each record carries the runbook it ran,
 * so all of these work whatever happened to the runbook's file since. A run that
 * this process is running speaks for itself (through `live`).
 */
export class RunRecords {
  readonly store: JournalStore;
  readonly index: RunIndex;
  /** What output searches read of each journal, kept while the journal is unchanged. */
  private readonly outputCatalog = new OutputCatalog();

  constructor(
    private readonly deps: {
      journalsDir: string;
      workspaceDir: string;
      workspace: Workspace;
      /** Danger flags for the runbook of a run that is opened or goes on. */
      analyze: StepAnalyzer;
      live(runId: string): LiveRunView | undefined;
    },
  ) {
    this.store = new JournalStore(deps.journalsDir);
    this.index = new RunIndex(this.store, (records) => foldRecords(records, this.store));
  }

  /**
   * Runs on record (this process's and every journal on disk), newest first. A query
   * (words, `status:failed`, `host:web-1`) searches their summaries and then their
   * journals (commands, output, hosts, notes), at most `limit` results (see history-search.ts).
   */
  async history(
    runbookId?: string,
    query?: string,
    options: { statuses?: HistoryStatus[]; limit?: number } = {},
  ): Promise<HistoryRun[]> {
    const runs = this.index
      .list()
      .map((r) =>
        this.deps.live(r.runId)?.state.status === 'active'
          ? { ...r, status: 'active' as const }
          : r,
      )
      .filter((r) => !runbookId || r.runbookId === runbookId);
    return searchHistory(runs, parseHistoryQuery(query ?? '', options.statuses), options.limit);
  }

  /** Every past run's output and notes searched for a line of text, newest run first (see output-search.ts). */
  searchOutput(search: OutputSearch): Promise<OutputSearchResult> {
    return searchOutput(this.index.list(), search, this.outputCatalog);
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
    return dueItems(runbooks, this.index.finished(), now);
  }

  /**
   * A run to read, as its record shows it: live when it is this process's, else folded
   * from its journal, read-only. The runbook's commands and texts, and the diff of its
   * file since, come redacted, as the log has them.
   */
  async open(runId: string): Promise<OpenedRun> {
    const opened = await this.read(runId);
    const redactor = this.redactorFor(runId);
    const runbook = await redactRunbook(redactor, opened.runbook);
    const diff = opened.change.diff === null ? null : await redactor.text(opened.change.diff);
    return { ...opened, runbook, change: { ...opened.change, diff } };
  }

  private async read(runId: string): Promise<OpenedRun> {
    const { records } = this.store.read(runId);
    const change = runbookChange(records, this.store);
    const live = this.deps.live(runId);
    if (live && live.state.status === 'active')
      return { state: live.state, runbook: live.runbook, change };
    const folded = this.fold(records);
    const { runbook } = folded;
    let { state } = folded;
    if (leftOpen(records) && lockHolder(state.journalPath) === null) {
      // Its writer died after this process's recovery pass: shown as the pass will record it.
      const interruption = await interruptionOf(state, records);
      const last = records[records.length - 1]!;
      state = applyRecord(
        state,
        { ...interruption, seq: last.seq, ts: last.ts, prev: last.prev, hash: last.hash },
        runbook,
        { journalPath: state.journalPath, sessionId: null },
      );
    }
    return { state: { ...state, readOnly: true }, runbook, change };
  }

  /** A run in an export format, redacted once more on the way out, with what was redacted. */
  async export(runId: string, format: ExportFormat) {
    return (await this.rendered(runId, format)).result;
  }

  /** Writes an export beside the run's maintenance log. */
  async saveExport(runId: string, format: ExportFormat): Promise<{ path: string }> {
    const { result, logPath } = await this.rendered(runId, format);
    const path = join(dirname(logPath), result.filename);
    writeFileAtomic(path, result.content);
    return { path };
  }

  /**
   * Writes the run's bundle (journal, output, runbook texts, log, recording, SHA256SUMS;
   * see writeBundle) beside its maintenance log, as `<log base>.bundle.tar.gz`.
   */
  async saveBundle(runId: string) {
    const { result, logPath, journalPath } = await this.rendered(runId, 'md');
    const base = basename(logPath).replace(/\.md$/, '');
    const made = await writeBundle({
      journalPath,
      log: result.content,
      out: join(dirname(logPath), `${base}.bundle.tar.gz`),
      redact: (text) => this.redactorFor(runId).text(text),
    });
    return {
      path: made.path,
      files: made.files,
      manifestSha256: made.manifestSha256,
      check: bundleCheck(made.path, made.runId),
      redactedRunbooks: made.redactedRunbooks,
    };
  }

  /** A redactor in this thread with the workspace's patterns and, for a live run, its secrets. */
  private redactorFor(runId: string): Redactor {
    const live = this.deps.live(runId);
    return new Redactor({
      patterns: workspacePatterns(this.deps.workspaceDir),
      secrets: Object.entries(live?.secrets ?? {}).map(([name, value]) => ({ name, value })),
    });
  }

  /** A run's records folded with the runbook the run itself ran. */
  fold(records: JournalRecord[]): { state: RunState; runbook: Runbook } {
    return foldRecords(records, this.store, this.deps.analyze);
  }

  private async rendered(runId: string, format: ExportFormat) {
    const { state, runbook } = await this.read(runId);
    // A fresh redactor in this thread, with the run's secrets: its counts are this export's.
    const redactor = this.redactorFor(runId);
    // Steps the log cuts name a file beside it with their whole output: made here if missing.
    const files = await ensureOutputFiles(state);
    const content = await redactor.text(exportRun(format, state, runbook, files));
    // Redacted when written (markers in the text), plus anything found only now.
    const redactions: Record<string, number> = {};
    for (const m of content.matchAll(/\[REDACTED: ([^\]]+)\]/g))
      redactions[m[1]!] = (redactions[m[1]!] ?? 0) + 1;
    for (const [rule, n] of Object.entries(redactor.counts))
      if (!(rule in redactions)) redactions[rule] = n;
    const base = basename(state.logPath).replace(/\.md$/, '');
    return {
      logPath: state.logPath,
      journalPath: state.journalPath,
      result: {
        content,
        title: exportTitle(state),
        filename: `${base}.${EXPORT_TYPES[format].extension}`,
        mime: EXPORT_TYPES[format].mime,
        redactions,
      },
    };
  }
}

/** A run's records folded with the runbook the run itself ran (kept with the records). */
export function foldRecords(
  records: JournalRecord[],
  store: JournalStore,
  analyze?: StepAnalyzer,
): { state: RunState; runbook: Runbook } {
  const { runbook } = runbookOfRecords(records, store, analyze);
  const first = records[0]!;
  const runId = first.type === 'run.started' ? first.runId : '';
  return { state: foldJournal(records, runbook, store.pathOf(runId)), runbook };
}

/** The finished runs in a journals folder, for due dates (read through the index). */
export function finishedRuns(journalsDir: string) {
  const store = new JournalStore(journalsDir);
  return new RunIndex(store, (records) => foldRecords(records, store)).finished();
}
