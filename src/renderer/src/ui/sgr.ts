import type { ITheme } from '@xterm/xterm';

/** A run of a line's text drawn one way. */
export interface Span {
  text: string;
  style: { color?: string; background?: string; opacity?: number };
  className: string;
}

const NAMES = [
  'black',
  'red',
  'green',
  'yellow',
  'blue',
  'magenta',
  'cyan',
  'white',
  'brightBlack',
  'brightRed',
  'brightGreen',
  'brightYellow',
  'brightBlue',
  'brightMagenta',
  'brightCyan',
  'brightWhite',
] as const;

/** xterm's 256-colour palette: the theme's 16, a 6×6×6 cube, 24 greys. */
function paletteColour(theme: ITheme, n: number): string | undefined {
  if (n < 16) return theme[NAMES[n]!];
  if (n < 232) {
    const v = [0, 95, 135, 175, 215, 255];
    const i = n - 16;
    return `rgb(${v[Math.floor(i / 36)]}, ${v[Math.floor(i / 6) % 6]}, ${v[i % 6]})`;
  }
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey}, ${grey}, ${grey})`;
}

/**
 * A line of the full-output view as spans. The core writes only one form of
 * SGR (`ESC[0;…m`, each from a reset; see renderStyledText), so this reads that
 * form, not the whole of ECMA-48: a general ANSI library would be more code
 * than the form needs. Anything else in a line is shown as text.
 */
export function spansOf(line: string, theme: ITheme): Span[] {
  if (!line.includes('\x1b')) return [{ text: line, style: {}, className: '' }];
  const spans: Span[] = [];
  let style: Span['style'] = {};
  let className = '';
  let at = 0;
  // eslint-disable-next-line no-control-regex -- the SGR sequences are what this reads
  for (const match of line.matchAll(/\x1b\[([\d;]*)m/g)) {
    if (match.index > at) spans.push({ text: line.slice(at, match.index), style, className });
    at = match.index + match[0].length;
    ({ style, className } = parse(match[1]!, theme));
  }
  if (at < line.length) spans.push({ text: line.slice(at), style, className });
  return spans;
}

function parse(params: string, theme: ITheme): Pick<Span, 'style' | 'className'> {
  const codes = params.split(';').map(Number);
  const style: Span['style'] = {};
  const classes: string[] = [];
  let fg: string | undefined;
  let bg: string | undefined;
  let inverse = false;
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!;
    if (c === 1) classes.push('sgr-bold');
    else if (c === 2) style.opacity = 0.6;
    else if (c === 3) classes.push('sgr-italic');
    else if (c === 4) classes.push('sgr-underline');
    else if (c === 7) inverse = true;
    else if (c === 8) classes.push('sgr-invisible');
    else if (c === 9) classes.push('sgr-strike');
    else if ((c >= 30 && c <= 37) || (c >= 90 && c <= 97))
      fg = paletteColour(theme, c >= 90 ? c - 90 + 8 : c - 30);
    else if ((c >= 40 && c <= 47) || (c >= 100 && c <= 107))
      bg = paletteColour(theme, c >= 100 ? c - 100 + 8 : c - 40);
    else if (c === 38 || c === 48) {
      let colour: string | undefined;
      if (codes[i + 1] === 5) {
        colour = paletteColour(theme, codes[i + 2]! & 255);
        i += 2;
      } else if (codes[i + 1] === 2) {
        colour = `rgb(${codes[i + 2]! & 255}, ${codes[i + 3]! & 255}, ${codes[i + 4]! & 255})`;
        i += 4;
      }
      if (c === 38) fg = colour;
      else bg = colour;
    }
  }
  if (inverse) [fg, bg] = [bg ?? theme.background, fg ?? theme.foreground];
  if (fg) style.color = fg;
  if (bg) style.background = bg;
  return { style, className: classes.join(' ') };
}
