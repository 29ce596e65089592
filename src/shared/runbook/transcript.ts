/** Languages whose blocks are, by convention, terminal transcripts. */
export const TRANSCRIPT_LANGS = new Set(['console', 'shell-session', 'shellsession', 'terminal']);

export interface Transcript {
  /** What would run: the commands, prompts stripped, continuations kept with their command. */
  commands: string;
  /** Output lines shown in the block: shown under the command, never run. */
  expectedOutput: string | null;
  /** The block was written as a transcript (`$ cmd` lines). */
  transcript: boolean;
}

// `$ cmd` or a lone `$`; not `$HOME/bin/x`, which is a command starting with a variable.
const DOLLAR = /^\s*\$(?: (.*)|$)/;
const HASH = /^\s*# (.*)$/;
const USER_PROMPT = /^[\w.-]+@[\w.-]+(?::[^\s$#]*)?[$#] (.*)$/;
const HEREDOC = /<<(-?)\s*(['"]?)([A-Za-z_][\w]*)\2/;

/**
 * Reads `$ cmd` transcripts: prompts are stripped, `\` and `> ` continuation
 * lines and heredoc bodies stay with their command, and every other line is
 * expected output. `# cmd` counts as a (root) prompt only in console blocks,
 * where `#` cannot start a comment. Blocks without prompts pass through whole.
 */
export function readTranscript(code: string, lang: string | null): Transcript {
  const consoleLang = lang !== null && TRANSCRIPT_LANGS.has(lang);
  const lines = code.replace(/\n$/, '').split('\n');
  const promptOf = (line: string): string | null => {
    const m = DOLLAR.exec(line) ?? (consoleLang ? HASH.exec(line) : null) ?? USER_PROMPT.exec(line);
    return m ? (m[1] ?? '') : null;
  };
  if (!lines.some((l) => promptOf(l) !== null)) {
    return { commands: code, expectedOutput: null, transcript: false };
  }
  const commands: string[] = [];
  const output: string[] = [];
  let continuing = false;
  let heredoc: { word: string; dash: boolean } | null = null;
  let lastWasCommand = false;
  for (const line of lines) {
    if (heredoc) {
      const body = line.replace(/^> ?/, '');
      commands.push(body);
      if ((heredoc.dash ? body.replace(/^\t+/, '') : body) === heredoc.word) heredoc = null;
      continue;
    }
    if (continuing) {
      const body = line.replace(/^> ?/, '');
      commands.push(body);
      continuing = body.endsWith('\\');
      heredoc = openHeredoc(body);
      continue;
    }
    const command = promptOf(line);
    if (command !== null) {
      commands.push(command);
      continuing = command.endsWith('\\');
      heredoc = openHeredoc(command);
      lastWasCommand = true;
      continue;
    }
    if (lastWasCommand && /^> /.test(line) && unbalanced(commands[commands.length - 1] ?? '')) {
      // PS2 continuation of an open quote.
      commands.push(line.slice(2));
      continue;
    }
    lastWasCommand = false;
    output.push(line);
  }
  while (output.length > 0 && output[output.length - 1]!.trim() === '') output.pop();
  return {
    commands: commands.length ? `${commands.join('\n')}\n` : '',
    expectedOutput: output.length ? output.join('\n') : null,
    transcript: true,
  };
}

function openHeredoc(command: string): { word: string; dash: boolean } | null {
  const match = HEREDOC.exec(command);
  return match ? { word: match[3]!, dash: match[1] === '-' } : null;
}

/** An odd number of unescaped quotes: the command continues on the next line. */
function unbalanced(command: string): boolean {
  const singles = (command.match(/'/g) ?? []).length;
  const doubles = (command.replace(/\\"/g, '').match(/"/g) ?? []).length;
  return singles % 2 === 1 || doubles % 2 === 1;
}
