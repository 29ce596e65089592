import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  hostOutputIsCut,
  LOG_OUTPUT_CHARS,
  outputFileName,
  outputIsCut,
  outputKey,
  type OutputFile,
  type OutputFiles,
} from '../../shared/log/output-cut';
import type { RunState } from '../../shared/model';
import { writeFileAtomicFrom } from '../files/atomic-write';
import { describeDiskError, isDiskError } from '../files/disk-error';
import { runOutput, stepText } from '../journal/step-output';

/**
 * Counts the text that streams through it (characters, lines) and keeps its last
 * LOG_OUTPUT_CHARS + 1 characters (the log shows its last lines, and needs the
 * character before them to know where a line starts).
 */
class TextFacts {
  chars = 0;
  lines = 0;
  private tail: string[] = [];
  private tailChars = 0;

  async *count(pieces: AsyncIterable<string>): AsyncGenerator<string> {
    for await (const piece of pieces) {
      this.chars += piece.length;
      for (let i = piece.indexOf('\n'); i >= 0; i = piece.indexOf('\n', i + 1)) this.lines++;
      this.tail.push(piece);
      this.tailChars += piece.length;
      while (this.tail.length > 1 && this.tailChars - this.tail[0]!.length > LOG_OUTPUT_CHARS)
        this.tailChars -= this.tail.shift()!.length;
      yield piece;
    }
  }

  written(file: string): OutputFile {
    const tail = this.tail.join('').slice(-(LOG_OUTPUT_CHARS + 1));
    return { state: 'written', file, chars: this.chars, lines: this.lines, tail };
  }
}

/**
 * Writes a step's whole output as text (what `runsheet output` prints) to its file
 * beside the log, streamed from the journal through the headless terminal a piece at
 * a time and renamed into place (see writeFileAtomicFrom): memory stays bounded for a
 * step of any size, and a crash leaves the old file or none. Never throws: a disk that
 * refuses, or a journal that does not read, is a `failed` file saying why.
 */
export async function writeOutputFile(
  journalPath: string,
  logPath: string,
  stepId: string,
  host?: string,
): Promise<OutputFile> {
  const file = outputFileName(basename(logPath), stepId, host);
  const path = join(dirname(logPath), file);
  try {
    const step = runOutput(journalPath).steps.find((s) => s.stepId === stepId);
    const parts = step?.parts.filter((p) => !host || p.host === host) ?? [];
    if (parts.length === 0)
      return { state: 'failed', file, error: 'the journal holds no output of it' };
    const facts = new TextFacts();
    await writeFileAtomicFrom(path, facts.count(stepText(journalPath, parts)));
    return facts.written(file);
  } catch (error) {
    const message = isDiskError(error)
      ? describeDiskError(error, path)
      : error instanceof Error
        ? error.message
        : String(error);
    return { state: 'failed', file, error: message };
  }
}

/** Read size for an output file already on disk. */
const READ_BYTES = 1024 * 1024;

/**
 * A step's output file as it is on disk (written before, by this process or another):
 * its characters (UTF-16 code units, as the log counts them: one per UTF-8 lead byte,
 * two for a four-byte sequence) and lines counted a megabyte at a time, and its last
 * characters read from its end. Synchronous, so a reopened run's first log names it.
 */
function readOutputFile(path: string, file: string): OutputFile {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(READ_BYTES, Math.max(size, 1)));
    let chars = 0;
    let lines = 0;
    for (let at = 0; at < size;) {
      const n = readSync(fd, buffer, 0, buffer.length, at);
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        const b = buffer[i]!;
        if (b === 0x0a) lines++;
        if ((b & 0xc0) !== 0x80) chars += b >= 0xf0 ? 2 : 1;
      }
      at += n;
    }
    // Four bytes at most per character: the end holds the last characters the log needs.
    const want = Math.min(size, (LOG_OUTPUT_CHARS + 1) * 4);
    const end = Buffer.alloc(want);
    readSync(fd, end, 0, want, size - want);
    let from = 0;
    while (from < end.length && (end[from]! & 0xc0) === 0x80) from++;
    const tail = end
      .subarray(from)
      .toString('utf8')
      .slice(-(LOG_OUTPUT_CHARS + 1));
    return { state: 'written', file, chars, lines, tail };
  } finally {
    closeSync(fd);
  }
}

/** The steps (and fan-out hosts) of a run whose output the log cuts. */
function cutOutputs(state: RunState): Array<{ stepId: string; host?: string }> {
  const cut: Array<{ stepId: string; host?: string }> = [];
  for (const [stepId, result] of Object.entries(state.steps)) {
    if (result.status === 'running') continue;
    if (outputIsCut(result)) cut.push({ stepId });
    for (const [host, part] of Object.entries(result.hosts))
      if (hostOutputIsCut(part)) cut.push({ stepId, host });
  }
  return cut;
}

/**
 * The output files of a run's cut steps that are on disk already: what a run reopened
 * (resumed, its fields edited) names in its log from its first write. A file there is
 * trusted (it was renamed into place whole); one that cannot be read is left out.
 */
export function existingOutputFiles(state: RunState): Record<string, OutputFile> {
  const files: Record<string, OutputFile> = {};
  for (const { stepId, host } of cutOutputs(state)) {
    const file = outputFileName(basename(state.logPath), stepId, host);
    const path = join(dirname(state.logPath), file);
    if (!existsSync(path)) continue;
    try {
      files[outputKey(stepId, host)] = readOutputFile(path, file);
    } catch {
      // Unreadable: written again by the next export.
    }
  }
  return files;
}

/**
 * The output files of a run's cut steps, made where missing: what an export or a
 * read-only view of a past run names.
 */
export async function ensureOutputFiles(state: RunState): Promise<OutputFiles> {
  const files = existingOutputFiles(state);
  for (const { stepId, host } of cutOutputs(state)) {
    const key = outputKey(stepId, host);
    files[key] ??= await writeOutputFile(state.journalPath, state.logPath, stepId, host);
  }
  return files;
}
