import { useEffect, useMemo, useState, useSyncExternalStore } from 'react';
import type { RunsheetApi } from '../../shared/api';
import { AuthPromptDialog } from './components/AuthPromptDialog';
import { CommandPalette } from './components/CommandPalette';
import { appCommands, queryCommands } from './components/commands';
import { ShortcutsDialog } from './components/ShortcutsDialog';
import { Checklist } from './components/Checklist';
import { ConfirmRunDialog } from './components/ConfirmRunDialog';
import { ExportDialog } from './components/ExportDialog';
import { OutputViewer } from './components/OutputViewer';
import { stepName } from '../../shared/model';
import { ReplayDialog } from './components/ReplayDialog';
import { FinishDialog } from './components/FinishDialog';
import { PlanDialog } from './components/PlanDialog';
import { HomeView } from './components/HomeView';
import { HostKeyDialog } from './components/HostKeyDialog';
import { LinkDialog } from './components/LinkDialog';
import { PasteDialog } from './components/PasteDialog';
import { RehearsalDialog } from './components/RehearsalDialog';
import { RunHeader } from './components/RunHeader';
import { RunView } from './components/RunView';
import { Sidebar } from './components/Sidebar';
import type { StepActions } from './components/StepCard';
import { TerminalPanel } from './components/TerminalPanel';
import { WindowDialog } from './components/WindowDialog';
import { runbookHost } from './state/actions';
import { attention } from './state/store';
import { useApp } from './state/use-app';
import { usePref } from './ui/prefs';
import { cyclePane, focusPane, isPaletteKey, typingTarget } from './ui/keys';
import { Splitter } from './ui/Splitter';
import { useScheme } from './ui/theme';

/** Below this window width the runbook list folds into a rail unless the user said otherwise. */
const FOLD_BELOW = 1200;
const RAIL = 48;
const SIDEBAR = 248;
const SPLITTER = 6;
/** The narrowest the checklist and the terminal get; the splitter stops there. */
const MIN_MAIN = 380;
const MIN_TERMINAL = 280;

function subscribeResize(listener: () => void): () => void {
  window.addEventListener('resize', listener);
  return () => window.removeEventListener('resize', listener);
}

function useWindowWidth(): number {
  return useSyncExternalStore(subscribeResize, () => window.innerWidth);
}

/** The app: the store's state rendered; every change goes through the store's actions. */
export function App({ api, disconnected }: { api: RunsheetApi; disconnected: string | null }) {
  const { state, actions } = useApp(api);
  const { opened, run } = state;
  const scheme = useScheme();
  const windowWidth = useWindowWidth();
  const [foldedPref, setFolded] = usePref('sidebarFolded');
  const folded = foldedPref ?? windowWidth < FOLD_BELOW;
  const [terminalPref, setTerminalWidth] = usePref('terminalWidth');
  const [, setTheme] = usePref('theme');
  const [palette, setPalette] = useState(false);
  const [shortcuts, setShortcuts] = useState(false);
  const [requestedShell, setRequestedShell] = useState<string | null>(null);
  const sidebarWidth = folded ? RAIL : SIDEBAR;
  const maxTerminal = Math.max(MIN_TERMINAL, windowWidth - sidebarWidth - SPLITTER - MIN_MAIN);
  const terminalWidth = Math.min(
    maxTerminal,
    Math.max(MIN_TERMINAL, terminalPref ?? Math.round(windowWidth * 0.4)),
  );
  // The terminal pane shows the open runbook's own run and nothing else: a shell of
  // another run is one click away in its runbook, never typed into by mistake here.
  const ownShells = Object.entries(state.shells)
    .filter(
      ([key]) =>
        state.view === 'runbook' && run && (key === run.id || key.startsWith(`${run.id}:`)),
    )
    .map(([, tab]) => tab);

  useEffect(() => {
    if (disconnected) actions.disconnected(disconnected);
  }, [actions, disconnected]);

  // The window's own keys, taken before the terminal sees them (capture), so the palette
  // and the way between panes work from inside the shell too.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (isPaletteKey(e)) {
        e.preventDefault();
        e.stopPropagation();
        setPalette(true);
      } else if (e.key === 'F6' && !e.ctrlKey && !e.altKey && !e.metaKey) {
        e.preventDefault();
        e.stopPropagation();
        cyclePane(e.shiftKey);
      } else if (e.key === 'Escape' && e.ctrlKey && e.shiftKey) {
        e.preventDefault();
        e.stopPropagation();
        focusPane('main');
      } else if (
        e.key === '?' &&
        !e.ctrlKey &&
        !e.metaKey &&
        !e.altKey &&
        !typingTarget(document.activeElement) &&
        !document.querySelector('dialog[open]')
      ) {
        e.preventDefault();
        setShortcuts(true);
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const commands = useMemo(
    () =>
      palette
        ? appCommands(state, actions, {
            folded,
            setFolded,
            setTheme,
            showShortcuts: () => setShortcuts(true),
            showShell: (runbookId, sessionId) => {
              setRequestedShell(sessionId);
              actions.openRunbook(runbookId);
            },
          })
        : [],
    [palette, state, actions, folded, setFolded, setTheme],
  );
  const pastRunbook = state.past?.opened?.runbook;
  const stepNames = useMemo(
    () => Object.fromEntries((pastRunbook?.steps ?? []).map((s) => [s.id, stepName(s)])),
    [pastRunbook],
  );
  const extraCommands = useMemo(() => queryCommands(actions), [actions]);

  const stepActions: StepActions = useMemo(
    () => ({
      toggle: actions.toggle,
      run: actions.runStep,
      cancel: actions.cancel,
      proceed: actions.proceedStep,
      markDone: actions.markDone,
      setVariable: actions.setVariable,
      openLink: actions.openLink,
      skip: actions.skip,
      setTarget: actions.moveStep,
      openOutput: actions.openRunOutput,
    }),
    [actions],
  );

  return (
    <div
      className="app"
      style={{
        gridTemplateColumns: `${sidebarWidth}px minmax(0, 1fr) ${SPLITTER}px ${terminalWidth}px`,
      }}
    >
      {palette && (
        <CommandPalette
          commands={commands}
          extra={extraCommands}
          onClose={() => setPalette(false)}
        />
      )}
      {shortcuts && <ShortcutsDialog onClose={() => setShortcuts(false)} />}
      {state.link !== null && (
        <LinkDialog href={state.link} onOpen={actions.followLink} onClose={actions.closeLink} />
      )}
      {state.exporting && <ExportDialog exporting={state.exporting} actions={actions} />}
      {state.replaying && (
        <ReplayDialog
          key={state.replaying.runId}
          runId={state.replaying.runId}
          title={state.replaying.title}
          load={actions.recording}
          names={stepNames}
          onClose={actions.closeReplay}
        />
      )}
      {state.viewing && (
        <OutputViewer
          key={`${state.viewing.runId}/${state.viewing.stepId}/${state.viewing.host ?? ''}`}
          target={state.viewing}
          port={actions.output}
          scheme={scheme}
          onHost={(host) => state.viewing && actions.openOutput({ ...state.viewing, host })}
          onClose={actions.closeOutput}
        />
      )}
      {state.planning && (
        <PlanDialog
          plan={state.planning.plan}
          saved={state.planning.saved}
          onSave={actions.savePlan}
          onClose={actions.closePlan}
        />
      )}
      {state.rehearsing && opened && (
        <RehearsalDialog
          defaultTarget={state.target || 'rehearsal'}
          onStart={actions.start}
          onClose={actions.closeRehearsal}
        />
      )}
      {state.windowAsk && (
        <WindowDialog verdict={state.windowAsk} onAnswer={actions.answerWindow} />
      )}
      {state.confirming && (
        <ConfirmRunDialog
          steps={state.confirming.steps}
          environment={state.confirming.environment}
          onConfirm={(typed) => actions.answerConfirm(true, typed)}
          onClose={() => actions.answerConfirm(false)}
        />
      )}
      {state.finishing && run && (
        <FinishDialog
          steps={state.finishing}
          run={run}
          onFinish={() => actions.finish(true)}
          onClose={actions.closeFinish}
        />
      )}
      <Sidebar
        runbooks={state.runbooks}
        selectedId={state.selectedId}
        info={state.info}
        home={state.view === 'home'}
        attention={attention(state)}
        onHome={actions.openHome}
        onSelect={actions.openRunbook}
        folded={folded}
        onFold={setFolded}
        onPalette={() => setPalette(true)}
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
              onClick={actions.dismissError}
            >
              Dismiss
            </button>
          </div>
        )}
        {state.view === 'run' && state.past ? (
          <RunView key={state.past.runId} past={state.past} actions={actions} />
        ) : state.view === 'home' ? (
          <HomeView overview={state.overview} actions={actions} />
        ) : opened ? (
          <>
            <RunHeader
              summary={opened.summary}
              run={run}
              hosts={state.hosts}
              defaultHost={runbookHost(state)}
              target={state.target}
              onTarget={actions.setTarget}
              onStart={() => actions.start()}
              onRehearse={actions.openRehearsal}
              onPlan={actions.openPlan}
              onFinish={() => actions.finish()}
              onExport={() => run && actions.openExport(run.id)}
              onFields={(fields) => run && actions.setFields(run.id, fields)}
              onReconnect={actions.reconnect}
              onRetryWrites={actions.retryWrites}
              problem={opened.problem}
              onClose={actions.closeRunbook}
            />
            <div className="main-scroll">
              <Checklist
                runbook={opened.runbook}
                run={run}
                readOnly={opened.problem !== null && run?.status !== 'active'}
                busySteps={state.busySteps}
                targets={[...state.groups, ...state.hosts]}
                localHost={state.info?.host ?? null}
                actions={stepActions}
              />
            </div>
          </>
        ) : (
          <div className="empty">
            {state.runbooks.length === 0 ? 'Loading runbooks…' : 'Opening…'}
          </div>
        )}
      </main>
      {state.keyPrompts[0] && (
        <HostKeyDialog
          key={state.keyPrompts[0].promptId}
          prompt={state.keyPrompts[0]}
          onAnswer={actions.answerKey}
        />
      )}
      {!state.keyPrompts[0] && state.authPrompts[0] && (
        <AuthPromptDialog
          key={state.authPrompts[0].promptId}
          prompt={state.authPrompts[0]}
          onAnswer={actions.answerAuth}
        />
      )}
      {state.pasting !== null && (
        <PasteDialog
          text={state.pasting.text}
          removed={state.pasting.removed}
          onPaste={() => actions.answerPaste(true)}
          onClose={() => actions.answerPaste(false)}
        />
      )}
      <Splitter
        width={terminalWidth}
        min={MIN_TERMINAL}
        max={maxTerminal}
        label="Resize the terminal"
        onChange={setTerminalWidth}
      />
      <TerminalPanel
        port={actions.terminal}
        scheme={scheme}
        tabs={ownShells}
        ended={state.ended}
        onCloseTab={actions.closeShell}
        preferred={
          ownShells.find((t) => t.sessionId === requestedShell)?.sessionId ??
          (run?.status === 'active' ? run.sessionId : null)
        }
        onLink={actions.openLink}
        onMultilinePaste={actions.askPaste}
        onPasteRefused={actions.showError}
        idleText={
          state.view !== 'runbook' || !opened
            ? "Open a runbook to see its run's shell here."
            : run?.status === 'finished'
              ? 'This run is finished. Its log is on disk; start a new run to open a shell.'
              : run?.status === 'active'
                ? 'The shell has exited. Running the next step starts a new one.'
                : 'Start a run (or tick an item, or run a step) to open a shell here. Every step runs in this one shell, so cd and export carry over.'
        }
      />
    </div>
  );
}
