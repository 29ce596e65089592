import type { EventSink } from '../../shared/api/contract';
import { renderMaintenanceLog } from '../../shared/log/render-log';
import { renderRehearsalReport } from '../../shared/log/rehearsal';
import { applyRecord } from '../../shared/log/run-reducer';
import type {
  Connection,
  JournalEntry,
  JournalRecord,
  Runbook,
  RunState,
} from '../../shared/model';
import { writeFileAtomic } from '../files/atomic-write';
import type { JournalWriter } from '../journal/writer';

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

/**
 * A run whose journal is open for writing: the one path by which a run changes.
 * Every change is a record, appended to the journal, reduced into the state,
 * published to the UI, and (when durable) synced and written to the Markdown
 * log. Live runs, a finished run whose fields are edited, and the recovery pass
 * all go through here, so the log always comes from the same state, rendered
 * from the same redacted runbook, with the rehearsal report beside it.
 */
export class LiveRun {
  /** The run as its records make it (set by the first record, run.started). */
  state!: RunState;
  /** Where the live fields come from (the run's shells and queue, once it has them). */
  private live: () => LiveFields = () => NOT_LIVE;
  private published = 0;
  private timer: NodeJS.Timeout | null = null;

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
    if (state) this.state = state;
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
    this.apply(this.journal.append(entry), options);
  }

  /** A record the journal wrote itself (an output batch: bytes first, then its record). */
  apply(record: JournalRecord, options: { durable?: boolean; publish?: boolean } = {}): void {
    this.state = this.reduce(this.state ?? null, record);
    if (options.durable && !this.journal.closed) {
      this.journal.sync();
      this.writeLog();
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
    writeLogFiles(this.state, this.logRunbook);
  }

  /** Closes the journal (it can be reopened for a later change). */
  close(): void {
    if (this.timer) this.send();
    this.journal.close();
  }

  private send(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.published = Date.now();
    this.state = { ...this.state, ...this.live() };
    this.emit('run.didChange', this.state);
  }

  private reduce(state: RunState | null, record: JournalRecord): RunState {
    return applyRecord(state, record, this.runbook, {
      journalPath: this.journal.path,
      ...this.live(),
    });
  }
}

export function writeLogFiles(state: RunState, runbook: Runbook): void {
  writeFileAtomic(state.logPath, renderMaintenanceLog(state, runbook, state.runbookId));
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
