import { createReadStream, existsSync } from 'node:fs';
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

/** A step's output file as it is on disk (written before, by this process or another). */
async function readOutputFile(path: string, file: string): Promise<OutputFile> {
  const facts = new TextFacts();
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1024 * 1024 });
  for await (const _piece of facts.count(stream as AsyncIterable<string>)) {
    // Counted and its tail kept; the text itself is not needed here.
  }
  return facts.written(file);
}

/**
 * The output files of a run's cut steps, made where missing: what an export or a
 * read-only view of a past run names. A file there already is trusted (it was renamed
 * into place whole); one that cannot be read is written again.
 */
export async function ensureOutputFiles(state: RunState): Promise<OutputFiles> {
  const files: Record<string, OutputFile> = {};
  const ensure = async (stepId: string, host?: string) => {
    const file = outputFileName(basename(state.logPath), stepId, host);
    const path = join(dirname(state.logPath), file);
    const found = existsSync(path) ? await readOutputFile(path, file).catch(() => null) : null;
    files[outputKey(stepId, host)] =
      found ?? (await writeOutputFile(state.journalPath, state.logPath, stepId, host));
  };
  for (const [stepId, result] of Object.entries(state.steps)) {
    if (result.status === 'running') continue;
    if (outputIsCut(result)) await ensure(stepId);
    for (const [host, part] of Object.entries(result.hosts))
      if (hostOutputIsCut(part)) await ensure(stepId, host);
  }
  return files;
}
