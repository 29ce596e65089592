import headless from '@xterm/headless';

const { Terminal } = headless;

/** Lines kept when rendering; output longer than this keeps its last lines (the journal has all bytes). */
const SCROLLBACK = 50_000;

/**
 * Renders raw terminal bytes to plain text the way a person saw them: `\r`
 * progress bars collapse to their last state, cursor moves and colours apply,
 * wrapped lines are joined. Uses @xterm/headless, the same emulator as the UI.
 */
export async function renderPlainText(bytes: Uint8Array, cols: number): Promise<string> {
  if (bytes.length === 0) return '';
  return simpleText(bytes, Math.max(cols, 20)) ?? renderWithEmulator(bytes, cols);
}

/**
 * The same text with the colours and attributes the terminal drew, as SGR
 * sequences (see styledLine): what the full-output viewer shows. Plain lines
 * come back as they are.
 */
export async function renderStyledText(bytes: Uint8Array, cols: number): Promise<string> {
  if (bytes.length === 0) return '';
  return simpleText(bytes, Math.max(cols, 20)) ?? renderWithEmulator(bytes, cols, true);
}

/** The general case: the bytes through @xterm/headless. */
export async function renderWithEmulator(
  bytes: Uint8Array,
  cols: number,
  styled = false,
): Promise<string> {
  const term = new Terminal({
    cols: Math.max(cols, 20),
    rows: 24,
    scrollback: SCROLLBACK,
    allowProposedApi: true,
  });
  try {
    await new Promise<void>((resolve) => term.write(bytes, resolve));
    const buffer = term.buffer.active;
    const lines: string[] = [];
    const cell = buffer.getNullCell();
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line) continue;
      // Keep trailing blanks of a line that wraps onto the next: they are part of the text.
      const trim = !buffer.getLine(y + 1)?.isWrapped;
      const text = styled ? styledLine(line, cell, trim) : line.translateToString(trim);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    // Trailing blanks are invisible to a person (zsh's PROMPT_SP pads a line with them).
    const text = lines.map((l) => (styled && l.includes('\x1b') ? l : l.trimEnd()));
    while (text.length > 0 && text[text.length - 1] === '') text.pop();
    return text.join('\n');
  } finally {
    term.dispose();
  }
}

type Cell = ReturnType<InstanceType<typeof Terminal>['buffer']['active']['getNullCell']>;
type Line = NonNullable<ReturnType<InstanceType<typeof Terminal>['buffer']['active']['getLine']>>;

/** The SGR parameters that draw a cell as the terminal did; '' for the default look. */
function cellStyle(c: Cell): string {
  let sgr = '';
  if (c.isBold()) sgr += ';1';
  if (c.isDim()) sgr += ';2';
  if (c.isItalic()) sgr += ';3';
  if (c.isUnderline()) sgr += ';4';
  if (c.isInverse()) sgr += ';7';
  if (c.isInvisible()) sgr += ';8';
  if (c.isStrikethrough()) sgr += ';9';
  sgr += colour(c.isFgPalette(), c.isFgRGB(), c.getFgColor(), 30);
  sgr += colour(c.isBgPalette(), c.isBgRGB(), c.getBgColor(), 40);
  return sgr;
}

function colour(palette: boolean, rgb: boolean, value: number, base: 30 | 40): string {
  if (rgb) return `;${base + 8};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`;
  if (!palette) return '';
  if (value < 8) return `;${base + value}`;
  if (value < 16) return `;${base + 60 + value - 8}`;
  return `;${base + 8};5;${value}`;
}

/**
 * One buffer line as text with SGR sequences where its look changes: each
 * sequence starts from a reset (`ESC[0;…m`), and a styled line ends with
 * `ESC[0m`. Only these SGR sequences are ever written, so the viewer reads
 * them back with a parser of this one form, and a search strips them exactly.
 */
function styledLine(line: Line, cell: Cell, trimRight: boolean): string {
  const width = trimRight ? line.translateToString(true).length : line.length;
  let out = '';
  let style = '';
  for (let x = 0; x < line.length; x++) {
    const c = line.getCell(x, cell);
    if (!c || c.getWidth() === 0) continue;
    const chars = c.getChars() || ' ';
    // Past the text's end, only a coloured background is still something to see.
    const next = cellStyle(c);
    if (x >= width && !next.includes(';4') && !/;(4[0-8]|10[0-7])/.test(next)) break;
    if (next !== style) {
      out += `\x1b[0${next}m`;
      style = next;
    }
    out += chars;
  }
  return style ? `${out}\x1b[0m` : out;
}

/** The text of a styled line, its SGR sequences taken out. */
export function unstyled(line: string): string {
  // eslint-disable-next-line no-control-regex -- the SGR sequences are what this reads
  return line.includes('\x1b') ? line.replace(/\x1b\[[\d;]*m/g, '') : line;
}

/**
 * Most step output is plain lines: printable ASCII, tabs, CRLF line ends. For
 * that, what a person saw is the text itself (tabs at 8-column stops, as xterm
 * sets them; a line wider than the terminal wraps, and the wrapped rows join
 * again into the line), and skipping the emulator saves ~2 ms a render, which a
 * fan-out pays once per host, and most of the time of a big step's text (a
 * 100 MB step is rendered for its output file, `runsheet output` and the
 * viewer). Each line is decoded in one piece, never a character at a time.
 * Anything else (escape codes, lone \r, backspace, non-ASCII, a tab in a line
 * that wraps) returns null.
 */
function simpleText(bytes: Uint8Array, cols: number): string | null {
  const lines: string[] = [];
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  let start = 0;
  let width = 0;
  let tabs = false;
  const lineAt = (end: number): string => {
    const raw = text.toString('latin1', start, end);
    return (tabs ? expandTabs(raw) : raw).trimEnd();
  };
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d) {
      if (bytes[i + 1] !== 0x0a) return null;
      continue;
    }
    if (b === 0x0a) {
      // A bare LF keeps the column in a terminal: not plain.
      if (bytes[i - 1] !== 0x0d) return null;
      lines.push(lineAt(i - 1));
      start = i + 1;
      width = 0;
      tabs = false;
      continue;
    }
    if (b === 0x09) {
      width += 8 - (width % 8);
      tabs = true;
    } else if (b >= 0x20 && b < 0x7f) width++;
    else return null;
    // Where a tab stop falls on a wrapped row is the emulator's to say.
    if (tabs && width >= cols) return null;
  }
  lines.push(lineAt(bytes.length));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}

/** Tabs as spaces to the next 8-column stop. */
function expandTabs(line: string): string {
  let out = '';
  for (const c of line) out += c === '\t' ? ' '.repeat(8 - (out.length % 8)) : c;
  return out;
}
