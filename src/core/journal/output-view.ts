import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Script, createContext } from 'node:vm';
import type { z } from 'zod';
import type { methods, OutputViewStatus } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import { renderStyledText, unstyled } from '../capture/plain-text';
import { findStep, readPart, renderText, runOutput, type OutputPart } from './step-output';

/** Every STRIDE-th line's offset in the view's file is kept: a million lines cost 4,000 numbers. */
const STRIDE = 256;
/** A line longer than this is shown cut (with a note); search still reads all of it. */
export const VIEW_LINE_CHARS = 4_000;
/** Lines one request returns at most: a few screens. */
export const VIEW_MAX_LINES = 1_000;
/** Views open at once; opening one more closes the one used longest ago. */
const MAX_VIEWS = 8;
/** Line numbers a search returns at most (the match count goes on past them). */
export const SEARCH_MAX_LINES = 100_000;
/** Lines searched per slice, and what one slice may take before the pattern is given up on. */
const SEARCH_SLICE = 20_000;
const SEARCH_SLICE_MS = 2_000;
/** Width output is rendered at: what the run's terminal had by default. */
const VIEW_COLS = 200;

type ViewStatus = z.output<typeof OutputViewStatus>;

type SearchResult = Pick<
  z.output<(typeof methods)['output.search']['output']>,
  'matches' | 'hits' | 'truncated' | 'searched'
>;

/**
 * One step's (one host's) whole output, rendered as the terminal showed it into
 * a file of styled lines (see renderStyledText) that is read a window at a
 * time. Rendering runs in the background, in bounded pieces; lines are served
 * as soon as they exist, so the first screen of a 100 MB step comes back after
 * its first piece. Memory is the sparse line index, whatever the output's size.
 */
class OutputView {
  readonly id = randomBytes(8).toString('hex');
  private readonly file: string;
  private readonly fd: number;
  /** Offsets in the file of lines 0, STRIDE, 2·STRIDE… */
  private readonly index: number[] = [0];
  private size = 0;
  lines = 0;
  complete = false;
  error: string | null = null;
  used = Date.now();
  private waiters: Array<() => void> = [];
  private closed = false;

  constructor(
    dir: string,
    readonly status: Omit<ViewStatus, 'viewId' | 'total' | 'complete' | 'error'>,
    journalPath: string,
    part: OutputPart,
  ) {
    this.file = join(dir, `${this.id}.txt`);
    this.fd = openSync(this.file, 'w+', 0o600);
    void this.render(journalPath, part);
  }

  private async render(journalPath: string, part: OutputPart): Promise<void> {
    try {
      const pieces = renderText(readPart(journalPath, part), VIEW_COLS, renderStyledText, 200);
      for await (const text of pieces) {
        if (this.closed) return;
        this.append(Buffer.from(text));
        this.wake();
        // A piece is rendered synchronously: let answers, terminals and other calls through.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // The renderer ends with a line feed after the last line; an empty output has no lines.
    } catch (error) {
      this.error = (error as Error).message;
    } finally {
      this.complete = true;
      this.wake();
    }
  }

  private append(bytes: Buffer): void {
    let at = bytes.indexOf(0x0a);
    while (at >= 0) {
      this.lines += 1;
      if (this.lines % STRIDE === 0) this.index.push(this.size + at + 1);
      at = bytes.indexOf(0x0a, at + 1);
    }
    let written = 0;
    while (written < bytes.length)
      written += writeSync(this.fd, bytes, written, bytes.length - written, this.size + written);
    this.size += bytes.length;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves once `lines` lines exist or the output is all rendered. */
  async until(lines: number): Promise<void> {
    while (!this.complete && this.lines < lines)
      await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Lines [from, from + count) as far as they exist, each cut at VIEW_LINE_CHARS. */
  read(from: number, count: number): string[] {
    const out: string[] = [];
    if (count <= 0) return out;
    for (const [line] of this.scan(from)) {
      out.push(line.length > VIEW_LINE_CHARS ? cutStyled(line) : line);
      if (out.length >= count) break;
    }
    return out;
  }

  /**
   * Each complete line from `from` on, with its number, read from the file in
   * 1 MiB pieces starting at the nearest indexed line.
   */
  private *scan(from: number): Generator<[string, number]> {
    if (from >= this.lines) return;
    const block = Math.floor(from / STRIDE);
    let offset = this.index[block]!;
    let n = block * STRIDE;
    const buffer = Buffer.alloc(1024 * 1024);
    let carry = '';
    while (offset < this.size && n < this.lines && !this.closed) {
      const got = readSync(this.fd, buffer, 0, Math.min(buffer.length, this.size - offset), offset);
      if (got === 0) return;
      // Cut after the last line feed so a character is never split.
      const last = buffer.lastIndexOf(0x0a, got - 1);
      const usable = last < 0 ? got : last + 1;
      offset += usable;
      const parts = (carry + buffer.toString('utf8', 0, usable)).split('\n');
      // A line longer than the buffer goes on in the next piece.
      carry = parts.pop()!;
      for (const line of parts) {
        if (n >= from) yield [line, n];
        n += 1;
      }
    }
  }

  /**
   * Lines whose text (colours taken out) matches `pattern`, and every match
   * counted. A pattern is the user's own, but a regular expression can take
   * exponential time: each slice of lines runs under a vm timeout, so a
   * catastrophic one is stopped with an error instead of holding the core.
   * Memory is one slice of lines.
   */
  async search(pattern: RegExp): Promise<SearchResult> {
    await this.until(Infinity);
    const result: SearchResult = { matches: 0, hits: [], truncated: false, searched: 0 };
    const context = createContext({ pattern, lines: [] as string[], base: 0, result, unstyled });
    let slice: string[] = [];
    let base = 0;
    const run = () => {
      context.lines = slice;
      context.base = base;
      try {
        SEARCH_SCRIPT.runInContext(context, { timeout: SEARCH_SLICE_MS });
      } catch (error) {
        if (/timed out/i.test(String((error as Error).message)))
          throw new ApiError(
            'invalid-input',
            `the pattern took over ${SEARCH_SLICE_MS / 1000} s on lines ${base + 1}–${base + slice.length}: make it simpler`,
          );
        throw error;
      }
      result.searched += slice.length;
      slice = [];
    };
    for (const [line, n] of this.scan(0)) {
      if (slice.length === 0) base = n;
      slice.push(line);
      if (slice.length < SEARCH_SLICE) continue;
      run();
      // Let terminals and other calls through between slices.
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (slice.length) run();
    return result;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    closeSync(this.fd);
    rmSync(this.file, { force: true });
  }
}

/** Runs over one slice of lines inside the search's vm context. */
const SEARCH_SCRIPT = new Script(`
  for (let i = 0; i < lines.length; i++) {
    const text = unstyled(lines[i]);
    pattern.lastIndex = 0;
    let found = 0;
    let match;
    while ((match = pattern.exec(text)) !== null) {
      found += 1;
      // An empty match does not move on by itself.
      if (match[0] === '') pattern.lastIndex += 1;
      if (pattern.lastIndex > text.length) break;
    }
    if (found === 0) continue;
    result.matches += found;
    if (result.hits.length < ${SEARCH_MAX_LINES}) result.hits.push(base + i);
    else result.truncated = true;
  }
`);

/** A long styled line cut to VIEW_LINE_CHARS of text, its style closed, with how much was cut. */
function cutStyled(line: string): string {
  const text = unstyled(line);
  const rest = text.length - VIEW_LINE_CHARS;
  // Styles are dropped from a line this long: its text is what a reader needs.
  return `${text.slice(0, VIEW_LINE_CHARS)} … [${rest} more characters on this line]`;
}

/** A process of this number runs (a folder not named by a pid counts as gone). */
function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The full-output views the app has open (output.open … output.close): each a
 * rendered file in `<data>/cache/output/<pid>/`, removed when it closes; a
 * folder whose process is gone is removed when a core starts.
 */
export class OutputViews {
  private readonly views = new Map<string, OutputView>();
  private readonly dir: string;

  constructor(
    dataDir: string,
    private readonly journalOf: (runId: string) => string,
  ) {
    // One folder per process (the app and a CLI command can share a data folder); what a
    // process that is gone left behind is removed.
    const root = join(dataDir, 'cache', 'output');
    this.dir = join(root, String(process.pid));
    let left: string[] = [];
    try {
      left = readdirSync(root);
    } catch {
      // No views were ever opened here.
    }
    for (const name of left)
      if (name === String(process.pid) || !alive(Number(name)))
        rmSync(join(root, name), { recursive: true, force: true, maxRetries: 2 });
  }

  open(runId: string, stepId: string, host?: string): ViewStatus {
    const output = runOutput(this.journalOf(runId));
    let step;
    try {
      step = findStep(output, stepId);
    } catch (error) {
      throw new ApiError('not-found', (error as Error).message);
    }
    const hosts = step.parts.map((p) => p.host);
    const part = host === undefined ? step.parts[0] : step.parts.find((p) => p.host === host);
    if (!part)
      throw new ApiError(
        'not-found',
        `step ${step.stepId} has no output from ${host}; its hosts: ${hosts.join(', ')}`,
      );
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const view = new OutputView(
      this.dir,
      { runId, stepId: step.stepId, name: step.name, host: part.host, hosts, bytes: part.bytes },
      output.journalPath,
      part,
    );
    this.views.set(view.id, view);
    if (this.views.size > MAX_VIEWS) {
      const oldest = [...this.views.values()].sort((a, b) => a.used - b.used)[0]!;
      this.close(oldest.id);
    }
    return this.statusOf(view);
  }

  async lines(viewId: string, from: number, count: number) {
    const view = this.get(viewId);
    await view.until(from + count);
    return { lines: view.read(from, count), ...this.statusOf(view) };
  }

  async search(
    viewId: string,
    text: string,
    options: { regex?: boolean; caseSensitive?: boolean },
  ): Promise<SearchResult & ViewStatus> {
    const view = this.get(viewId);
    let pattern: RegExp;
    try {
      const source = options.regex ? text : text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      pattern = new RegExp(source, options.caseSensitive ? 'g' : 'gi');
    } catch (error) {
      throw new ApiError('invalid-input', `not a regular expression: ${(error as Error).message}`);
    }
    const result = await view.search(pattern);
    return { ...result, ...this.statusOf(view) };
  }

  close(viewId: string): void {
    this.views.get(viewId)?.close();
    this.views.delete(viewId);
  }

  dispose(): void {
    for (const id of [...this.views.keys()]) this.close(id);
  }

  private get(viewId: string): OutputView {
    const view = this.views.get(viewId);
    if (!view)
      throw new ApiError(
        'not-found',
        `no open output view ${viewId} (it was closed: open it again)`,
      );
    view.used = Date.now();
    return view;
  }

  private statusOf(view: OutputView): ViewStatus {
    return {
      viewId: view.id,
      ...view.status,
      total: view.lines,
      complete: view.complete,
      error: view.error,
    };
  }
}
