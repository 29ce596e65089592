import type { ITheme } from '@xterm/xterm';

export const TERMINAL_THEME: ITheme = {
  background: '#0b0d11',
  foreground: '#d7dce5',
  cursor: '#5b9cff',
  selectionBackground: '#2b4a7a',
  black: '#1c2028',
  red: '#f47067',
  green: '#57c26b',
  yellow: '#d8a84e',
  blue: '#5b9cff',
  magenta: '#c58af9',
  cyan: '#4fc1d9',
  white: '#c9d1d9',
  brightBlack: '#6e7681',
  brightRed: '#ff8b84',
  brightGreen: '#7ee08c',
  brightYellow: '#f0c674',
  brightBlue: '#82b4ff',
  brightMagenta: '#d9a8ff',
  brightCyan: '#7fd8ea',
  brightWhite: '#f0f3f6',
};

/** Scrollback choices (lines); the choice is kept in localStorage. */
export const SCROLLBACK_CHOICES = [1_000, 10_000, 50_000, 100_000];
const SCROLLBACK_KEY = 'runsheet.terminal.scrollback';

export function savedScrollback(): number {
  const value = Number(localStorage.getItem(SCROLLBACK_KEY));
  return SCROLLBACK_CHOICES.includes(value) ? value : 10_000;
}

export function saveScrollback(lines: number): void {
  localStorage.setItem(SCROLLBACK_KEY, String(lines));
}
