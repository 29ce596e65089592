import type { HostResult, StepResult } from '../model';

/** Output above this many characters is cut in the log and the exports; the journal keeps all of it. */
export const LOG_OUTPUT_CHARS = 32 * 1024;

/** A fan-out host's output: the run's state keeps its last this many characters. */
export const HOST_OUTPUT_CHARS = 8192;

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

/** Output files by step id, and by `outputKey(step, host)` for a fan-out host's part. */
export type OutputFiles = Readonly<Record<string, OutputFile>>;

/** The key of a step's output file (`host`: one fan-out host's part). */
export function outputKey(stepId: string, host?: string | null): string {
  return host ? `${stepId}@${host}` : stepId;
}

/** Whether the log cuts this step's output: longer than it keeps, or cut already by the capture. */
export function outputIsCut(result: StepResult): boolean {
  const text = result.output;
  return text !== null && (text.length > LOG_OUTPUT_CHARS || CAPTURE_CUT.test(text));
}

/** Whether the log may cut a fan-out host's output: the run's state kept only its end. */
export function hostOutputIsCut(host: HostResult): boolean {
  return host.output.length >= HOST_OUTPUT_CHARS;
}

/**
 * The name of a step's output file, from the log's folder: `<log base>.output/<step>.txt`,
 * or `<step>@<host>.txt` for a fan-out host's part; the step id's `/` written `.` (ids
 * are slugs joined by `/`, so no two ids, and no id and host, share a name).
 */
export function outputFileName(logFileName: string, stepId: string, host?: string | null): string {
  const base = logFileName.replace(/\.md$/, '');
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');
  return `${base}.output/${safe(stepId.replace(/\//g, '.'))}${host ? `@${safe(host)}` : ''}.txt`;
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
  return shown(result.output ?? '', outputIsCut(result), files[stepId], {
    command: `runsheet output ${runId} ${stepId}`,
    what: `this step's output (${result.outputBytes} bytes in the journal)`,
  });
}

/** The same for one fan-out host's part of a step. */
export function shownHostOutput(
  runId: string,
  stepId: string,
  host: string,
  result: HostResult,
  files: OutputFiles,
): ShownOutput {
  return shown(result.output, hostOutputIsCut(result), files[outputKey(stepId, host)], {
    command: `runsheet output ${runId} ${stepId} --host ${host}`,
    what: `the output on ${host}`,
  });
}

function shown(
  text: string,
  cut: boolean,
  file: OutputFile | undefined,
  about: { command: string; what: string },
): ShownOutput {
  if (!cut) return { text, note: null, cut: null };
  const command = `\`${about.command}\``;
  if (file?.state === 'written') {
    const kept = lastLines(file.tail);
    const chars = file.chars - kept.length;
    if (chars <= 0) return { text: kept, note: null, cut: null };
    const lines = file.lines - countLines(kept);
    return {
      text: kept,
      note:
        `Cut: the first ${chars} characters (${lines} lines) of ${file.chars} (${file.lines} lines); ` +
        `the log keeps the last ${kept.length}. All of it is in \`${file.file}\` beside this log, ` +
        `and ${command} prints it from the journal.`,
      cut: {
        chars,
        lines,
        totalChars: file.chars,
        totalLines: file.lines,
        file: file.file,
        command: about.command,
      },
    };
  }
  // Not written (yet): the last lines of what the run's state keeps, and where the rest is.
  const kept = lastLines(text.replace(CAPTURE_CUT, ''));
  const where =
    file?.state === 'pending'
      ? `Its whole text is being written to \`${file.file}\` beside this log; ${command} prints it from the journal.`
      : file?.state === 'failed'
        ? `Its whole text could not be written to \`${file.file}\` beside this log (${file.error}); ${command} prints it from the journal.`
        : `${command} prints all of it from the journal.`;
  return {
    text: kept,
    note: `Cut: the log keeps the last ${kept.length} characters of ${about.what}. ${where}`,
    cut: {
      chars: null,
      lines: null,
      totalChars: null,
      totalLines: null,
      file: null,
      command: about.command,
    },
  };
}
