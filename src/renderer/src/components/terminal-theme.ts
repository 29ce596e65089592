import type { ITheme } from '@xterm/xterm';

import type { Scheme } from '../ui/theme';

const DARK: ITheme = {
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

const LIGHT: ITheme = {
  background: '#fbfbfc',
  foreground: '#24292f',
  cursor: '#1f6feb',
  cursorAccent: '#fbfbfc',
  selectionBackground: '#b6d3ff',
  black: '#24292f',
  red: '#cf222e',
  green: '#116329',
  yellow: '#7d5300',
  blue: '#0969da',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#1a7f37',
  brightYellow: '#633c01',
  brightBlue: '#218bff',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f',
};

/** The terminal's colours for the page's scheme (programs' own colours stay readable on both). */
export const TERMINAL_THEMES: Record<Scheme, ITheme> = { dark: DARK, light: LIGHT };

/** Scrollback choices (lines), kept as the `scrollback` preference. */
export const SCROLLBACK_CHOICES = [1_000, 10_000, 50_000, 100_000] as const;
