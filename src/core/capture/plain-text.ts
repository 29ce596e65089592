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
