import type { AppInfo, RunbookSummary, RunState } from '../../../shared/api';
import type { Runbook } from '../../../shared/model';

/** Everything the UI shows, in one place; changed only through `reduce`. */
export interface AppState {
  info: AppInfo | null;
  runbooks: RunbookSummary[];
  selectedId: string | null;
  opened: { summary: RunbookSummary; runbook: Runbook } | null;
  run: RunState | null;
  /** Every active run's shell, for the terminal tabs (runs of other runbooks included). */
  shells: Record<string, { sessionId: string; title: string }>;
  /** Steps waiting for an answer from the core, so buttons do not fire twice. */
  busySteps: string[];
  error: string | null;
  disconnected: string | null;
}

export type Action =
  | { type: 'info'; info: AppInfo }
  | { type: 'runbooks'; runbooks: RunbookSummary[] }
  | { type: 'select'; id: string }
  | { type: 'opened'; summary: RunbookSummary; runbook: Runbook; run: RunState | null }
  | { type: 'run'; run: RunState }
  /** The open runbook changed on disk. */
  | { type: 'reloaded'; summary: RunbookSummary; runbook: Runbook }
  | { type: 'busy'; stepId: string; busy: boolean }
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
  busySteps: [],
  error: null,
  disconnected: null,
};

export function reduce(state: AppState, action: Action): AppState {
  switch (action.type) {
    case 'info':
      return { ...state, info: action.info };
    case 'runbooks':
      return { ...state, runbooks: action.runbooks };
    case 'select':
      return action.id === state.selectedId
        ? state
        : { ...state, selectedId: action.id, opened: null, run: null, busySteps: [] };
    case 'opened':
      if (action.summary.id !== state.selectedId) return state;
      return {
        ...withShell(state, action.run),
        opened: { summary: action.summary, runbook: action.runbook },
        run: action.run,
      };
    case 'reloaded': {
      const runbooks = state.runbooks.map((r) => (r.id === action.summary.id ? action.summary : r));
      if (action.summary.id !== state.selectedId) return { ...state, runbooks };
      return { ...state, runbooks, opened: { summary: action.summary, runbook: action.runbook } };
    }
    case 'run': {
      // An answer computed before a newer event arrived: keep the newer state.
      if (state.run && state.run.id === action.run.id && action.run.seq < state.run.seq)
        return state;
      state = withShell(state, action.run);
      // Events for other runbooks' runs do not concern the open view.
      if (action.run.runbookId !== state.selectedId) return state;
      if (
        state.run &&
        state.run.id !== action.run.id &&
        state.run.status === 'active' &&
        action.run.status !== 'active'
      ) {
        return state;
      }
      return { ...state, run: action.run };
    }
    case 'busy':
      return {
        ...state,
        busySteps: action.busy
          ? [...state.busySteps, action.stepId]
          : state.busySteps.filter((id) => id !== action.stepId),
      };
    case 'error':
      return { ...state, error: action.message };
    case 'dismissError':
      return { ...state, error: null };
    case 'disconnected':
      return { ...state, disconnected: action.reason };
  }
}

/** Keeps the terminal tabs in step with a run: its shell while it is active and has one. */
function withShell(state: AppState, run: RunState | null): AppState {
  if (!run) return state;
  const shells = Object.fromEntries(
    Object.entries(state.shells).filter(([key]) => key !== run.id && !key.startsWith(`${run.id}:`)),
  );
  if (run.status === 'active') {
    if (run.sessionId) shells[run.id] = { sessionId: run.sessionId, title: run.runbookTitle };
    // A fan-out's shells: a tab per host.
    for (const [host, sessionId] of Object.entries(run.hostSessions)) {
      shells[`${run.id}:${host}`] = { sessionId, title: host };
    }
  }
  return { ...state, shells };
}
