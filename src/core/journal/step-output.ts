import { closeSync, existsSync, openSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseRunbookFile } from '../../shared/runbook/parse';
import type { JournalRecord } from '../../shared/model';
import { renderPlainText } from '../capture/plain-text';
import { outputPathOf, readOutputBatch, readRunJournal } from './reader';
import { JournalStore } from './store';

/** One host's part of a step's output: where its bytes are in the run's `.out` file. */
export interface OutputPart {
  host: string;
  bytes: number;
  chunks: Array<{ offset: number; length: number; sha256: string }>;
}

/** A step of a run that has output on record, named as the user knows it. */
export interface StepWithOutput {
  stepId: string;
  /** The step's `name=` attribute, or its title in the runbook the run used. */
  name: string | null;
  parts: OutputPart[];
}

/** A run's journal, read for its output: which steps printed what, and where the bytes are. */
export interface RunOutput {
  journalPath: string;
  runId: string;
  steps: StepWithOutput[];
}

/**
 * The journal of a run given as its id (in `<data>/journals/`) or as a path to
 * its `.jsonl`; an error naming what was looked for when there is none.
 */
export function journalOf(run: string, dataDir: string): string {
  const path = run.endsWith('.jsonl')
    ? run
    : new JournalStore(join(dataDir, 'journals')).pathOf(run);
  if (!existsSync(path)) throw new Error(`no run ${run} (looked for ${path})`);
  return path;
}

/** Every step of a run with output on record, in the order they first printed, with its hosts. */
export function runOutput(journalPath: string): RunOutput {
  const { records, started } = readRunJournal(journalPath);
  return outputOfRecords(journalPath, records, started, stepNames(journalPath, started));
}

/** runOutput over records already read (the output search reads them for notes too). */
export function outputOfRecords(
  journalPath: string,
  records: JournalRecord[],
  first: Extract<JournalRecord, { type: 'run.started' }>,
  names: Map<string, string>,
): RunOutput {
  const steps = new Map<string, StepWithOutput>();
  const hostOf = new Map<string, string>();
  for (const r of records) {
    if (r.type === 'step.started') hostOf.set(r.stepId, r.host);
    if (r.type !== 'step.output') continue;
    let step = steps.get(r.stepId);
    if (!step) {
      step = { stepId: r.stepId, name: names.get(r.stepId) ?? null, parts: [] };
      steps.set(r.stepId, step);
    }
    const host = r.host ?? hostOf.get(r.stepId) ?? first.host;
    let part = step.parts.find((p) => p.host === host);
    if (!part) {
      part = { host, bytes: 0, chunks: [] };
      step.parts.push(part);
    }
    part.bytes += r.length;
    part.chunks.push({ offset: r.offset, length: r.length, sha256: r.sha256 });
  }
  return { journalPath, runId: first.runId, steps: [...steps.values()] };
}

/** Step ids to the names a user types: `name=` attributes and titles, from the run's own runbook. */
export function stepNames(
  journalPath: string,
  started: Extract<JournalRecord, { type: 'run.started' }>,
): Map<string, string> {
  const names = new Map<string, string>();
  if (!started.runbookSha256) return names;
  const source = new JournalStore(dirname(journalPath)).readRunbook(started.runbookSha256);
  if (source === null) return names;
  for (const step of parseRunbookFile(source, started.runbookId).steps)
    names.set(step.id, step.attrs.name ?? step.text);
  return names;
}

/** The step a user named: its id, its `name=`, or its title; an error listing the choices. */
export function findStep(output: RunOutput, wanted: string): StepWithOutput {
  const step =
    output.steps.find((s) => s.stepId === wanted) ??
    output.steps.find((s) => s.name === wanted) ??
    output.steps.find((s) => s.name?.toLowerCase() === wanted.toLowerCase());
  if (step) return step;
  const choices = output.steps.map((s) => (s.name ? `${s.stepId} (${s.name})` : s.stepId));
  throw new Error(
    `run ${output.runId} has no output of a step "${wanted}"` +
      (choices.length
        ? `; steps with output: ${choices.join(', ')}`
        : ': no step printed anything'),
  );
}

/** Read size: large enough that a 100 MB step is a hundred reads, small enough to stay bounded. */
const READ_BYTES = 1024 * 1024;

/**
 * A part's bytes, exactly as the shell printed them (after redaction, as
 * captured), in pieces of at most READ_BYTES, each checked against the SHA-256
 * its record carries: a byte changed in the `.out` file is an error naming the
 * file and range, never silently printed. Memory stays bounded whatever the size.
 */
export function* readPart(journalPath: string, part: OutputPart): Generator<Buffer> {
  const outPath = outputPathOf(journalPath);
  const fd = openSync(outPath, 'r');
  try {
    for (const batch of part.chunks) {
      const bytes = readOutputBatch(fd, outPath, batch);
      for (let at = 0; at < bytes.length; at += READ_BYTES)
        yield bytes.subarray(at, Math.min(at + READ_BYTES, bytes.length));
    }
  } finally {
    closeSync(fd);
  }
}

/** Width the text is rendered at: wrapped lines are joined, so it only matters to cursor moves. */
const TEXT_COLS = 200;

/**
 * A step's output as text, as the terminal showed it: each part rendered in turn,
 * under a `==> host <==` line when there are several (as `tail` does for several
 * files). What `runsheet output` prints and a step's output file beside the log holds.
 */
export async function* stepText(journalPath: string, parts: OutputPart[]): AsyncGenerator<string> {
  for (const part of parts) {
    if (parts.length > 1) yield `==> ${part.host} <==\n`;
    yield* renderText(readPart(journalPath, part), TEXT_COLS);
  }
}

/** Lines and bytes per rendered piece: what the headless terminal holds at once. */
const PIECE_LINES = 20_000;
const PIECE_BYTES = 4 * 1024 * 1024;

/**
 * Renders a stream of terminal bytes to the text a person saw, in bounded
 * memory. The emulator (see renderPlainText) holds a limited scrollback, so a
 * million-line step is rendered in pieces cut after a line feed that ends a
 * non-blank line (the renderer trims trailing blank lines, so such a cut loses
 * none). What the emulator cannot carry across a cut is screen state: a cursor
 * moved up past it, or a full-screen program's alternate screen. Step output
 * that long is lines, and a `\r` progress bar stays within its line.
 */
export async function* renderText(
  pieces: Iterable<Buffer>,
  cols: number,
  render: (bytes: Uint8Array, cols: number) => Promise<string> = renderPlainText,
  /** Lines in the first piece (fewer: a viewer's first screen comes sooner). */
  firstLines = PIECE_LINES,
): AsyncGenerator<string> {
  let pending: Buffer = Buffer.alloc(0);
  let first = true;
  /** The last piece was cut inside a line (longer than a piece): the next one goes on with it. */
  let midLine = false;
  const emit = async (bytes: Buffer) => {
    // A turn for the event loop between pieces: a big step's text (its output file after
    // it ends, runsheet output) must not hold every other session and run for seconds.
    if (!first) await new Promise((resolve) => setImmediate(resolve));
    const text = await render(bytes, cols);
    const out = first || midLine ? text : `\n${text}`;
    first = false;
    midLine = bytes[bytes.length - 1] !== 0x0a;
    return out;
  };
  for (const piece of pieces) {
    pending = pending.length ? Buffer.concat([pending, piece]) : piece;
    while (true) {
      const cut = cutPoint(pending, first ? firstLines : PIECE_LINES);
      if (cut < 0) break;
      yield await emit(pending.subarray(0, cut));
      pending = pending.subarray(cut);
    }
  }
  if (pending.length) yield await emit(pending);
  if (!first) yield '\n';
}

/**
 * Where to cut `bytes` once it holds a full piece (`pieceLines` lines or
 * PIECE_BYTES): just after the last LF within the piece whose line is not blank,
 * or -1 to wait for more.
 */
function cutPoint(bytes: Buffer, pieceLines: number): number {
  let lines = 0;
  let limit = -1;
  for (let i = 0; i < bytes.length && i < PIECE_BYTES; i++) {
    if (bytes[i] === 0x0a && ++lines === pieceLines) {
      limit = i;
      break;
    }
  }
  if (limit < 0) {
    if (bytes.length < PIECE_BYTES) return -1;
    limit = PIECE_BYTES - 1;
  }
  for (let i = limit; i > 0; i--) {
    if (bytes[i] !== 0x0a) continue;
    const before = bytes[i - 1] === 0x0d ? i - 2 : i - 1;
    if (before >= 0 && bytes[before] !== 0x0a) return i + 1;
  }
  // One line longer than a piece, or only blank lines: cut where the piece ends.
  return limit + 1;
}
