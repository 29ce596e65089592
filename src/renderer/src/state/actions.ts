import type {
  EventPayload,
  MethodInput,
  MethodOutput,
  RunsheetApi,
  RunState,
} from '../../../shared/api';
import {
  runbookTargets,
  stepsFrom,
  stepsToConfirm,
  stepsNotDone,
  holdFlagged,
  isProduction,
  OUTPUT_SEARCH_MAX,
  stepName,
  type ExportFormat,
  type Rehearsal,
  type Step,
  type TrackerName,
} from '../../../shared/model';
import { notifyLongSteps } from './notifications';
import { needsAttention, type Action, type AppState, type Confirming } from './store';

/** The user said no to a question on the way (a dialog): nothing to report. */
class Cancelled extends Error {}

/** Characters per session.write call (the contract takes at most 65,536). */
const WRITE_CHUNK = 16 * 1024;

type Fields = Partial<Pick<RunState, 'maintainer' | 'environment' | 'issues' | 'nextActions'>>;

/** What a terminal view needs of the core for its session: output in, keys and sizes out. */
export interface TerminalPort {
  snapshot(sessionId: string): Promise<{ data: string; seq: number }>;
  onData(listener: (event: EventPayload<'session.didData'>) => void): () => void;
  /** The core skipped output this view fell behind on: the latest output comes with it. */
  onSkip(listener: (event: EventPayload<'session.didSkip'>) => void): () => void;
  write(sessionId: string, data: string): void;
  resize(sessionId: string, cols: number, rows: number): void;
  /** This many characters are drawn (flow control). */
  ack(sessionId: string, chars: number): void;
  detach(sessionId: string): void;
}

/** What the full-output viewer needs of the core: a rendered output, read a window at a time. */
export interface OutputPort {
  open(input: MethodInput<'output.open'>): Promise<MethodOutput<'output.open'>>;
  lines(viewId: string, from: number, count: number): Promise<MethodOutput<'output.lines'>>;
  search(input: MethodInput<'output.search'>): Promise<MethodOutput<'output.search'>>;
  close(viewId: string): void;
}

/**
 * Everything the UI does: each action talks to the API and dispatches what came
 * back into the store. Components render the store and call these; none of them
 * holds the API. Questions on the way (a closed maintenance window, a step that
 * asks for confirmation, a multi-line paste) are store state with a dialog; the
 * action waiting for the answer keeps its continuation here.
 */
export function createActions(
  api: RunsheetApi,
  dispatch: (action: Action) => void,
  get: () => AppState,
) {
  let windowAnswer: ((start: boolean) => void) | null = null;
  let onConfirm: ((typed: string | undefined) => void) | null = null;
  let onPaste: (() => void) | null = null;
  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  const statuses = new Map<string, RunState['status']>();

  const fail = (error: unknown): void => {
    if (error instanceof Cancelled) return;
    dispatch({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  };
  const run = (): RunState | null => get().run;

  /** The history as the overview's search and status filter ask for it. */
  const historyRequest = () => {
    const { query, status } = get().overview;
    const q = query.trim();
    return { ...(q ? { query: q } : {}), ...(status ? { status: [status] } : {}) };
  };
  const loadHistory = (): void => {
    api
      .call('history.list', historyRequest())
      .then((runs) => dispatch({ type: 'overview', runs }), fail);
    const text = outputSearchText(get().overview.query);
    if (!text) return dispatch({ type: 'overview', output: null });
    api.call('history.searchOutput', { text }).then(
      // An answer to a search the user has since changed is dropped.
      (found) =>
        outputSearchText(get().overview.query) === text &&
        dispatch({ type: 'overview', output: { ...found, text } }),
      fail,
    );
  };
  const UNFINISHED = { status: ['interrupted' as const, 'active' as const] };
  const loadOverview = (): void => {
    api.call('due.list', {}).then((due) => dispatch({ type: 'overview', due }), fail);
    api
      .call('history.list', UNFINISHED)
      .then((unfinished) => dispatch({ type: 'overview', unfinished }), fail);
    loadHistory();
  };

  /** Reads the selected runbook (again) into the open view. */
  const readRunbook = (id: string): void => {
    api
      .call('runbook.open', { runbookId: id })
      .then(
        ({ summary, runbook, activeRun, deleted }) =>
          dispatch({ type: 'opened', summary, runbook, run: activeRun, deleted }),
        fail,
      );
  };
  const openRunbook = (id: string): void => {
    dispatch({ type: 'select', id });
    readRunbook(id);
  };

  /** The workspace changed on disk: the list, and the open runbook followed, noted or read again. */
  const onWorkspace = (change: EventPayload<'workspace.didChange'>): void => {
    const before = get();
    dispatch({ type: 'workspace', change });
    const after = get();
    const id = after.selectedId;
    if (!id || !after.opened) return;
    const renamed = id !== before.selectedId;
    const back = change.added.includes(id) && before.opened?.problem != null;
    const readable = before.opened?.problem?.kind === 'unreadable' && !after.opened.problem;
    if (renamed || back || readable) readRunbook(id);
  };

  /** A start on its way (preflight, maybe the window dialog): a second action waits for the same run. */
  let starting: Promise<RunState> | null = null;

  /** Any action on a step starts a run if none is active, so ticking the first item just works. */
  const ensureRun = (rehearsal?: Rehearsal): Promise<RunState> => {
    const current = run();
    if (current?.status === 'active') return Promise.resolve(current);
    starting ??= startRun(rehearsal).finally(() => (starting = null));
    return starting;
  };

  /** The plan of the open runbook: the active run's own, or a new run's on the chosen host. */
  const planRequest = () => {
    const opened = get().opened;
    if (!opened) return null;
    const current = run();
    const target = get().target;
    return {
      runbookId: opened.summary.id,
      ...(current?.status === 'active' ? { runId: current.id } : target ? { host: target } : {}),
    };
  };

  const startRun = async (rehearsal?: Rehearsal): Promise<RunState> => {
    const opened = get().opened;
    if (!opened) throw new Error('no runbook is open');
    const target = get().target;
    const where = { runbookId: opened.summary.id, ...(target ? { host: target } : {}) };
    const verdict = await api.call('run.preflight', where);
    let outsideWindow = false;
    if (verdict.open === false) {
      dispatch({ type: 'windowAsk', verdict });
      outsideWindow = await new Promise<boolean>((resolve) => (windowAnswer = resolve));
      if (!outsideWindow) throw new Cancelled();
    }
    const started = await api.call('run.start', {
      ...where,
      ...(outsideWindow ? { outsideWindow } : {}),
      ...(rehearsal ? { rehearsal } : {}),
    });
    dispatch({ type: 'run', run: started });
    return started;
  };

  const withStep = (step: Step, action: (runId: string) => Promise<unknown>): void => {
    dispatch({ type: 'busy', stepId: step.id, busy: true });
    ensureRun()
      .then((r) => action(r.id))
      .catch(fail)
      .finally(() => dispatch({ type: 'busy', stepId: step.id, busy: false }));
  };

  /**
   * The operator fields being saved: an export (shown, saved or sent) waits for them, so a
   * field left for the Export button (its blur saves it, the click exports) is in the export.
   */
  let fieldsSaved: Promise<unknown> = Promise.resolve();
  const exportFormat = (format: ExportFormat): void => {
    const runId = get().exporting?.runId;
    if (!runId) return;
    dispatch({ type: 'exportFormat', format });
    void fieldsSaved
      .then(() => api.call('run.export', { runId, format }))
      .then((out) => dispatch({ type: 'exported', runId, format, out }), fail);
  };

  const onRun = (next: RunState): void => {
    dispatch({ type: 'run', run: next });
    const before = statuses.get(next.id);
    statuses.set(next.id, next.status);
    // A run ended or stopped: the overview's lists and badge change.
    if (before !== next.status && next.status !== 'active') loadOverview();
    notifyLongSteps(next);
  };

  return {
    /** Reads what the app starts with and follows the core's events; returns the unsubscribe. */
    boot(): () => void {
      api.call('app.info', {}).then((info) => dispatch({ type: 'info', info }), fail);
      api.call('hosts.list', {}).then(
        (list) =>
          dispatch({
            type: 'hosts',
            hosts: list.map((h) => h.name),
            groups: [...new Set(list.flatMap((h) => h.groups))].sort(),
          }),
        fail,
      );
      api.call('run.active', {}).then((runs) => runs.forEach(onRun), fail);
      // The overview first when something needs attention, else the first runbook.
      Promise.all([
        api.call('workspace.list', {}),
        api.call('due.list', {}),
        api.call('history.list', UNFINISHED),
      ]).then(([runbooks, due, unfinished]) => {
        dispatch({ type: 'runbooks', runbooks });
        dispatch({ type: 'overview', due, unfinished });
        const first = runbooks[0];
        if (needsAttention(due, unfinished)) dispatch({ type: 'view', view: 'home' });
        else if (first) openRunbook(first.id);
      }, fail);
      loadHistory();
      const offs = [
        api.on('run.didChange', onRun),
        api.on('workspace.didChange', onWorkspace),
        api.on('runbook.didChange', ({ summary, runbook }) =>
          dispatch({ type: 'reloaded', summary, runbook }),
        ),
        api.on('host.keyPrompt', (prompt) => dispatch({ type: 'keyPrompt', prompt })),
        api.on('app.linkRequested', ({ url }) => dispatch({ type: 'link', href: url })),
        api.on('host.authPrompt', (prompt) => dispatch({ type: 'authPrompt', prompt })),
        api.on('session.didExit', ({ sessionId, exitCode }) =>
          dispatch({
            type: 'shellEnded',
            sessionId,
            why: exitCode === null ? 'disconnected' : `exited ${exitCode}`,
          }),
        ),
      ];
      return () => offs.forEach((off) => off());
    },

    openRunbook,
    /** Closes a runbook whose file is gone (nothing runs): back to the overview. */
    closeRunbook(): void {
      dispatch({ type: 'closeRunbook' });
      loadOverview();
    },
    openHome(): void {
      dispatch({ type: 'view', view: 'home' });
      loadOverview();
    },
    /** Searches the history (words, `status:failed`, `host:web-1`), or narrows it to a status. */
    search(query: string, status?: AppState['overview']['status']): void {
      dispatch({ type: 'query', query, ...(status !== undefined ? { status } : {}) });
      if (searchTimer) clearTimeout(searchTimer);
      searchTimer = setTimeout(loadHistory, 150);
    },

    /** A past run, read-only, with the other runs of its runbook to compare with. */
    openPastRun(runId: string): void {
      dispatch({ type: 'past', runId });
      api.call('run.open', { runId }).then((opened) => {
        dispatch({ type: 'pastOpened', runId, opened });
        return api.call('history.list', { runbookId: opened.state.runbookId }).then((list) =>
          dispatch({
            type: 'pastOpened',
            runId,
            opened,
            others: list.filter((r) => r.runId !== runId && r.status !== 'active'),
          }),
        );
      }, fail);
    },
    closePastRun(): void {
      dispatch({ type: 'view', view: get().opened ? 'runbook' : 'home' });
    },
    compareWith(compareId: string): void {
      const runId = get().past?.runId;
      if (!runId) return;
      dispatch({ type: 'compare', runId, compareId });
      if (compareId)
        api
          .call('run.open', { runId: compareId })
          .then((o) => dispatch({ type: 'compare', runId, compareId, compared: o.state }), fail);
    },
    resume(runId: string): void {
      api.call('run.resume', { runId }).then((r) => {
        openRunbook(r.runbookId);
        onRun(r);
        loadOverview();
      }, fail);
    },

    setTarget: (host: string): void => dispatch({ type: 'target', host }),
    /** Starts a run (a rehearsal, with its target and RTO). */
    start(rehearsal?: Rehearsal): void {
      ensureRun(rehearsal).catch(fail);
    },
    answerWindow(start: boolean): void {
      dispatch({ type: 'windowAsk', verdict: null });
      windowAnswer?.(start);
      windowAnswer = null;
    },
    /** Finishes the open run; with steps not done, asks first (listing them) unless `anyway`. */
    finish(anyway = false): void {
      const current = run();
      const runbook = get().opened?.runbook;
      if (!current) return;
      const notDone = runbook ? stepsNotDone(runbook, current) : [];
      if (!anyway && notDone.length > 0) {
        dispatch({ type: 'finishing', steps: notDone });
        return;
      }
      dispatch({ type: 'finishing', steps: null });
      api
        .call('run.finish', { runId: current.id })
        .then((r) => dispatch({ type: 'run', run: r }), fail);
    },
    /** Back from the question: the run goes on as it was. */
    closeFinish: (): void => dispatch({ type: 'finishing', steps: null }),
    /** Operator fields of the open runbook's run (a past run, opened on its own, is read-only). */
    setFields(runId: string, fields: Fields): void {
      const saved = api.call('run.setFields', { runId, ...fields }).then((next) => {
        if (get().run?.id === runId) dispatch({ type: 'run', run: next });
      }, fail);
      fieldsSaved = Promise.all([fieldsSaved, saved]);
    },
    /** Closes an ended shell's tab (a finished run's). */
    closeShell: (sessionId: string): void => dispatch({ type: 'closeShell', sessionId }),
    reconnect(host: string): void {
      const current = run();
      if (current)
        api
          .call('run.reconnect', { runId: current.id, host })
          .then((r) => dispatch({ type: 'run', run: r }), fail);
    },

    toggle(step: Step, checked: boolean): void {
      withStep(step, (runId) => api.call('run.setChecked', { runId, stepId: step.id, checked }));
    },
    /** Runs a step, or with `andFollowing` "Run from here"; steps that ask are confirmed first. */
    runStep(step: Step, andFollowing = false): void {
      const ask = (confirming: Confirming): void => {
        if (get().confirming) return; // one question at a time: the open dialog answers first
        onConfirm = (typed) => go(true, typed);
        dispatch({ type: 'confirming', confirming });
      };
      const go = (confirmed: boolean, typed?: string): void =>
        withStep(step, (runId) =>
          api
            .call('run.execute', { runId, stepId: step.id, andFollowing, confirmed, typed })
            .catch((error: Error) => {
              // Production the renderer could not see (a run not started yet, a host tagged
              // production): the core names the environment to type; ask for it.
              const want = /: type "([^"]+)" to confirm/.exec(error.message)?.[1];
              if (!want || typed === want) throw error;
              ask({ steps, environment: want });
              throw new Cancelled();
            }),
        );
      const runbook = get().opened?.runbook;
      const current = run();
      // The same steps the core will run, and the same rule for which ask (both shared).
      const rehearsal = current?.rehearsal ?? null;
      // A rehearsal holds each destructive step after the first: those are asked on their own.
      const range = holdFlagged(
        andFollowing && runbook ? stepsFrom(runbook, current, step) : [step],
        rehearsal !== null,
      ).steps;
      const steps = stepsToConfirm(range, rehearsal !== null);
      const production =
        [current?.environment, rehearsal?.target].find((e) => isProduction(e)) ?? null;
      const environment = production && (steps.length > 0 || rehearsal) ? production : null;
      if (steps.length === 0 && environment === null) return go(false);
      ask({ steps, environment });
    },
    answerConfirm(yes: boolean, typed?: string): void {
      dispatch({ type: 'confirming', confirming: null });
      if (yes) onConfirm?.(typed);
      onConfirm = null;
    },
    /**
     * The go-ahead for a rollout's next batch (`pauseBetween=ask`). A step that asked before
     * it ran asks again: in production the core names the environment to type.
     */
    proceedStep(step: Step): void {
      const go = (typed?: string): void =>
        withStep(step, (runId) =>
          api
            .call('run.proceed', { runId, stepId: step.id, confirmed: true, typed })
            .catch((error: Error) => {
              const want = /: type "([^"]+)" to confirm/.exec(error.message)?.[1];
              if (!want || typed === want || get().confirming) throw error;
              onConfirm = (answer) => go(answer);
              const steps = stepsToConfirm([step], run()?.rehearsal != null);
              dispatch({ type: 'confirming', confirming: { steps, environment: want } });
              throw new Cancelled();
            }),
        );
      go();
    },
    cancel(force: boolean): void {
      const current = run();
      if (current) api.call('run.cancel', { runId: current.id, force }).catch(fail);
    },
    retryWrites(): void {
      const current = run();
      if (current) api.call('run.retryWrites', { runId: current.id }).catch(fail);
    },
    markDone(step: Step): void {
      withStep(step, (runId) => api.call('run.markDone', { runId, stepId: step.id }));
    },
    skip(step: Step, reason: string): void {
      withStep(step, (runId) => api.call('run.skip', { runId, stepId: step.id, reason }));
    },
    setVariable(step: Step, name: string, value: string): void {
      withStep(step, (runId) => api.call('run.setVariables', { runId, values: { [name]: value } }));
    },
    moveStep(step: Step, host: string | null): void {
      withStep(step, (runId) => api.call('run.setStepTarget', { runId, stepId: step.id, host }));
    },

    /** The plan view: what a run would do now (this run's, while one is active), nothing run. */
    openPlan(): void {
      const request = planRequest();
      if (!request) return;
      dispatch({ type: 'planning', planning: { plan: null, saved: null } });
      api.call('run.plan', request).then(
        (plan) => dispatch({ type: 'planning', planning: { plan, saved: null } }),
        (error: unknown) => {
          dispatch({ type: 'planning', planning: null });
          fail(error);
        },
      );
    },
    closePlan: (): void => dispatch({ type: 'planning', planning: null }),
    /** Saves the plan's text in approvals/ for an approver to sign, then shows it again (signed or not). */
    savePlan(): void {
      const request = planRequest();
      if (!request) return;
      api
        .call('run.savePlan', request)
        .then(({ path }) =>
          api.call('run.plan', request).then((plan) => {
            if (get().planning) dispatch({ type: 'planning', planning: { plan, saved: path } });
          }),
        )
        .catch(fail);
    },
    openRehearsal: (): void => dispatch({ type: 'rehearsing', open: true }),
    closeRehearsal: (): void => dispatch({ type: 'rehearsing', open: false }),

    openExport(runId: string): void {
      dispatch({ type: 'export', runId });
      api
        .call('tracker.list', {})
        .then((trackers) => dispatch({ type: 'trackers', trackers }), fail);
      exportFormat('md');
    },
    closeExport: (): void => dispatch({ type: 'export', runId: null }),
    exportFormat,
    saveExport(): void {
      const exporting = get().exporting;
      if (!exporting) return;
      void fieldsSaved
        .then(() =>
          api.call('run.saveExport', { runId: exporting.runId, format: exporting.format }),
        )
        .then(({ path }) => dispatch({ type: 'notice', notice: `Saved to ${path}` }), fail);
    },
    /** Writes the run's bundle beside its log; the dialog shows where and how to check it. */
    saveBundle(): void {
      const exporting = get().exporting;
      if (!exporting) return;
      dispatch({ type: 'bundle', bundle: true });
      void fieldsSaved
        .then(() => api.call('run.saveBundle', { runId: exporting.runId }))
        .then(
          (bundle) => dispatch({ type: 'bundle', bundle }),
          (error: unknown) => {
            dispatch({ type: 'bundle', bundle: null });
            fail(error);
          },
        );
    },
    copyExport(content: string): void {
      navigator.clipboard
        .writeText(content)
        .then(() => dispatch({ type: 'notice', notice: 'Copied to the clipboard' }), fail);
    },
    push(tracker: TrackerName): void {
      const exporting = get().exporting;
      if (!exporting) return;
      dispatch({ type: 'sending', sending: true });
      void fieldsSaved
        .then(() => api.call('run.push', { runId: exporting.runId, tracker }))
        .then((sent) => dispatch({ type: 'sent', sent }), fail)
        .finally(() => dispatch({ type: 'sending', sending: false }));
    },
    /** Keeps a tracker token (the desktop app's keychain); resolves with whether it was kept. */
    saveToken(tracker: TrackerName, token: string): Promise<boolean> {
      return api
        .call('tracker.setToken', { tracker, token })
        .then(() => api.call('tracker.list', {}))
        .then((trackers) => {
          dispatch({ type: 'trackers', trackers });
          return true;
        })
        .catch((error: unknown) => {
          fail(error);
          return false;
        });
    },

    answerKey(accept: boolean): void {
      const prompt = get().keyPrompts[0];
      if (!prompt) return;
      dispatch({ type: 'keyPrompt', prompt: null });
      api.call('host.answerKey', { promptId: prompt.promptId, accept }).catch(fail);
    },
    answerAuth(answers: string[] | null): void {
      const prompt = get().authPrompts[0];
      if (!prompt) return;
      dispatch({ type: 'authPrompt', prompt: null });
      api.call('host.answerAuth', { promptId: prompt.promptId, answers }).catch(fail);
    },

    openLink: (href: string): void => dispatch({ type: 'link', href }),
    closeLink: (): void => dispatch({ type: 'link', href: null }),
    /** A link the user confirmed: the desktop app hands it to the system; a browser opens a tab. */
    followLink(url: string): void {
      if (get().info?.opensLinks) api.call('app.openLink', { url }).catch(fail);
      else window.open(url, '_blank', 'noopener,noreferrer');
    },
    /** Several lines are about to be pasted into a terminal: ask first. */
    askPaste(text: string, paste: () => void, removed = 0): void {
      onPaste = paste;
      dispatch({ type: 'pasting', pasting: { text, removed } });
    },
    answerPaste(yes: boolean): void {
      dispatch({ type: 'pasting', pasting: null });
      if (yes) onPaste?.();
      onPaste = null;
    },
    dismissError: (): void => dispatch({ type: 'dismissError' }),
    showError: (message: string): void => fail(new Error(message)),
    disconnected: (reason: string): void => dispatch({ type: 'disconnected', reason }),

    /** Opens the full-output viewer on a step of a run (a fan-out step on one of its hosts). */
    openOutput: (viewing: NonNullable<AppState['viewing']>): void =>
      dispatch({ type: 'viewing', viewing }),
    /** The same, on a step of the run the open runbook shows. */
    openRunOutput: (step: Step, host: string | null): void => {
      const runId = get().run?.id;
      if (runId)
        dispatch({
          type: 'viewing',
          viewing: { runId, stepId: step.id, title: stepName(step), host },
        });
    },
    closeOutput: (): void => dispatch({ type: 'viewing', viewing: null }),
    openReplay: (replaying: NonNullable<AppState['replaying']>): void =>
      dispatch({ type: 'replaying', replaying }),
    closeReplay: (): void => dispatch({ type: 'replaying', replaying: null }),
    /** A past run's recording, for the replay's player. */
    recording: (runId: string): Promise<MethodOutput<'run.recording'>> =>
      api.call('run.recording', { runId }),

    terminal: terminalPort(api),
    output: {
      open: (input) => api.call('output.open', input),
      lines: (viewId, from, count) => api.call('output.lines', { viewId, from, count }),
      search: (input) => api.call('output.search', input),
      close: (viewId) => void api.call('output.close', { viewId }).catch(() => undefined),
    } satisfies OutputPort,
  };
}

export type Actions = ReturnType<typeof createActions>;

/** The default target a runbook shows in "Run on": its own hosts, by the core's rule. */
export function runbookHost(state: AppState): string | null {
  return state.opened ? runbookTargets(state.opened.runbook) : null;
}

function terminalPort(api: RunsheetApi): TerminalPort {
  const quiet = (promise: Promise<unknown>): void => void promise.catch(() => undefined);
  return {
    snapshot: (sessionId) => api.call('session.snapshot', { sessionId }),
    onData: (listener) => api.on('session.didData', listener),
    onSkip: (listener) => api.on('session.didSkip', listener),
    // In pieces the contract allows (a paste can be up to 256 kB), never splitting a surrogate pair.
    write: (sessionId, data) => {
      for (let at = 0; at < data.length;) {
        let end = Math.min(at + WRITE_CHUNK, data.length);
        if (end < data.length && /[\ud800-\udbff]/.test(data[end - 1]!)) end--;
        quiet(api.call('session.write', { sessionId, data: data.slice(at, end) }));
        at = end;
      }
    },
    resize: (sessionId, cols, rows) => quiet(api.call('session.resize', { sessionId, cols, rows })),
    ack: (sessionId, chars) => quiet(api.call('session.ack', { sessionId, chars })),
    detach: (sessionId) => quiet(api.call('session.detach', { sessionId })),
  };
}

/**
 * The text an Overview search looks for in past output: what was typed, less the
 * history's `status:` and `host:` filters and quotes, as one line of text (at most
 * what the contract takes); '' when only filters are left.
 */
export function outputSearchText(query: string): string {
  return query
    .replace(/(^|\s)(status|host):\S*/gi, ' ')
    .replace(/"/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, OUTPUT_SEARCH_MAX);
}
