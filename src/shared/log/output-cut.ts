import type { StepResult } from '../model';

/** Output above this many characters is cut in the log and the exports; the journal keeps all of it. */
export const LOG_OUTPUT_CHARS = 32 * 1024;

/** The line a step's captured text starts with when its capture kept only the last bytes. */
export function captureCutLine(bytes: number): string {
  return `[${bytes} earlier bytes are in the run's journal]`;
}
const CAPTURE_CUT = /^\[\d+ earlier bytes are in the run's journal\]\n/;

/**
 * A step's whole output as text, in a file beside the log (`file`: its name from the
 * log's folder). The core writes it once the step has ended: until then it is
 * `pending`; `written` carries what the log needs to say exactly what it cut (the
 * file's size in characters and lines, and its last lines, which the log shows);
 * `failed` says why there is none.
 */
export type OutputFile =
  | { state: 'pending'; file: string }
  | { state: 'written'; file: string; chars: number; lines: number; tail: string }
  | { state: 'failed'; file: string; error: string };

/** Output files by step id. */
export type OutputFiles = Readonly<Record<string, OutputFile>>;

/** Whether the log cuts this step's output: longer than it keeps, or cut already by the capture. */
export function outputIsCut(result: StepResult): boolean {
  const text = result.output;
  return text !== null && (text.length > LOG_OUTPUT_CHARS || CAPTURE_CUT.test(text));
}

/**
 * The name of a step's output file, from the log's folder: `<log base>.output/<step>.txt`,
 * the step id's `/` written `.` (ids are slugs joined by `/`, so no two ids share a name).
 */
export function outputFileName(logFileName: string, stepId: string): string {
  const base = logFileName.replace(/\.md$/, '');
  return `${base}.output/${stepId.replace(/\//g, '.').replace(/[^A-Za-z0-9._-]/g, '_')}.txt`;
}

/** The last lines of `text` that fit in LOG_OUTPUT_CHARS (the end of one longer line if none do). */
export function lastLines(text: string): string {
  if (text.length <= LOG_OUTPUT_CHARS) return text;
  const tail = text.slice(-LOG_OUTPUT_CHARS);
  if (text[text.length - LOG_OUTPUT_CHARS - 1] === '\n') return tail;
  const start = tail.indexOf('\n');
  return start >= 0 && start < tail.length - 1 ? tail.slice(start + 1) : tail;
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** What the log and the exports show of a step's output, and what they say of the rest. */
export interface ShownOutput {
  text: string;
  /** Said before the text when it is cut: how much, and where all of it is. */
  note: string | null;
  /**
   * When cut: the characters and lines cut and the whole text's size (known once its
   * file is written, else null), the file, and the command that prints it all.
   */
  cut: {
    chars: number | null;
    lines: number | null;
    totalChars: number | null;
    totalLines: number | null;
    file: string | null;
    command: string;
  } | null;
}

/**
 * A step's output as the log and the exports show it: all of it when short, else
 * its last lines with a note of how much is cut and where the whole text is (the
 * file beside the log, once written, and `runsheet output` from the journal).
 */
export function shownOutput(
  runId: string,
  stepId: string,
  result: StepResult,
  files: OutputFiles,
): ShownOutput {
  const text = result.output ?? '';
  if (!outputIsCut(result)) return { text, note: null, cut: null };
  const run = `runsheet output ${runId} ${stepId}`;
  const command = `\`${run}\``;
  const file = files[stepId];
  if (file?.state === 'written') {
    const shown = lastLines(file.tail);
    const chars = file.chars - shown.length;
    if (chars <= 0) return { text: shown, note: null, cut: null };
    const lines = file.lines - countLines(shown);
    return {
      text: shown,
      note:
        `Cut: the first ${chars} characters (${lines} lines) of ${file.chars} (${file.lines} lines); ` +
        `the log keeps the last ${shown.length}. All of it is in \`${file.file}\` beside this log, ` +
        `and ${command} prints it from the journal.`,
      cut: {
        chars,
        lines,
        totalChars: file.chars,
        totalLines: file.lines,
        file: file.file,
        command: run,
      },
    };
  }
  // Not written (yet): the last lines of what the run's state keeps, and where the rest is.
  const shown = lastLines(text.replace(CAPTURE_CUT, ''));
  const where =
    file?.state === 'pending'
      ? `Its whole text is being written to \`${file.file}\` beside this log; ${command} prints it from the journal.`
      : file?.state === 'failed'
        ? `Its whole text could not be written to \`${file.file}\` beside this log (${file.error}); ${command} prints it from the journal.`
        : `${command} prints all of it from the journal.`;
  return {
    text: shown,
    note: `Cut: the log keeps the last ${shown.length} characters of this step's output (${result.outputBytes} bytes in the journal). ${where}`,
    cut: { chars: null, lines: null, totalChars: null, totalLines: null, file: null, command: run },
  };
}
