import { useCallback, useEffect, useMemo, useReducer, useState } from 'react';
import type { EventPayload, MethodOutput, RunsheetApi } from '../../shared/api';
import type { Step } from '../../shared/model';
import { Checklist } from './components/Checklist';
import { ConfirmRunDialog } from './components/ConfirmRunDialog';
import { AuthPromptDialog } from './components/AuthPromptDialog';
import { WindowDialog } from './components/WindowDialog';
import { HomeView } from './components/HomeView';
import { RehearsalDialog } from './components/RehearsalDialog';
import { RunView } from './components/RunView';
import { ExportDialog } from './components/ExportDialog';
import { HostKeyDialog } from './components/HostKeyDialog';
import { LinkDialog } from './components/LinkDialog';
import { PasteDialog } from './components/PasteDialog';
import { useStepNotifications } from './state/notifications';
import { RunHeader } from './components/RunHeader';
import { Sidebar } from './components/Sidebar';
import type { StepActions } from './components/StepCard';
import { TerminalPanel } from './components/TerminalPanel';
import { initialState, reduce } from './state/store';

/** The user said no to a question on the way (a dialog): nothing to report. */
class Cancelled extends Error {}

export function App({ api, disconnected }: { api: RunsheetApi; disconnected: string | null }) {
  const [state, dispatch] = useReducer(reduce, initialState);
  useStepNotifications(api);
  const { opened, run } = state;
  const [link, setLink] = useState<string | null>(null);
  const [pasting, setPasting] = useState<{ text: string; paste(): void } | null>(null);
  const [hosts, setHosts] = useState<string[]>([]);
  const [groups, setGroups] = useState<string[]>([]);
  /** Where the next run goes: '' is this machine (or the runbook's own `host`). */
  const [target, setTarget] = useState('');
  const [keyPrompts, setKeyPrompts] = useState<Array<EventPayload<'host.keyPrompt'>>>([]);
  const [authPrompts, setAuthPrompts] = useState<Array<EventPayload<'host.authPrompt'>>>([]);
  const [ended, setEnded] = useState<Record<string, string>>({});
  /** The overview, a past run opened read-only, the rehearsal dialog. */
  const [home, setHome] = useState(false);
  const [viewing, setViewing] = useState<string | null>(null);
  const [rehearsing, setRehearsing] = useState(false);
  const [exporting, setExporting] = useState<string | null>(null);
  /** Bumped when a run ends or resumes, so the overview and its badge read again. */
  const [refresh, setRefresh] = useState(0);
  const [attention, setAttention] = useState(0);
  const [windowAsk, setWindowAsk] = useState<{
    verdict: MethodOutput<'run.preflight'>;
    resolve(start: boolean): void;
  } | null>(null);
  const [confirming, setConfirming] = useState<{ steps: Step[]; run(): void } | null>(null);

  const fail = useCallback((error: unknown) => {
    if (error instanceof Cancelled) return;
    dispatch({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }, []);

  useEffect(() => {
    api.call('app.info', {}).then((info) => dispatch({ type: 'info', info }), fail);
    api.call('hosts.list', {}).then((list) => {
      setHosts(list.map((h) => h.name));
      setGroups([...new Set(list.flatMap((h) => h.groups))].sort());
    }, fail);
    const offPrompt = api.on('host.keyPrompt', (prompt) => setKeyPrompts((p) => [...p, prompt]));
    const offAuth = api.on('host.authPrompt', (prompt) => setAuthPrompts((p) => [...p, prompt]));
    const offExit = api.on('session.didExit', ({ sessionId, exitCode }) =>
      setEnded((e) => ({
        ...e,
        [sessionId]: exitCode === null ? 'disconnected' : `exited ${exitCode}`,
      })),
    );
    api
      .call('run.active', {})
      .then((runs) => runs.forEach((r) => dispatch({ type: 'run', run: r })), fail);
    api.call('workspace.list', {}).then((runbooks) => {
      dispatch({ type: 'runbooks', runbooks });
      const first = runbooks[0];
      if (first) dispatch({ type: 'select', id: first.id });
    }, fail);
    const offRun = api.on('run.didChange', (run) => {
      dispatch({ type: 'run', run });
      if (run.status !== 'active') setRefresh((n) => n + 1);
    });
    const offRunbook = api.on('runbook.didChange', ({ summary, runbook }) =>
      dispatch({ type: 'reloaded', summary, runbook }),
    );
    return () => {
      offRun();
      offRunbook();
      offPrompt();
      offAuth();
      offExit();
    };
  }, [api, fail]);

  useEffect(() => {
    if (!state.selectedId) return;
    api
      .call('runbook.open', { runbookId: state.selectedId })
      .then(
        ({ summary, runbook, activeRun }) =>
          dispatch({ type: 'opened', summary, runbook, run: activeRun }),
        fail,
      );
  }, [api, state.selectedId, fail]);

  useEffect(() => {
    Promise.all([api.call('due.list', {}), api.call('history.list', {})]).then(
      ([due, runs]) =>
        setAttention(
          due.filter((d) => d.status === 'overdue').length +
            runs.filter((r) => r.status === 'interrupted').length,
        ),
      fail,
    );
  }, [api, refresh, fail]);

  useEffect(() => {
    if (disconnected) dispatch({ type: 'disconnected', reason: disconnected });
  }, [disconnected]);

  /** Any action on a step starts a run if none is active, so ticking the first item just works. */
  const ensureRun = useCallback(
    async (rehearsal?: { target: string; rtoMs: number }) => {
      if (run?.status === 'active') return run;
      if (!opened) throw new Error('no runbook is open');
      const where = { runbookId: opened.summary.id, ...(target ? { host: target } : {}) };
      const verdict = await api.call('run.preflight', where);
      const outsideWindow =
        verdict.open === false &&
        (await new Promise<boolean>((resolve) => setWindowAsk({ verdict, resolve })));
      if (verdict.open === false && !outsideWindow) throw new Cancelled();
      const started = await api.call('run.start', {
        ...where,
        ...(outsideWindow ? { outsideWindow } : {}),
        ...(rehearsal ? { rehearsal } : {}),
      });
      dispatch({ type: 'run', run: started });
      return started;
    },
    [api, opened, run, target],
  );

  const withStep = useCallback(
    (step: Step, action: (runId: string) => Promise<unknown>) => {
      dispatch({ type: 'busy', stepId: step.id, busy: true });
      ensureRun()
        .then((r) => action(r.id))
        .catch(fail)
        .finally(() => dispatch({ type: 'busy', stepId: step.id, busy: false }));
    },
    [ensureRun, fail],
  );

  const actions: StepActions = useMemo(
    () => ({
      toggle: (step, checked) =>
        withStep(step, (runId) => api.call('run.setChecked', { runId, stepId: step.id, checked })),
      run: (step, andFollowing = false) => {
        const go = (confirmed: boolean) =>
          withStep(step, (runId) =>
            api.call('run.execute', { runId, stepId: step.id, andFollowing, confirmed }),
          );
        const all = opened?.runbook.steps ?? [];
        const range = andFollowing
          ? all.slice(all.indexOf(step)).filter((s) => s.runnable)
          : [step];
        const asking = range.filter((s) => s.attrs.confirm);
        if (asking.length > 0) setConfirming({ steps: asking, run: () => go(true) });
        else go(false);
      },
      cancel: (force) => {
        if (run) api.call('run.cancel', { runId: run.id, force }).catch(fail);
      },
      markDone: (step) =>
        withStep(step, (runId) => api.call('run.markDone', { runId, stepId: step.id })),
      setVariable: (step, name, value) =>
        withStep(step, (runId) =>
          api.call('run.setVariables', { runId, values: { [name]: value } }),
        ),
      openLink: (href) => setLink(href),
      skip: (step, reason) =>
        withStep(step, (runId) => api.call('run.skip', { runId, stepId: step.id, reason })),
      setTarget: (step, host) =>
        withStep(step, (runId) => api.call('run.setStepTarget', { runId, stepId: step.id, host })),
    }),
    [api, withStep, opened, run, fail],
  );

  const openRunbook = (id: string): void => {
    setHome(false);
    setViewing(null);
    dispatch({ type: 'select', id });
  };
  const resume = (runId: string): void => {
    api.call('run.resume', { runId }).then((r) => {
      openRunbook(r.runbookId);
      dispatch({ type: 'run', run: r });
      setRefresh((n) => n + 1);
    }, fail);
  };

  // The Start/New run button shows only when no run is active, so this always starts one.
  const start = (): void => void ensureRun().catch(fail);
  const finish = (): void => {
    if (run)
      api
        .call('run.finish', { runId: run.id })
        .then((r) => dispatch({ type: 'run', run: r }), fail);
  };

  return (
    <div className="app">
      {link !== null && <LinkDialog href={link} onClose={() => setLink(null)} />}
      {exporting && (
        <ExportDialog
          api={api}
          runId={exporting}
          onClose={() => setExporting(null)}
          onError={fail}
        />
      )}
      {rehearsing && opened && (
        <RehearsalDialog
          defaultTarget={target || 'rehearsal'}
          onStart={(rehearsal) => void ensureRun(rehearsal).catch(fail)}
          onClose={() => setRehearsing(false)}
        />
      )}
      {windowAsk && (
        <WindowDialog
          verdict={windowAsk.verdict}
          onAnswer={(start) => {
            windowAsk.resolve(start);
            setWindowAsk(null);
          }}
        />
      )}
      {confirming && (
        <ConfirmRunDialog
          steps={confirming.steps}
          onConfirm={confirming.run}
          onClose={() => setConfirming(null)}
        />
      )}
      <Sidebar
        runbooks={state.runbooks}
        selectedId={state.selectedId}
        info={state.info}
        home={home && !viewing}
        attention={attention}
        onHome={() => {
          setHome(true);
          setViewing(null);
        }}
        onSelect={openRunbook}
      />
      <main className="main">
        {state.disconnected && (
          <div className="banner banner-error">Disconnected: {state.disconnected}</div>
        )}
        {state.error && (
          <div className="banner banner-error" role="alert">
            <span>{state.error}</span>
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => dispatch({ type: 'dismissError' })}
            >
              Dismiss
            </button>
          </div>
        )}
        {viewing ? (
          <RunView
            key={viewing}
            api={api}
            runId={viewing}
            onClose={() => setViewing(null)}
            onResume={resume}
            onLink={setLink}
            onError={fail}
          />
        ) : home ? (
          <HomeView
            api={api}
            refresh={String(refresh)}
            onOpenRunbook={openRunbook}
            onOpenRun={setViewing}
            onResume={resume}
            onError={fail}
          />
        ) : opened ? (
          <>
            <RunHeader
              summary={opened.summary}
              run={run}
              hosts={hosts}
              defaultHost={
                typeof opened.runbook.frontmatter.host === 'string'
                  ? opened.runbook.frontmatter.host
                  : null
              }
              target={target}
              onTarget={setTarget}
              onStart={start}
              onRehearse={() => setRehearsing(true)}
              onFinish={finish}
              onExport={() => run && setExporting(run.id)}
              onFields={(fields) => {
                if (run)
                  api
                    .call('run.setFields', { runId: run.id, ...fields })
                    .then((r) => dispatch({ type: 'run', run: r }), fail);
              }}
              onReconnect={(host) => {
                if (run)
                  api
                    .call('run.reconnect', { runId: run.id, host })
                    .then((r) => dispatch({ type: 'run', run: r }), fail);
              }}
            />
            <div className="main-scroll">
              <Checklist
                runbook={opened.runbook}
                run={run}
                busySteps={state.busySteps}
                targets={[...groups, ...hosts]}
                localHost={state.info?.host ?? null}
                actions={actions}
              />
            </div>
          </>
        ) : (
          <div className="empty">
            {state.runbooks.length === 0 ? 'Loading runbooks…' : 'Opening…'}
          </div>
        )}
      </main>
      {keyPrompts[0] && (
        <HostKeyDialog
          key={keyPrompts[0].promptId}
          prompt={keyPrompts[0]}
          onAnswer={(accept) => {
            void api
              .call('host.answerKey', { promptId: keyPrompts[0]!.promptId, accept })
              .catch(fail);
            setKeyPrompts((p) => p.slice(1));
          }}
        />
      )}
      {!keyPrompts[0] && authPrompts[0] && (
        <AuthPromptDialog
          key={authPrompts[0].promptId}
          prompt={authPrompts[0]}
          onAnswer={(answers) => {
            void api
              .call('host.answerAuth', { promptId: authPrompts[0]!.promptId, answers })
              .catch(fail);
            setAuthPrompts((p) => p.slice(1));
          }}
        />
      )}
      {pasting && (
        <PasteDialog text={pasting.text} onPaste={pasting.paste} onClose={() => setPasting(null)} />
      )}
      <TerminalPanel
        api={api}
        tabs={Object.values(state.shells)}
        ended={ended}
        preferred={run?.status === 'active' ? run.sessionId : null}
        onLink={setLink}
        onMultilinePaste={(text, paste) => setPasting({ text, paste })}
        idleText={
          run?.status === 'finished'
            ? 'This run is finished. Its log is on disk; start a new run to open a shell.'
            : run?.status === 'active'
              ? 'The shell has exited. Running the next step starts a new one.'
              : 'Start a run (or tick an item, or run a step) to open a shell here. Every step runs in this one shell, so cd and export carry over.'
        }
      />
    </div>
  );
}
