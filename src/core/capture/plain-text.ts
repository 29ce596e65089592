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

/** The general case: the bytes through @xterm/headless. */
export async function renderWithEmulator(bytes: Uint8Array, cols: number): Promise<string> {
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
    for (let y = 0; y < buffer.length; y++) {
      const line = buffer.getLine(y);
      if (!line) continue;
      // Keep trailing blanks of a line that wraps onto the next: they are part of the text.
      const text = line.translateToString(!buffer.getLine(y + 1)?.isWrapped);
      if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
      else lines.push(text);
    }
    // Trailing blanks are invisible to a person (zsh's PROMPT_SP pads a line with them).
    const text = lines.map((l) => l.trimEnd());
    while (text.length > 0 && text[text.length - 1] === '') text.pop();
    return text.join('\n');
  } finally {
    term.dispose();
  }
}

/**
 * Most step output is plain lines: printable ASCII, tabs, CRLF line ends, each
 * line narrower than the terminal. For that, what a person saw is the text
 * itself (tabs at 8-column stops, as xterm sets them), and skipping the
 * emulator saves ~2 ms a render — which a fan-out pays once per host. Anything
 * else (escape codes, lone \r, backspace, non-ASCII, wrapping) returns null.
 */
function simpleText(bytes: Uint8Array, cols: number): string | null {
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x0d) {
      if (bytes[i + 1] !== 0x0a) return null;
      continue;
    }
    if (b === 0x0a) {
      // A bare LF keeps the column in a terminal: not plain.
      if (bytes[i - 1] !== 0x0d) return null;
      lines.push(line.trimEnd());
      line = '';
      continue;
    }
    if (b === 0x09) {
      line += ' '.repeat(8 - (line.length % 8));
    } else if (b >= 0x20 && b < 0x7f) {
      line += String.fromCharCode(b);
    } else {
      return null;
    }
    // A full-width line wraps (or leaves the cursor pending): let the emulator decide.
    if (line.length >= cols) return null;
  }
  lines.push(line.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}
