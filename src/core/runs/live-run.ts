import type { EventSink } from '../../shared/api/contract';
import { renderMaintenanceLog } from '../../shared/log/render-log';
import { renderRehearsalReport } from '../../shared/log/rehearsal';
import {
  hostOutputIsCut,
  outputFileName,
  outputIsCut,
  outputKey,
  type OutputFile,
  type OutputFiles,
} from '../../shared/log/output-cut';
import { applyRecord } from '../../shared/log/run-reducer';
import type {
  Connection,
  JournalEntry,
  JournalRecord,
  Runbook,
  RunState,
  StorageFault,
} from '../../shared/model';
import { ApiError } from '../../shared/api/errors';
import { writeFileAtomic } from '../files/atomic-write';
import { describeDiskError, isDiskError } from '../files/disk-error';
import type { JournalWriter } from '../journal/writer';
import { existingOutputFiles, writeOutputFile } from './output-files';
import { basename } from 'node:path';

/** What a run's state holds that is not in its journal: its shells, connections and queue. */
export interface LiveFields {
  sessionId: string | null;
  hostSessions: Record<string, string>;
  connections: Connection[];
  queued: string[];
  heldStepId: string | null;
}

const NOT_LIVE: LiveFields = {
  sessionId: null,
  hostSessions: {},
  connections: [],
  queued: [],
  heldStepId: null,
};

/**
 * run.didChange goes out at most this often per run (always ending with the
 * latest state): a fan-out's records would otherwise send, and each listener
 * validate, the whole state hundreds of times a second.
 */
const PUBLISH_INTERVAL_MS = 30;

/** While a run cannot write, it tries again this often (and whenever asked). */
const RETRY_MS = 5000;

/** Changes kept in memory while the disk refuses them; beyond this the run takes none. */
const MAX_UNSAVED = 10_000;

/**
 * A run whose journal is open for writing: the one path by which a run changes.
 * Every change is a record, appended to the journal, reduced into the state,
 * published to the UI, and (when durable) synced and written to the Markdown
 * log. Live runs, a finished run whose fields are edited, and the recovery pass
 * all go through here, so the log always comes from the same state, rendered
 * from the same redacted runbook, with the rehearsal report beside it.
 *
 * When the disk refuses a write (full, read-only, failing), the run stops: its
 * steps are stopped (`onFault`), what the journal holds stays as it was, and the
 * changes that follow (the stopped step's end, ticks, notes) wait in memory,
 * shown in the state with the fault, until the disk takes them again: tried
 * every few seconds and on `retry()`. Output that arrives meanwhile is not
 * journaled (the step's text keeps what it showed); the backend goes on.
 */
export class LiveRun {
  /** The run as its records make it, and what waits in memory (set by the first record, run.started). */
  state!: RunState;
  /** The run as the journal has it. */
  private committed!: RunState;
  private fault: StorageFault | null = null;
  private unsaved: JournalEntry[] = [];
  private retryTimer: NodeJS.Timeout | null = null;
  /** Told once when the run stops writing: stops its steps. */
  onFault: (() => void) | null = null;
  /** Told when what waited in memory is written (a run finished meanwhile can be closed now). */
  onWritten: (() => void) | null = null;
  /** Where the live fields come from (the run's shells and queue, once it has them). */
  private live: () => LiveFields = () => NOT_LIVE;
  private published = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The whole outputs of this run's cut steps, in files beside the log (see writeOutputFile). */
  private files: OutputFiles = {};
  /** The output files being written, one after another. */
  private writingFiles: Promise<void> = Promise.resolve();

  /**
   * `records`: what the journal holds already (empty for a new run, whose first
   * record must be run.started). `logRunbook`: the runbook with its commands and
   * texts redacted, as the log shows it.
   */
  constructor(
    readonly journal: JournalWriter,
    records: JournalRecord[],
    public runbook: Runbook,
    public logRunbook: Runbook,
    private readonly emit: EventSink,
  ) {
    let state: RunState | null = null;
    for (const record of records) state = this.reduce(state, record);
    if (state) this.state = this.committed = state;
    // A run reopened (resumed, its fields edited) keeps naming the output files it wrote.
    if (state) this.files = existingOutputFiles(state);
  }

  /** The run's shells and queue, from now on part of every state it publishes. */
  bindLive(live: () => LiveFields): void {
    this.live = live;
  }

  get closed(): boolean {
    return this.journal.closed;
  }

  /**
   * Records a change. `durable`: synced to disk and written to the log before
   * this returns (step ends, ticks, fields); output batches are not.
   */
  record(entry: JournalEntry, options: { durable?: boolean; publish?: boolean } = {}): void {
    // A step that ends after its run was finished or the app shut down has nowhere to go.
    if (this.journal.closed) return;
    if (this.fault) return this.keep(entry);
    let record: JournalRecord;
    try {
      record = this.journal.append(entry);
    } catch (error) {
      if (!isDiskError(error) || !this.state) throw error;
      this.failed(error, this.journal.path);
      return this.keep(entry);
    }
    this.apply(record, options);
  }

  /** A batch of a step's output: bytes first, then its record. Not kept while the disk refuses it. */
  output(stepId: string, chunks: Uint8Array[], host?: string): void {
    if (this.journal.closed) return;
    if (!this.fault) {
      try {
        const record = this.journal.appendOutput(stepId, chunks, host);
        if (record) this.apply(record, { publish: false });
        return;
      } catch (error) {
        if (!isDiskError(error)) throw error;
        this.failed(error, this.journal.path);
      }
    }
    for (const chunk of chunks) this.fault!.droppedBytes += chunk.length;
  }

  /** Whether the disk refused a write and the run is waiting to write again. */
  get faulted(): boolean {
    return this.fault !== null;
  }

  /** Whether the run is stopped because it cannot write; `what` is refused with the reason. */
  refuseWhileFaulted(what: string): void {
    if (this.fault)
      throw new ApiError(
        'conflict',
        `${what} waits until the run can write again: ${this.fault.message}`,
      );
  }

  /**
   * Writes what waits in memory, then the log: true when the disk took it all (the
   * run goes on), false when it still refuses (the fault says why, as of now).
   */
  retry(): boolean {
    if (!this.fault) return true;
    if (this.journal.closed) return false;
    try {
      while (this.unsaved.length > 0) {
        this.committed = this.reduce(this.committed, this.journal.append(this.unsaved[0]!));
        this.unsaved.shift();
      }
      this.journal.sync();
      writeLogFiles(this.committed, this.logRunbook, this.files);
    } catch (error) {
      if (!isDiskError(error)) throw error;
      this.fault = {
        ...this.fault,
        message: describeDiskError(error, this.journal.path),
        code: error.code ?? this.fault.code,
        unsaved: this.unsaved.length,
      };
      this.send();
      return false;
    }
    console.error(`runsheet: run ${this.committed.id}: writing again (${this.fault.path})`);
    this.fault = null;
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    this.state = this.committed;
    this.send();
    this.onWritten?.();
    return true;
  }

  /** A record the journal wrote itself (an output batch: bytes first, then its record). */
  apply(record: JournalRecord, options: { durable?: boolean; publish?: boolean } = {}): void {
    this.state = this.committed = this.reduce(this.committed ?? null, record);
    if (record.type === 'step.finished' && outputIsCut(this.state.steps[record.stepId]!))
      this.writeOutputFile(record.stepId);
    if (
      record.type === 'step.host.finished' &&
      hostOutputIsCut(this.state.steps[record.stepId]!.hosts[record.host]!)
    )
      this.writeOutputFile(record.stepId, record.host);
    if (options.durable && !this.journal.closed) {
      // The record is in the journal (or, if its sync failed, maybe not yet on disk);
      // the sync or the log waits for the retry, which does both again.
      let path = this.journal.path;
      try {
        this.journal.sync();
        path = this.state.logPath;
        this.writeLog();
      } catch (error) {
        if (!isDiskError(error)) throw error;
        this.failed(error, path);
      }
    }
    if (options.publish === false) return;
    // A step's end (and any durable change) is shown at once; the interval is for output in between.
    if (options.durable || record.type === 'step.finished') this.send();
    else this.publish();
  }

  /** The runbook changed: later records are folded against it, and the log shows it. */
  setRunbook(runbook: Runbook, logRunbook: Runbook): void {
    this.runbook = runbook;
    this.logRunbook = logRunbook;
  }

  /** The live fields changed (a shell, a connection, the queue): publish them. */
  publish(): void {
    if (!this.state) return; // nothing recorded yet
    this.state = { ...this.state, ...this.live() };
    // A trailing send is already due: it carries this state too.
    if (this.timer) return;
    const wait = this.published + PUBLISH_INTERVAL_MS - Date.now();
    if (wait <= 0) this.send();
    else this.timer = setTimeout(() => this.send(), wait);
  }

  /** The maintenance log, and a rehearsal's report as a document of its own beside it. */
  writeLog(): void {
    writeLogFiles(this.state, this.logRunbook, this.files);
  }

  /** Settles once the output files asked for so far are written (or have failed). */
  outputFilesWritten(): Promise<void> {
    return this.writingFiles;
  }

  /**
   * A step whose output the log cuts ended: its whole output goes to a file beside
   * the log, after the step and off its path (the next step need not wait), one file
   * at a time. Until it is written the log says so; once written, the log is written
   * again naming it and saying exactly what it cut. A file that cannot be written
   * does not stop the run: the log says why, and where the output is instead.
   */
  private writeOutputFile(stepId: string, host?: string): void {
    const { logPath, id } = this.state;
    const journalPath = this.journal.path;
    const key = outputKey(stepId, host);
    this.setFile(key, { state: 'pending', file: outputFileName(basename(logPath), stepId, host) });
    this.writingFiles = this.writingFiles
      .then(async () => {
        const file = await writeOutputFile(journalPath, logPath, stepId, host);
        if (file.state === 'failed')
          console.error(`runsheet: run ${id}: the output file ${file.file}: ${file.error}`);
        this.setFile(key, file);
        // While the disk refuses, the retry writes the log (with the file as it is by then).
        if (this.fault) return;
        try {
          this.writeLog();
        } catch (error) {
          if (!isDiskError(error)) throw error;
          if (this.journal.closed)
            console.error(`runsheet: run ${id}: ${describeDiskError(error, logPath)}`);
          else this.failed(error, logPath);
        }
      })
      .catch((error: unknown) => {
        // Not the disk (a bug): said; the run and the next files go on.
        console.error(
          `runsheet: run ${id}: writing the output file of step ${stepId}: ${String(error)}`,
        );
      });
  }

  private setFile(key: string, file: OutputFile): void {
    this.files = { ...this.files, [key]: file };
  }

  /** Closes the journal (it can be reopened for a later change). */
  close(): void {
    if (this.timer) this.send();
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.retryTimer = null;
    if (this.fault && this.unsaved.length > 0)
      console.error(
        `runsheet: run ${this.state.id} closed with ${this.unsaved.length} changes the disk did not take (${this.fault.message}); the journal holds what was written before`,
      );
    try {
      this.journal.close();
    } catch (error) {
      // The last sync failed: the writer closed its files anyway; what was written stays.
      if (!isDiskError(error)) throw error;
    }
  }

  /** The disk refused a write: the run stops writing, and says so. */
  private failed(error: NodeJS.ErrnoException, path: string): void {
    if (this.fault) return;
    const message = describeDiskError(error, path);
    this.fault = {
      path: error.path ?? path,
      message,
      code: error.code ?? 'EIO',
      since: new Date().toISOString(),
      unsaved: 0,
      droppedBytes: 0,
    };
    console.error(
      `runsheet: run ${this.state.id} stopped: ${message}; what it wrote before is intact, and it writes again once the disk takes it`,
    );
    this.retryTimer = setInterval(() => {
      try {
        this.retry();
      } catch (error) {
        // Not the disk (a bug): said, and tried again next time; never out of the timer.
        console.error(`runsheet: run ${this.state.id}: retrying its writes: ${String(error)}`);
      }
    }, RETRY_MS);
    this.retryTimer.unref();
    this.onFault?.();
    this.send();
  }

  /**
   * A change the disk would not take: kept in memory and shown. A step's end says the
   * step was stopped and why. Its place in the order is kept: it is written first on retry.
   */
  private keep(entry: JournalEntry): void {
    const fault = this.fault!;
    // A step's or the run's end is always kept (a step must not stay "running"); other
    // changes stop being taken at the limit, and the user is told.
    const ends =
      entry.type === 'step.finished' ||
      entry.type === 'step.host.finished' ||
      entry.type === 'run.finished';
    if (!ends && this.unsaved.length >= MAX_UNSAVED)
      throw new ApiError('conflict', `the run cannot take more changes: ${fault.message}`);
    // The step did not fail or get cancelled by itself: the run stopped it, and says why.
    const stopped = `stopped: ${fault.message}${fault.droppedBytes > 0 ? `; ${fault.droppedBytes} bytes of output after that are not in the journal (its text is kept)` : ''}`;
    let kept: JournalEntry = entry;
    if (entry.type === 'step.finished' || entry.type === 'step.host.finished') {
      const own = entry.status === 'cancelled' || entry.status === 'passed' ? null : entry.detail;
      const detail = [own, stopped].filter(Boolean).join('; ');
      kept =
        entry.type === 'step.finished'
          ? { ...entry, status: 'failed', detail }
          : { ...entry, status: entry.status === 'unreachable' ? 'unreachable' : 'failed', detail };
    }
    this.unsaved.push(kept);
    fault.unsaved = this.unsaved.length;
    // Shown as if written: numbered after the last record, as it will be.
    const seq = this.committed.seq + this.unsaved.length;
    const record = { ...kept, seq, ts: new Date().toISOString(), prev: '', hash: '' };
    this.state = this.reduce(this.state, record as JournalRecord);
    this.send();
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.published = Date.now();
    this.state = { ...this.state, ...this.live(), storageFault: this.fault && { ...this.fault } };
    this.emit('run.didChange', this.state);
  }

  private reduce(state: RunState | null, record: JournalRecord): RunState {
    return applyRecord(state, record, this.runbook, {
      journalPath: this.journal.path,
      ...this.live(),
    });
  }
}

export function writeLogFiles(state: RunState, runbook: Runbook, files: OutputFiles = {}): void {
  writeFileAtomic(state.logPath, renderMaintenanceLog(state, runbook, files));
  if (state.rehearsal)
    writeFileAtomic(rehearsalReportPath(state.logPath), renderRehearsalReport(state, runbook, 1));
}

export function rehearsalReportPath(logPath: string): string {
  return logPath.replace(/\.md$/, '') + '-rehearsal.md';
}

/** The runbook as a log may show it: every step's command and text through the redactor. */
export async function redactRunbook(
  redactor: { text(text: string): Promise<string> },
  runbook: Runbook,
): Promise<Runbook> {
  const steps = await Promise.all(
    runbook.steps.map(async (step) => ({
      ...step,
      text: await redactor.text(step.text),
      code: step.code === null ? null : await redactor.text(step.code),
      expectedOutput:
        step.expectedOutput === null ? null : await redactor.text(step.expectedOutput),
    })),
  );
  return { ...runbook, steps };
}
