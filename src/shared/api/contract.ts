/**
 * The one contract between the UI and the core. Every transport (Electron IPC,
 * loopback WebSocket, in-process) validates every payload against these schemas.
 */
import { z } from 'zod';
import * as S from '../model';
import { MAX_LINK_LENGTH, openableUrl } from '../util/links';

const empty = z.object({}).strict();

/** A host, group or list as the user typed it: an ssh_config alias, host name or inventory name. */
const HostName = z.string().regex(/^[\w.@:[\],-]{1,253}$/, 'not a host name');

const Tracker = S.TrackerName;

/** A step that asks before it runs (or before its next batch): the user's answer. */
const confirmation = {
  /** The user confirmed the steps that ask: destructive commands, and `confirm=true`. */
  confirmed: z.boolean().optional(),
  /** In production: the environment's name, typed by the user to go on. */
  typed: z.string().max(200).optional(),
};

/** Facts about this installation, for the sidebar and the settings. */
export const AppInfo = z.object({
  version: z.string(),
  dataDir: z.string(),
  logDir: z.string(),
  workspaceDir: z.string(),
  user: z.string(),
  host: z.string(),
  /** Links are handed to the system (the desktop app) with app.openLink; otherwise the page opens them. */
  opensLinks: z.boolean(),
});

/** Which plan: a runbook's on a host with these values, or (`runId`) a live run's as it stands. */
const PlanRequest = z
  .object({
    runbookId: S.RunbookId,
    host: HostName.optional(),
    runId: S.RunId.optional(),
    variables: z.record(z.string().max(200), z.string().max(10_000)).optional(),
  })
  .strict();

const ViewId = z.string().regex(/^[0-9a-f]{16}$/, 'not an output view id');

/** A step's whole output opened for reading (output.open): what is rendered of it so far. */
export const OutputViewStatus = z.object({
  viewId: ViewId,
  runId: S.RunId,
  stepId: S.StepId,
  /** The step's `name=`, or its title in the runbook the run used. */
  name: z.string().nullable(),
  host: z.string(),
  /** Every host the step printed on (a fan-out has several). */
  hosts: z.array(z.string()),
  bytes: z.number().int().nonnegative(),
  /** Lines rendered so far: all of them once `complete`. */
  total: z.number().int().nonnegative(),
  complete: z.boolean(),
  /** Rendering stopped here: the output's bytes do not match their record (see runsheet verify). */
  error: z.string().nullable(),
});

/** Request/response methods: name -> input and output schemas. */
export const methods = {
  'app.info': { input: empty, output: AppInfo },
  /**
   * Opens a link the user confirmed in the app's link dialog in the system's browser or
   * mail program (the desktop app only): the one way out of the app. Only http, https and mailto.
   */
  'app.openLink': {
    input: z
      .object({
        url: z
          .string()
          .max(MAX_LINK_LENGTH)
          .refine((url) => openableUrl(url) !== null, 'only http, https and mailto links open'),
      })
      .strict(),
    output: z.null(),
  },
  'workspace.list': { input: empty, output: z.array(S.RunbookSummary) },
  'runbook.open': {
    input: z.object({ runbookId: S.RunbookId }).strict(),
    output: z.object({
      summary: S.RunbookSummary,
      runbook: S.Runbook,
      activeRun: S.RunState.nullable(),
      /** The file is gone; its run in progress goes on, and this is the run's own copy. */
      deleted: z.boolean(),
    }),
  },
  'run.start': {
    input: z
      .object({
        runbookId: S.RunbookId,
        /** Run on this host (ssh_config alias or host name) instead of the runbook's own `host`. */
        host: HostName.optional(),
        /** The user chose to start outside the environment's maintenance window. */
        outsideWindow: z.boolean().optional(),
        /** A timed disaster-recovery rehearsal on this target, against this RTO. */
        rehearsal: S.Rehearsal.optional(),
      })
      .strict(),
    output: S.RunState,
  },
  /**
   * What a run would do, before anything runs: each step with its filled command,
   * hosts and danger flags; the environment and window; the SHA-256 an approver
   * signs. With `runId`, the plan of that run as it stands (its hosts and values).
   */
  'run.plan': {
    input: PlanRequest,
    output: S.Plan,
  },
  /** Saves a plan's text in the workspace's approvals/ folder, for an approver to sign. */
  'run.savePlan': {
    input: PlanRequest,
    output: z.object({ path: z.string(), sha256: z.string() }),
  },
  /** Before starting: the run's environment and whether its maintenance window is open now. */
  'run.preflight': {
    input: z
      .object({
        runbookId: S.RunbookId,
        host: HostName.optional(),
      })
      .strict(),
    output: z.object({
      environment: z.string(),
      window: z.string().nullable(),
      source: z.string().nullable(),
      open: z.boolean().nullable(),
      message: z.string().nullable(),
    }),
  },
  /**
   * Past and present runs, newest first. `query`: words matched in a run's title,
   * status, host, maintainer, environment, Issues and Next actions, and then in its
   * journal (commands, output, the hosts steps ran on, notes); `status:failed` (a step
   * failed), `status:interrupted`…, and `host:name` narrow it, as `status` does. A
   * search with words or hosts returns at most `limit` runs (200 unless told).
   */
  'history.list': {
    input: z
      .object({
        runbookId: S.RunbookId.optional(),
        query: z.string().max(200).optional(),
        status: z.array(S.HistoryStatus).max(4).optional(),
        limit: z.number().int().min(1).max(10_000).optional(),
      })
      .strict(),
    output: z.array(S.HistoryRun),
  },
  /**
   * Every past run's output (as `runsheet output` prints it) and its notes, skip
   * reasons, Issues and Next actions, searched for a line of text: one hit per line,
   * runs newest first, at most `limit` (100 unless told), `more` when there are others.
   */
  'history.searchOutput': { input: S.OutputSearch, output: S.OutputSearchResult },
  /** What is due or overdue, from cadences (runbooks and sections) and the last finished runs. */
  'due.list': { input: empty, output: z.array(S.DueItem) },
  /** A run to read (from its journal): finished and interrupted runs come back read-only. */
  'run.open': {
    input: z.object({ runId: S.RunId }).strict(),
    output: z.object({ state: S.RunState, runbook: S.Runbook, change: S.RunbookChange }),
  },
  /**
   * Picks an interrupted run up again: finished steps keep their results; a step
   * that was running when the app stopped is marked interrupted (never re-run by itself).
   */
  'run.resume': { input: z.object({ runId: S.RunId }).strict(), output: S.RunState },
  /** Operator fields, during or after the run; the log is written again. */
  'run.setFields': {
    input: z
      .object({
        runId: S.RunId,
        maintainer: z.string().max(200).optional(),
        environment: z.string().max(100).optional(),
        issues: z.string().max(20_000).optional(),
        nextActions: z.string().max(20_000).optional(),
      })
      .strict(),
    output: S.RunState,
  },
  /**
   * A run as Markdown, Jira markup, JSON or CSV, redacted again on the way out;
   * `redactions` counts what was redacted (when written, and now) by rule.
   */
  'run.export': {
    input: z.object({ runId: S.RunId, format: S.ExportFormat }).strict(),
    output: z.object({
      content: z.string(),
      title: z.string(),
      filename: z.string(),
      mime: z.string(),
      redactions: z.record(z.string(), z.number().int()),
    }),
  },
  /** Writes an export beside the run's maintenance log; returns its path. */
  'run.saveExport': {
    input: z.object({ runId: S.RunId, format: S.ExportFormat }).strict(),
    output: z.object({ path: z.string() }),
  },
  /**
   * Writes the run's bundle beside its maintenance log (`<log base>.bundle.tar.gz`:
   * journal, output, runbook texts, log, recording, SHA256SUMS); returns its path, its
   * files, the SHA-256 of its SHA256SUMS and the shell command that checks it.
   */
  'run.saveBundle': {
    input: z.object({ runId: S.RunId }).strict(),
    output: z.object({
      path: z.string(),
      files: z.array(z.string()),
      manifestSha256: z.string(),
      check: z.string(),
      /** Runbook texts that held secrets, bundled with them redacted. */
      redactedRunbooks: z.number().int().nonnegative(),
    }),
  },
  /** The workspace's issue trackers (trackers.yaml), whether a token is there, and queued exports. */
  'tracker.list': {
    input: empty,
    output: z.array(
      z.object({
        name: Tracker,
        url: z.string(),
        project: z.string(),
        hasToken: z.boolean(),
        queued: z.number().int(),
      }),
    ),
  },
  /** Keeps a tracker token in the OS keychain (the desktop app only); it never comes back. */
  'tracker.setToken': {
    input: z.object({ tracker: Tracker, token: z.string().min(1).max(4096) }).strict(),
    output: z.null(),
  },
  /**
   * Files the run in the tracker: an issue with the redacted log as description and
   * attachment. A tracker that does not answer gets it queued (sent when it does).
   */
  'run.push': {
    input: z.object({ runId: S.RunId, tracker: Tracker }).strict(),
    output: z.discriminatedUnion('status', [
      z.object({
        status: z.literal('sent'),
        tracker: Tracker,
        issueId: z.number().int(),
        url: z.string(),
      }),
      z.object({ status: z.literal('queued'), tracker: Tracker, reason: z.string() }),
    ]),
  },
  /** Every run in progress, whatever runbook it walks (for the terminal tabs). */
  'run.active': { input: empty, output: z.array(S.RunState) },
  'run.get': { input: z.object({ runId: S.RunId }).strict(), output: S.RunState },
  'run.setChecked': {
    input: z
      .object({
        runId: S.RunId,
        stepId: S.StepId,
        checked: z.boolean(),
        note: z.string().max(10_000).optional(),
      })
      .strict(),
    output: S.RunState,
  },
  'run.skip': {
    input: z
      .object({ runId: S.RunId, stepId: S.StepId, reason: z.string().trim().min(1).max(10_000) })
      .strict(),
    output: S.RunState,
  },
  'run.execute': {
    input: z
      .object({
        runId: S.RunId,
        stepId: S.StepId,
        ...confirmation,
        /**
         * Run this step and every runnable step after it that is not done
         * ("Run from here"), stopping at the first failure unless a step says
         * `continueOnError=true`.
         */
        andFollowing: z.boolean().optional(),
        /** With andFollowing: only these steps (the CLI's --section and --step). */
        only: z.array(S.StepId).max(10_000).optional(),
      })
      .strict(),
    output: S.RunState,
  },
  /**
   * The go-ahead for the next batch of a step rolled out with `pauseBetween=ask`. A step that
   * asked before it ran asks again, as `run.execute` does (in production: the name typed).
   */
  'run.proceed': {
    input: z
      .object({
        runId: S.RunId,
        stepId: S.StepId,
        ...confirmation,
      })
      .strict(),
    output: S.RunState,
  },
  'run.cancel': {
    input: z
      .object({
        runId: S.RunId,
        /** Kill the shell instead of sending Ctrl-C (after a cancel did not stop the step). */
        force: z.boolean().optional(),
      })
      .strict(),
    output: S.RunState,
  },
  /**
   * The run stopped because its journal, output or log could not be written (a full
   * disk, a read-only folder): write what waits in memory now. The state says
   * whether it worked (`storageFault` cleared) or why not yet.
   */
  'run.retryWrites': { input: z.object({ runId: S.RunId }).strict(), output: S.RunState },
  'run.markDone': {
    input: z
      .object({ runId: S.RunId, stepId: S.StepId, note: z.string().max(10_000).optional() })
      .strict(),
    output: S.RunState,
  },
  'run.setVariables': {
    input: z
      .object({
        runId: S.RunId,
        values: z.record(z.string().min(1).max(200), z.string().max(10_000)),
      })
      .strict(),
    output: S.RunState,
  },
  /** Runs a step on another inventory host or group for this run; null puts it back. */
  'run.setStepTarget': {
    input: z
      .object({ runId: S.RunId, stepId: S.StepId, host: z.string().min(1).max(256).nullable() })
      .strict(),
    output: S.RunState,
  },
  /** Opens a fresh SSH connection to one of the run's hosts (after it was lost, or on demand). */
  'run.reconnect': {
    input: z.object({ runId: S.RunId, host: z.string().min(1).max(256) }).strict(),
    output: S.RunState,
  },
  'run.finish': { input: z.object({ runId: S.RunId }).strict(), output: S.RunState },
  /** Hosts to run on: ssh_config entries and the workspace's hosts.yaml. */
  'hosts.list': { input: empty, output: z.array(S.InventoryHost) },
  /** The user's answer to a host.keyPrompt event. */
  'host.answerKey': {
    input: z.object({ promptId: z.string().regex(/^[0-9a-f]{16}$/), accept: z.boolean() }).strict(),
    output: z.null(),
  },
  /** The user's answers to a host.authPrompt event, in prompt order; null cancels. Kept in the core only. */
  'host.answerAuth': {
    input: z
      .object({
        promptId: z.string().regex(/^[0-9a-f]{16}$/),
        answers: z.array(z.string().max(4096)).max(16).nullable(),
      })
      .strict(),
    output: z.null(),
  },
  /**
   * Opens a step's whole output from the run's journal (a run in progress or a past
   * one), rendered as the terminal showed it (colours as SGR sequences, `\r`
   * progress collapsed), to be read a window of lines at a time; a fan-out step
   * on one of its hosts (the first unless told). Close it when done.
   */
  'output.open': {
    input: z.object({ runId: S.RunId, stepId: S.StepId, host: HostName.optional() }).strict(),
    output: OutputViewStatus,
  },
  /** Lines [from, from + count) of an open output; waits until they are rendered (or it all is). */
  'output.lines': {
    input: z
      .object({
        viewId: ViewId,
        from: z.number().int().nonnegative().max(1e9),
        count: z.number().int().min(0).max(1_000),
      })
      .strict(),
    output: OutputViewStatus.extend({ lines: z.array(z.string()) }),
  },
  /**
   * Every line of an open output whose text matches: a plain string, or a JavaScript
   * regular expression with `regex`; case ignored unless `caseSensitive`. `hits` are
   * line numbers (from 0, the first 100,000); `matches` counts every match.
   */
  'output.search': {
    input: z
      .object({
        viewId: ViewId,
        pattern: z.string().min(1).max(1_000),
        regex: z.boolean().optional(),
        caseSensitive: z.boolean().optional(),
      })
      .strict(),
    output: OutputViewStatus.extend({
      matches: z.number().int().nonnegative(),
      hits: z.array(z.number().int().nonnegative()),
      truncated: z.boolean(),
      searched: z.number().int().nonnegative(),
    }),
  },
  'output.close': { input: z.object({ viewId: ViewId }).strict(), output: z.null() },
  /**
   * A run's terminal session as asciicast v2 for the app's replay (`runsheet recording`
   * writes the same): a marker where each step starts and ends. A step's output past
   * 2 MB, and any past 32 MB in all, is left out with a note (Full output has it).
   */
  'run.recording': {
    input: z.object({ runId: S.RunId, host: HostName.optional() }).strict(),
    output: z.object({
      cast: z.string(),
      markers: z.array(
        z.object({ time: z.number().nonnegative(), stepId: z.string(), text: z.string() }),
      ),
    }),
  },
  'session.write': {
    input: z.object({ sessionId: S.SessionId, data: z.string().max(1 << 16) }).strict(),
    output: z.null(),
  },
  'session.snapshot': {
    input: z.object({ sessionId: S.SessionId }).strict(),
    output: z.object({ data: z.string(), seq: z.number().int().nonnegative() }),
  },
  /** The renderer has drawn this many characters of the session's output (flow control). */
  'session.ack': {
    input: z
      .object({
        sessionId: S.SessionId,
        chars: z
          .number()
          .int()
          .positive()
          .max(1 << 30),
      })
      .strict(),
    output: z.null(),
  },
  /** The renderer stops showing this session (its terminal closed). */
  'session.detach': {
    input: z.object({ sessionId: S.SessionId }).strict(),
    output: z.null(),
  },
  'session.resize': {
    input: z
      .object({
        sessionId: S.SessionId,
        cols: z.number().int().min(2).max(1000),
        rows: z.number().int().min(1).max(500),
      })
      .strict(),
    output: z.null(),
  },
} as const;

/** Events pushed from the core: name -> payload schema. */
export const events = {
  'run.didChange': S.RunState,
  /** A runbook changed on disk; the open view updates and a run keeps the steps whose ids survived. */
  'runbook.didChange': z.object({ summary: S.RunbookSummary, runbook: S.Runbook }),
  /**
   * Runbooks were added, deleted or renamed on disk (or one became unreadable, or readable
   * again): the list as it is now. `renamedTo` when the same text appeared under another name.
   */
  'workspace.didChange': z.object({
    runbooks: z.array(S.RunbookSummary),
    added: z.array(S.RunbookId),
    removed: z.array(z.object({ id: S.RunbookId, renamedTo: S.RunbookId.nullable() })),
  }),
  /** Terminal output; `seq` numbers the chunks of one session so a snapshot can be joined without gaps. */
  'session.didData': z.object({
    sessionId: S.SessionId,
    data: z.string(),
    seq: z.number().int().nonnegative(),
  }),
  /**
   * The renderer fell behind and missed `skipped` characters of output (the run record has
   * them all): `data` is the output after them, up to the chunk numbered `seq`. Drawn after a
   * note, it brings the screen to the latest output.
   */
  'session.didSkip': z.object({
    sessionId: S.SessionId,
    data: z.string(),
    seq: z.number().int().nonnegative(),
    skipped: z.number().int().positive(),
  }),
  /** An SSH host offered a key no known_hosts file has: trust it? (answer with host.answerKey) */
  'host.keyPrompt': S.HostKeyQuestion.extend({ promptId: z.string() }),
  /**
   * An SSH host (or a key file) needs something only the user knows: a key's
   * passphrase, keyboard-interactive prompts (one-time codes) or a password.
   * Answer with host.answerAuth.
   */
  'host.authPrompt': S.AuthQuestion.extend({ promptId: z.string() }),
  /** A queued export went out. */
  'export.didSend': z.object({ runId: z.string(), tracker: z.string(), url: z.string() }),
  'session.didExit': z.object({ sessionId: S.SessionId, exitCode: z.number().int().nullable() }),
  /**
   * The desktop window was asked to open a link without the app's dialog (window.open, a
   * link that escaped the page's handlers): the page asks the user first, as for any link.
   */
  'app.linkRequested': z.object({ url: z.string().max(MAX_LINK_LENGTH) }),
} as const;

export type MethodName = keyof typeof methods;
export type EventName = keyof typeof events;
export type MethodInput<M extends MethodName> = z.input<(typeof methods)[M]['input']>;
export type MethodOutput<M extends MethodName> = z.output<(typeof methods)[M]['output']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

export function isMethodName(name: unknown): name is MethodName {
  return typeof name === 'string' && Object.hasOwn(methods, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

/** What the renderer (and any other client) holds. It cannot tell which transport is behind it. */
export interface RunsheetApi {
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

/** The core side: one handler per method, plus a stream of events. */
export type Handlers = {
  [M in MethodName]: (input: MethodOutputOf<M>) => Promise<MethodOutput<M>>;
};
type MethodOutputOf<M extends MethodName> = z.output<(typeof methods)[M]['input']>;

export type EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

export type AppInfo = z.output<typeof AppInfo>;
export type {
  DueItem,
  ExportFormat,
  HistoryRun,
  HistoryStatus,
  HostResult,
  HostStatus,
  RunbookChange,
  RunbookSummary,
  RunState,
  RunStatus,
  RunSummary,
  StepResult,
  StepStatus,
  TrackerName,
} from '../model';
