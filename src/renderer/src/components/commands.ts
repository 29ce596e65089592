import { isActionable, isDone, type Step } from '../../../shared/model';
import type { Actions } from '../state/actions';
import type { AppState } from '../state/store';
import { focusPane, focusStep } from '../ui/keys';
import type { Pref } from '../ui/prefs';
import type { Command } from './CommandPalette';

/** What the palette needs from the window besides the store: its own preferences and panes. */
export interface WindowControls {
  folded: boolean;
  setFolded(folded: boolean): void;
  setTheme(theme: Pref<'theme'>): void;
  showShortcuts(): void;
  /** Shows a run's shell: opens its runbook and picks the tab. */
  showShell(runbookId: string, sessionId: string): void;
}

/** Every command the palette offers in this state of the app, in the order it lists them. */
export function appCommands(state: AppState, actions: Actions, ui: WindowControls): Command[] {
  const commands: Command[] = [];
  const add = (group: string, id: string, title: string, run: () => void, keys?: string): void => {
    commands.push({ id: `${group}:${id}`, group, title, run, keys });
  };
  const { opened, run } = state;
  const here = state.view === 'runbook' && opened;

  if (here) {
    const active = run?.status === 'active';
    // The file is gone or unreadable and nothing runs: what is shown is read-only (as the header).
    const frozen = opened.problem !== null && !active;
    if (frozen) add('Run', 'close', 'Close this runbook (its file is gone)', actions.closeRunbook);
    if (!active && !frozen)
      add('Run', 'start', run ? 'Start a new run' : 'Start a run', () => actions.start());
    if (!active && !frozen)
      add('Run', 'rehearse', 'Rehearse (a timed DR rehearsal)…', actions.openRehearsal);
    if (active && !run.runningStepId) add('Run', 'finish', 'Finish the run', actions.finish);
    if (active && run.runningStepId)
      add('Run', 'cancel', 'Cancel the running step (Ctrl-C)', () => actions.cancel(false));
    if (!frozen) add('Run', 'plan', 'Plan: what a run would do', actions.openPlan);
    if (run) add('Run', 'export', 'Export the log…', () => actions.openExport(run.id));
    const next = opened.runbook.steps.find(
      (s) => isActionable(s) && !isDone(run?.steps[s.id]?.status),
    );
    if (next)
      add('Step', 'next', `Go to the next step not done: ${stepTitle(next)}`, () =>
        focusStep(next.id),
      );
  }
  add('Go', 'overview', 'Overview: due, interrupted and past runs', actions.openHome);
  for (const rb of state.runbooks)
    add('Runbook', rb.id, rb.title, () => actions.openRunbook(rb.id));
  if (here) {
    for (const section of opened.runbook.sections) {
      add('Section', section.id, section.title, () => {
        const first = opened.runbook.steps.find((s) => s.section === section.id && isActionable(s));
        document.getElementById(`section-${section.id}`)?.scrollIntoView({ block: 'start' });
        if (first) focusStep(first.id);
      });
    }
    const canRun =
      run?.status !== 'finished' &&
      !run?.runningStepId &&
      (opened.problem === null || run?.status === 'active');
    if (canRun)
      for (const step of opened.runbook.steps.filter((s) => s.runnable && s.blocked.length === 0)) {
        add('Run step', step.id, `${stepTitle(step)} · line ${step.line}`, () => {
          focusStep(step.id);
          actions.runStep(step);
        });
      }
  }
  for (const [key, shell] of Object.entries(state.shells)) {
    add('Terminal', key, shell.title, () => ui.showShell(shell.runbookId, shell.sessionId));
  }
  add('View', 'focus-terminal', 'Focus the terminal', () => focusPane('terminal'), 'F6');
  add('View', 'focus-main', 'Focus the checklist', () => focusPane('main'), 'F6');
  add('View', 'fold', ui.folded ? 'Show the runbook list' : 'Fold the runbook list', () =>
    ui.setFolded(!ui.folded),
  );
  add('View', 'theme-light', 'Theme: light', () => ui.setTheme('light'));
  add('View', 'theme-dark', 'Theme: dark', () => ui.setTheme('dark'));
  add('View', 'theme-system', 'Theme: follow the system', () => ui.setTheme('system'));
  add('View', 'shortcuts', 'Keyboard shortcuts', ui.showShortcuts, '?');
  return commands;
}

/** Commands made of the typed text itself. */
export function queryCommands(actions: Actions): (query: string) => Command[] {
  return (query) => [
    {
      id: `History:${query}`,
      group: 'History',
      title: `Search past runs for “${query}” (fields, status, host, commands, output)`,
      run: () => {
        actions.openHome();
        actions.search(query);
      },
    },
  ];
}

function stepTitle(step: Step): string {
  return step.attrs.name ?? (step.text || step.code?.split('\n')[0] || `line ${step.line}`);
}
