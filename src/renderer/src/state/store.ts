import type {
  AppInfo,
  DueItem,
  EventPayload,
  HistoryRun,
  HistoryStatus,
  MethodOutput,
  RunbookSummary,
  RunState,
  RunSummary,
} from '../../../shared/api';
import type { ExportFormat, OutputSearchResult, Plan, Runbook, Step } from '../../../shared/model';
import type { ViewerTarget } from '../components/OutputViewer';

/** The open question before steps that ask run: each with why, and the production name to type. */
export interface Confirming {
  steps: Array<{ step: Step; reasons: string[] }>;
  environment: string | null;
}

/** A run on record, opened to read: its state, the runbook it ran, and how that file changed since. */
export type OpenedRun = MethodOutput<'run.open'>;

/** The export dialog: the format picked, its preview, the trackers, and what happened. */
export interface ExportState {
  runId: string;
  format: ExportFormat;
  result: { format: ExportFormat; out: MethodOutput<'run.export'> } | null;
  trackers: MethodOutput<'tracker.list'>;
  sending: boolean;
  sent: MethodOutput<'run.push'> | null;
  notice: string | null;
  /** The bundle being written (`true`) or written beside the log (its path and check command). */
  bundle: MethodOutput<'run.saveBundle'> | true | null;
}

/** A past run open in its own view, and the run its step durations are compared with. */
export interface PastRunState {
  runId: string;
  opened: OpenedRun | null;
  /** Other finished or interrupted runs of the same runbook. */
  others: RunSummary[];
  compareId: string;
  compared: RunState | null;
}

/**
 * The open runbook's file is not there as shown: deleted (or moved: `movedTo`), or it cannot
 * be read now. The view keeps what it showed; a run in progress goes on from its own record.
 */
export type FileProblem =
  { kind: 'deleted'; movedTo: string | null } | { kind: 'unreadable'; error: string };

/** Everything the UI shows, in one place; changed only through `reduce`. */
export interface AppState {
  info: AppInfo | null;
  runbooks: RunbookSummary[];
  selectedId: string | null;
  opened: { summary: RunbookSummary; runbook: Runbook; problem: FileProblem | null } | null;
  run: RunState | null;
  /**
   * Every active run's shell, for the terminal tabs (runs of other runbooks included); a
   * finished run's stay, read-only, until closed or a new run of the runbook starts.
   */
  shells: Record<string, { sessionId: string; title: string; runbookId: string }>;
  /** Shells that ended, by session id: why (exit code, or the connection). */
  ended: Record<string, string>;
  /** Steps waiting for an answer from the core, so buttons do not fire twice. */
  busySteps: string[];
  /** Inventory hosts and groups, for "Run on" and a step's "on" picker. */
  hosts: string[];
  groups: string[];
  /** Where the next run goes: '' is this machine (or the runbook's own hosts). */
  target: string;
  /** The main area: the open runbook, the overview, or a past run. */
  view: 'runbook' | 'home' | 'run';
  /**
   * The overview: due items, runs not finished (interrupted or in progress, whatever the
   * search), the history as last searched, its search words and status filter.
   */
  overview: {
    due: DueItem[] | null;
    unfinished: HistoryRun[] | null;
    runs: HistoryRun[] | null;
    query: string;
    status: HistoryStatus | '';
    /** Lines of past runs' output and notes holding the search's text (null: no text, or reading). */
    output: (OutputSearchResult & { text: string }) | null;
  };
  past: PastRunState | null;
  exporting: ExportState | null;
  /** The full-output viewer, on this step of this run. */
  /** The step output open in the full-output viewer. */
  viewing: ViewerTarget | null;
  /** The replay of a past run's terminal session. */
  replaying: { runId: string; title: string } | null;
  rehearsing: boolean;
  /** The plan view: what a run would do, or (null plan) while it loads; `saved` once saved for signing. */
  planning: { plan: Plan | null; saved: string | null } | null;
  /** Questions waiting for the user, one dialog at a time. */
  keyPrompts: Array<EventPayload<'host.keyPrompt'>>;
  authPrompts: Array<EventPayload<'host.authPrompt'>>;
  windowAsk: MethodOutput<'run.preflight'> | null;
  /** Steps that ask before they run, and the production environment to type, while the question is open. */
  confirming: Confirming | null;
  /** Finish was asked with steps not done: those steps, while the question is open. */
  finishing: Step[] | null;
  /** A paste waiting for the user: its text, and how many control characters were taken out. */
  pasting: { text: string; removed: number } | null;
  link: string | null;
  error: string | null;
  disconnected: string | null;
}

export type Action =
  | { type: 'info'; info: AppInfo }
  | { type: 'runbooks'; runbooks: RunbookSummary[] }
  | { type: 'hosts'; hosts: string[]; groups: string[] }
  | { type: 'select'; id: string }
  | {
      type: 'opened';
      summary: RunbookSummary;
      runbook: Runbook;
      run: RunState | null;
      /** The file is gone; this is its run's own copy. */
      deleted?: boolean;
    }
  /** Runbooks were added, deleted or renamed on disk. */
  | { type: 'workspace'; change: EventPayload<'workspace.didChange'> }
  /** The user closed a runbook whose file is gone. */
  | { type: 'closeRunbook' }
  | { type: 'run'; run: RunState }
  /** The open runbook changed on disk. */
  | { type: 'reloaded'; summary: RunbookSummary; runbook: Runbook }
  | { type: 'busy'; stepId: string; busy: boolean }
  | { type: 'target'; host: string }
  | { type: 'shellEnded'; sessionId: string; why: string }
  /** The user closed an ended shell's tab. */
  | { type: 'closeShell'; sessionId: string }
  | { type: 'view'; view: AppState['view'] }
  | {
      type: 'overview';
      due?: DueItem[];
      unfinished?: HistoryRun[];
      runs?: HistoryRun[];
      output?: AppState['overview']['output'];
    }
  | { type: 'query'; query: string; status?: HistoryStatus | '' }
  | { type: 'past'; runId: string }
  | { type: 'pastOpened'; runId: string; opened: OpenedRun; others?: RunSummary[] }
  | { type: 'compare'; runId: string; compareId: string; compared?: RunState }
  | { type: 'export'; runId: string | null }
  | { type: 'viewing'; viewing: AppState['viewing'] }
  | { type: 'replaying'; replaying: AppState['replaying'] }
  | { type: 'exportFormat'; format: ExportFormat }
  | { type: 'exported'; runId: string; format: ExportFormat; out: MethodOutput<'run.export'> }
  | { type: 'trackers'; trackers: MethodOutput<'tracker.list'> }
  | { type: 'sending'; sending: boolean }
  | { type: 'sent'; sent: MethodOutput<'run.push'> }
  | { type: 'notice'; notice: string | null }
  | { type: 'bundle'; bundle: MethodOutput<'run.saveBundle'> | true | null }
  | { type: 'rehearsing'; open: boolean }
  | { type: 'planning'; planning: AppState['planning'] }
  | { type: 'keyPrompt'; prompt: EventPayload<'host.keyPrompt'> | null }
  | { type: 'authPrompt'; prompt: EventPayload<'host.authPrompt'> | null }
  | { type: 'windowAsk'; verdict: MethodOutput<'run.preflight'> | null }
  | { type: 'confirming'; confirming: Confirming | null }
  | { type: 'finishing'; steps: Step[] | null }
  | { type: 'pasting'; pasting: AppState['pasting'] }
  | { type: 'link'; href: string | null }
  | { type: 'error'; message: string }
  | { type: 'dismissError' }
  | { type: 'disconnected'; reason: string };

export const initialState: AppState = {
  info: null,
  runbooks: [],
  selectedId: null,
  opened: null,
  run: null,
  shells: {},
  ended: {},
  busySteps: [],
  hosts: [],
  groups: [],
  target: '',
  view: 'runbook',
  overview: { due: null, unfinished: null, runs: null, query: '', status: '', output: null },
  past: null,
  exporting: null,
  viewing: null,
  replaying: null,
  rehearsing: false,
  planning: null,
  keyPrompts: [],
  authPrompts: [],
  windowAsk: null,
  confirming: null,
  finishing: null,
  pasting: null,
  link: null,
  error: null,
  disconnected: null,
};

export function reduce(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'info':
      return { ...state, info: action.info };
    case 'runbooks':
      return { ...state, runbooks: action.runbooks };
    case 'hosts':
      return { ...state, hosts: action.hosts, groups: action.groups };
    case 'select':
      return action.id === state.selectedId
        ? { ...state, view: 'runbook', past: null }
        : {
            ...state,
            view: 'runbook',
            past: null,
            selectedId: action.id,
            opened: null,
            run: null,
            busySteps: [],
          };
    case 'opened':
      if (action.summary.id !== state.selectedId) return state;
      return {
        ...withShell(state, action.run),
        opened: {
          summary: action.summary,
          runbook: action.runbook,
          problem: action.deleted ? { kind: 'deleted', movedTo: null } : null,
        },
        run: action.run,
      };
    case 'workspace':
      return withWorkspace(state, action.change);
    case 'closeRunbook':
      return { ...state, selectedId: null, opened: null, run: null, busySteps: [], view: 'home' };
    case 'reloaded': {
      const runbooks = state.runbooks.map((r) => (r.id === action.summary.id ? action.summary : r));
      if (action.summary.id !== state.selectedId) return { ...state, runbooks };
      return {
        ...state,
        runbooks,
        opened: { summary: action.summary, runbook: action.runbook, problem: null },
      };
    }
    case 'run':
      return withRun(state, action.run);
    case 'busy':
      return {
        ...state,
        busySteps: action.busy
          ? [...state.busySteps, action.stepId]
          : state.busySteps.filter((id) => id !== action.stepId),
      };
    case 'target':
      return { ...state, target: action.host };
    case 'shellEnded':
      // The first reason stays: a finished run's shells say so, not the exit their closing caused.
      if (state.ended[action.sessionId]) return state;
      return { ...state, ended: { ...state.ended, [action.sessionId]: action.why } };
    case 'closeShell': {
      if (!state.ended[action.sessionId]) return state;
      const shells = Object.fromEntries(
        Object.entries(state.shells).filter(([, s]) => s.sessionId !== action.sessionId),
      );
      return { ...state, shells };
    }
    case 'view':
      return { ...state, view: action.view, past: action.view === 'run' ? state.past : null };
    case 'overview':
      return {
        ...state,
        overview: {
          ...state.overview,
          ...(action.due ? { due: action.due } : {}),
          ...(action.unfinished ? { unfinished: action.unfinished } : {}),
          ...(action.runs ? { runs: action.runs } : {}),
          ...(action.output !== undefined ? { output: action.output } : {}),
        },
      };
    case 'query':
      return {
        ...state,
        overview: {
          ...state.overview,
          query: action.query,
          ...(action.status !== undefined ? { status: action.status } : {}),
        },
      };
    case 'past':
      return {
        ...state,
        view: 'run',
        past: { runId: action.runId, opened: null, others: [], compareId: '', compared: null },
      };
    case 'pastOpened':
      if (state.past?.runId !== action.runId) return state;
      return {
        ...state,
        past: {
          ...state.past,
          opened: action.opened,
          ...(action.others ? { others: action.others } : {}),
        },
      };
    case 'compare':
      if (state.past?.runId !== action.runId) return state;
      return {
        ...state,
        past: {
          ...state.past,
          compareId: action.compareId,
          compared: action.compared ?? null,
        },
      };
    case 'viewing':
      return { ...state, viewing: action.viewing };
    case 'replaying':
      return { ...state, replaying: action.replaying };
    case 'export':
      return {
        ...state,
        exporting: action.runId
          ? {
              runId: action.runId,
              format: 'md',
              result: null,
              trackers: [],
              sending: false,
              sent: null,
              notice: null,
              bundle: null,
            }
          : null,
      };
    case 'exportFormat':
      return withExport(state, { format: action.format, notice: null });
    case 'exported':
      if (state.exporting?.runId !== action.runId) return state;
      return withExport(state, { result: { format: action.format, out: action.out } });
    case 'trackers':
      return withExport(state, { trackers: action.trackers });
    case 'sending':
      return withExport(state, { sending: action.sending });
    case 'sent':
      return withExport(state, { sent: action.sent });
    case 'notice':
      return withExport(state, { notice: action.notice });
    case 'bundle':
      return withExport(state, { bundle: action.bundle });
    case 'planning':
      return { ...state, planning: action.planning };
    case 'rehearsing':
      return { ...state, rehearsing: action.open };
    case 'keyPrompt':
      return {
        ...state,
        keyPrompts: action.prompt
          ? [...state.keyPrompts, action.prompt]
          : state.keyPrompts.slice(1),
      };
    case 'authPrompt':
      return {
        ...state,
        authPrompts: action.prompt
          ? [...state.authPrompts, action.prompt]
          : state.authPrompts.slice(1),
      };
    case 'windowAsk':
      return { ...state, windowAsk: action.verdict };
    case 'confirming':
      return { ...state, confirming: action.confirming };
    case 'finishing':
      return { ...state, finishing: action.steps };
    case 'pasting':
      return { ...state, pasting: action.pasting };
    case 'link':
      return { ...state, link: action.href };
    case 'error':
      return { ...state, error: action.message };
    case 'dismissError':
      return { ...state, error: null };
    case 'disconnected':
      return { ...state, disconnected: action.reason };
  }
}

/**
 * Whether the app opens on the overview rather than a runbook: a run was interrupted
 * (waiting for Resume), one is in progress, or something is overdue.
 */
export function needsAttention(due: DueItem[], unfinished: RunSummary[]): boolean {
  return (
    unfinished.some((r) => r.status === 'interrupted' || r.status === 'active') ||
    due.some((d) => d.status === 'overdue')
  );
}

/** What the overview's badge counts: overdue items and interrupted runs. */
export function attention(state: AppState): number {
  const overdue = (state.overview.due ?? []).filter((d) => d.status === 'overdue').length;
  const interrupted = (state.overview.unfinished ?? []).filter(
    (r) => r.status === 'interrupted',
  ).length;
  return overdue + interrupted;
}

/**
 * The list as it is on disk now, and what it means for the open runbook: deleted (a notice; a
 * run goes on), renamed with no run in progress (the view follows it), unreadable, or back.
 */
function withWorkspace(state: AppState, change: EventPayload<'workspace.didChange'>): AppState {
  const next = { ...state, runbooks: change.runbooks };
  const { opened, selectedId } = state;
  if (!opened || selectedId === null) return next;
  const gone = change.removed.find((r) => r.id === selectedId);
  if (gone) {
    const running = state.run?.status === 'active';
    const summary = gone.renamedTo
      ? change.runbooks.find((r) => r.id === gone.renamedTo)
      : undefined;
    if (summary && !running)
      return { ...next, selectedId: summary.id, opened: { ...opened, summary } };
    return {
      ...next,
      opened: { ...opened, problem: { kind: 'deleted', movedTo: gone.renamedTo } },
    };
  }
  const now = change.runbooks.find((r) => r.id === selectedId);
  if (!now) return next;
  if (now.error !== null)
    return { ...next, opened: { ...opened, problem: { kind: 'unreadable', error: now.error } } };
  // Readable again: the action opens it again (its text may differ), which clears the notice.
  return next;
}

function withExport(state: AppState, change: Partial<ExportState>): AppState {
  return state.exporting ? { ...state, exporting: { ...state.exporting, ...change } } : state;
}

/** A run's new state: its shells' tabs, the open view, and a past run showing it. */
function withRun(state: AppState, run: RunState): AppState {
  // An answer computed before a newer event arrived: keep the newer state.
  if (state.run && state.run.id === run.id && run.seq < state.run.seq) return state;
  state = withShell(state, run);
  // Events for other runbooks' runs do not concern the open view.
  if (run.runbookId !== state.selectedId) return state;
  if (
    state.run &&
    state.run.id !== run.id &&
    state.run.status === 'active' &&
    run.status !== 'active'
  )
    return state;
  return { ...state, run };
}

/**
 * Keeps the terminal tabs in step with a run: its shells while it is active. When it
 * ends, its tabs stay, marked ended (the core keeps their screens, read-only), until
 * the user closes them or a new run of the same runbook starts.
 */
function withShell(state: AppState, run: RunState | null): AppState {
  if (!run) return state;
  const mine = (key: string): boolean => key === run.id || key.startsWith(`${run.id}:`);
  if (run.status !== 'active') {
    const ended = { ...state.ended };
    for (const [key, tab] of Object.entries(state.shells))
      if (mine(key)) ended[tab.sessionId] ??= `run ${run.status} · read-only`;
    return { ...state, ended };
  }
  const shells = Object.fromEntries(
    Object.entries(state.shells).filter(
      // A new run of a runbook replaces the tabs its earlier runs left.
      ([key, tab]) =>
        !mine(key) && !(tab.runbookId === run.runbookId && state.ended[tab.sessionId]),
    ),
  );
  const runbookId = run.runbookId;
  if (run.sessionId)
    shells[run.id] = { sessionId: run.sessionId, title: run.runbookTitle, runbookId };
  // A fan-out's shells: a tab per host.
  for (const [host, sessionId] of Object.entries(run.hostSessions)) {
    shells[`${run.id}:${host}`] = { sessionId, title: host, runbookId };
  }
  return { ...state, shells };
}
