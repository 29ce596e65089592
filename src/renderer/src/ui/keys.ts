/**
 * The keyboard, in one place: the shortcut list that the `?` overlay and the
 * palette show, and the helpers that move focus between panes and steps.
 */

const MAC = /Mac|iPhone|iPad/.test(navigator.platform);

/** How the palette's key reads on this machine. */
export const PALETTE_KEY = MAC ? '⌘K' : 'Ctrl+K';

export interface Shortcut {
  keys: string[];
  what: string;
}

export interface ShortcutGroup {
  where: string;
  shortcuts: Shortcut[];
}

export const SHORTCUTS: ShortcutGroup[] = [
  {
    where: 'Anywhere (the terminal too)',
    shortcuts: [
      {
        keys: [PALETTE_KEY],
        what: 'Command palette: open a runbook, run a step, jump to a section…',
      },
      { keys: ['F6', 'Shift+F6'], what: 'Next / previous pane: runbooks, checklist, terminal' },
      { keys: ['Ctrl+Shift+Escape'], what: 'Leave the terminal for the checklist' },
    ],
  },
  {
    where: 'Checklist (a step has the focus)',
    shortcuts: [
      { keys: ['j', '↓'], what: 'Next step' },
      { keys: ['k', '↑'], what: 'Previous step' },
      { keys: ['n'], what: 'Next step not done yet' },
      { keys: ['Home', 'End'], what: 'First / last step' },
      { keys: ['Enter'], what: 'Run the command, or tick the item' },
      { keys: ['Shift+Enter'], what: 'Run from here (this and the commands after it)' },
      { keys: ['Space'], what: 'Tick or untick the item' },
      { keys: ['s'], what: 'Skip the step (asks why)' },
      { keys: ['Tab'], what: "The step's own buttons and fields" },
    ],
  },
  {
    where: 'Terminal',
    shortcuts: [
      { keys: ['Ctrl+Shift+F'], what: 'Find in the terminal' },
      { keys: ['Ctrl+Shift+C', 'Ctrl+Shift+V'], what: 'Copy, paste (Ctrl+C stays the interrupt)' },
    ],
  },
  {
    where: 'Outside text fields and the terminal',
    shortcuts: [{ keys: ['?'], what: 'This list' }],
  },
];

/** The palette's key: Ctrl+K, or Cmd+K on a Mac. */
export function isPaletteKey(e: KeyboardEvent): boolean {
  return (MAC ? e.metaKey : e.ctrlKey) && !e.shiftKey && !e.altKey && e.code === 'KeyK';
}

/** Focus is where keys are text: a field, or the terminal (whose keys belong to the shell). */
export function typingTarget(element: Element | null): boolean {
  return Boolean(
    element?.closest('input, textarea, select, [contenteditable="true"], .terminal-host'),
  );
}

const PANES = ['.sidebar-overlay, .sidebar', '.main', '.terminal-panel'] as const;

/** The pane that holds `element` (0 runbooks, 1 main, 2 terminal), or -1. */
function paneOf(element: Element | null): number {
  return PANES.findIndex((selector) => element?.closest(selector));
}

/** Moves the focus to the next (or previous) pane, terminal included. */
export function cyclePane(backwards: boolean): void {
  const from = paneOf(document.activeElement);
  const next = (Math.max(from, 0) + (backwards ? PANES.length - 1 : 1)) % PANES.length;
  focusPane(next === 0 ? 'sidebar' : next === 1 ? 'main' : 'terminal');
}

export function focusPane(pane: 'sidebar' | 'main' | 'terminal'): void {
  const choices =
    pane === 'sidebar'
      ? ['.sidebar-overlay .is-selected', '.sidebar .is-selected', '.sidebar button']
      : pane === 'main'
        ? ['.main [data-nav-step][tabindex="0"]', '.main input', '.main button']
        : ['.terminal-panel .xterm-helper-textarea', '.terminal-panel button'];
  // In order of preference (one selector list would give the first in the page instead).
  for (const selector of choices) {
    const target = document.querySelector<HTMLElement>(selector);
    if (target) {
      target.focus();
      return;
    }
  }
}

/** Focuses a step's card (from the palette, or after a dialog). */
export function focusStep(stepId: string): void {
  document.querySelector<HTMLElement>(`[data-nav-step="${CSS.escape(stepId)}"]`)?.focus();
}

/** The step cards one can move between, in reading order. */
function stepCards(from: HTMLElement): HTMLElement[] {
  const list = from.closest('.checklist') ?? document;
  return [...list.querySelectorAll<HTMLElement>('[data-nav-step]')];
}

/** Moves the focus from one step card to another. */
export function moveStepFocus(
  from: HTMLElement,
  to: 'next' | 'previous' | 'first' | 'last' | 'next-undone',
): void {
  const cards = stepCards(from);
  const at = cards.indexOf(from);
  let target: HTMLElement | undefined;
  if (to === 'next') target = cards[at + 1];
  else if (to === 'previous') target = cards[at - 1];
  else if (to === 'first') target = cards[0];
  else if (to === 'last') target = cards[cards.length - 1];
  else {
    const after = [...cards.slice(at + 1), ...cards.slice(0, at)];
    target = after.find((card) => card.dataset.done !== 'true');
  }
  target?.focus();
}
