import { closeSync, openSync, readSync, statSync } from 'node:fs';
import type {
  JournalRecord,
  OutputHit,
  OutputSearch,
  OutputSearchResult,
  RunSummary,
} from '../../shared/model';
import { renderPlainText } from '../capture/plain-text';
import { outputPathOf, readRunJournal } from '../journal/reader';
import { outputOfRecords, stepNames } from '../journal/step-output';

/** Lines an output search returns unless told otherwise. */
export const OUTPUT_SEARCH_LIMIT = 100;
/**
 * Bytes read at once: few reads (4,096 for 1 GB), yet the window and its folded
 * copy stay in the CPU's cache between the read and the scan (1 MiB was slower).
 */
const WINDOW = 256 * 1024;
/** A line longer than this is searched in pieces (its text then starts or ends with …). */
const MAX_LINE = 64 * 1024;
/** Windows scanned between turns given to the event loop: 8 MiB, a few ms of work. */
const YIELD_EVERY = 32;
/** Characters of a line a hit shows, around its match. */
const TEXT_CHARS = 240;
/** Width lines are rendered at (wrapped lines are joined: only cursor moves see it). */
const TEXT_COLS = 200;

/**
 * Every past run's output and notes searched for one line of text: runs newest
 * first (as given), each step's output (each host of a fan-out apart) in the order
 * they printed, then its notes, skip reasons, Issues and Next actions. One hit per
 * line, at most `limit`, `more` when there were others.
 *
 * The output is scanned as bytes in the `.out` files (what was journaled, after
 * redaction, so a secret's value is not found), a window at a time with
 * Buffer.indexOf; only a line with a match is decoded and rendered as `runsheet
 * output` shows it (escape sequences and `\r` applied). A match the terminal did
 * not show (overwritten by `\r`, inside an escape sequence) is not a hit. The
 * output's checksums are not checked here: that is `runsheet verify`'s job, and
 * hashing every byte would make a search as slow as a verification.
 */
export async function searchOutput(
  runs: RunSummary[],
  search: OutputSearch,
  catalog = new OutputCatalog(),
): Promise<OutputSearchResult> {
  const limit = search.limit ?? OUTPUT_SEARCH_LIMIT;
  const caseSensitive = search.caseSensitive ?? false;
  const fold = (s: string) => (caseSensitive ? s : foldAscii(s));
  const wanted = fold(search.text);
  const needle = Buffer.from(wanted);
  const hits: OutputHit[] = [];
  const scanner = new Scanner(needle, !caseSensitive);
  /** False when the limit is passed: the search stops. */
  const keep = (hit: OutputHit): boolean => {
    if (hits.length === limit) return false;
    hits.push(hit);
    return true;
  };
  catalog.keep(runs);
  for (const run of runs) {
    let entry;
    try {
      entry = catalog.of(run.journalPath);
    } catch {
      continue; // unreadable or damaged: `runsheet verify` names it
    }
    let names: Map<string, string> | null = null;
    const titleOf = (stepId: string): string | null => {
      try {
        names ??= stepNames(run.journalPath, entry.started);
      } catch {
        names = new Map(); // the runbook snapshot is damaged: ids only
      }
      return names.get(stepId) ?? null;
    };
    const base = { runId: run.runId, runbookTitle: run.runbookTitle, startedAt: run.startedAt };
    let fd: number | null = null;
    try {
      if (entry.steps.length > 0) fd = openSync(outputPathOf(run.journalPath), 'r');
      for (const step of entry.steps)
        for (const part of step.parts) {
          const more = await scanner.scan(fd!, part.ranges, async (bytes, line, cut) => {
            const shown = (await renderPlainText(bytes, TEXT_COLS)).replace(/\n/g, ' ');
            const at = fold(shown).indexOf(wanted);
            if (at < 0) return true; // not what the terminal showed
            return keep({
              ...base,
              where: 'output',
              stepId: step.stepId,
              stepTitle: titleOf(step.stepId),
              host: part.host,
              line,
              ...excerpt(shown, at, wanted.length, cut),
            });
          });
          if (!more) return { hits, more: true };
        }
    } catch {
      // The .out file is missing or unreadable: its notes are still searched.
    } finally {
      if (fd !== null) closeSync(fd);
    }
    for (const text of [
      ...entry.notes,
      { where: 'issues' as const, stepId: null, value: run.issues },
      { where: 'next-actions' as const, stepId: null, value: run.nextActions },
    ]) {
      const lines = text.value.split('\n');
      for (const [index, line] of lines.entries()) {
        const at = fold(line).indexOf(wanted);
        if (at < 0) continue;
        const hit: OutputHit = {
          ...base,
          where: text.where,
          stepId: text.stepId,
          stepTitle: text.stepId === null ? null : titleOf(text.stepId),
          host: null,
          line: index + 1,
          ...excerpt(line, at, wanted.length, { start: false, end: false }),
        };
        if (!keep(hit)) return { hits, more: true };
      }
    }
  }
  return { hits, more: false };
}

type Note = { where: OutputHit['where']; stepId: string | null; value: string };

/** What a search reads of a run's journal: its steps' output ranges in the `.out` file, and notes. */
interface RunCatalog {
  started: Extract<JournalRecord, { type: 'run.started' }>;
  steps: Array<{ stepId: string; parts: Array<{ host: string; ranges: Range[] }> }>;
  /** Notes and skip reasons, the last given for each step. */
  notes: Note[];
}

/**
 * Each run's catalog, read from its journal once and kept while the journal's
 * size and modification time stay the same (journals only grow), as the run index
 * keeps summaries: reading and checking every journal again was a tenth of a
 * search's time, and a search goes out at each pause in typing.
 */
export class OutputCatalog {
  private readonly runs = new Map<string, { size: number; mtimeMs: number; catalog: RunCatalog }>();

  /** Forgets the journals that are no longer among these runs. */
  keep(runs: RunSummary[]): void {
    const paths = new Set(runs.map((r) => r.journalPath));
    for (const path of this.runs.keys()) if (!paths.has(path)) this.runs.delete(path);
  }

  of(journalPath: string): RunCatalog {
    const { size, mtimeMs } = statSync(journalPath);
    const kept = this.runs.get(journalPath);
    if (kept && kept.size === size && kept.mtimeMs === mtimeMs) return kept.catalog;
    const { records, started } = readRunJournal(journalPath);
    const output = outputOfRecords(journalPath, records, started, new Map());
    const notes = new Map<string, Note>();
    for (const r of records) {
      if ((r.type === 'step.checked' || r.type === 'step.manual') && r.note)
        notes.set(`note ${r.stepId}`, { where: 'note', stepId: r.stepId, value: r.note });
      if (r.type === 'step.skipped')
        notes.set(`skip ${r.stepId}`, { where: 'skip', stepId: r.stepId, value: r.reason });
    }
    const catalog: RunCatalog = {
      started,
      steps: output.steps.map((step) => ({
        stepId: step.stepId,
        parts: step.parts.map((p) => ({ host: p.host, ranges: coalesce(p.chunks) })),
      })),
      notes: [...notes.values()],
    };
    this.runs.set(journalPath, { size, mtimeMs, catalog });
    return catalog;
  }
}

/** The line cut to TEXT_CHARS around its match, with … where it was cut (or the bytes were). */
function excerpt(
  line: string,
  at: number,
  length: number,
  cut: { start: boolean; end: boolean },
): { text: string; start: number; end: number } {
  const from = Math.max(0, Math.min(at - 80, line.length - TEXT_CHARS));
  const to = Math.min(line.length, Math.max(from + TEXT_CHARS, at + length));
  const before = from > 0 || cut.start ? '…' : '';
  const after = to < line.length || cut.end ? '…' : '';
  const text = `${before}${line.slice(from, to)}${after}`;
  const start = before.length + at - from;
  return { text, start, end: start + length };
}

/** ASCII letters to lower case, nothing else: what the byte scan folds, so both agree. */
function foldAscii(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/**
 * The byte scan, with its buffers kept for a whole search. One buffer holds the
 * bytes read, another (case-insensitive) the same with ASCII folded to lower
 * case; indexOf runs on the latter, lines are cut from the former. Written here,
 * not with a stream or readline: those hand out every line, where this touches
 * a line only when it has a match.
 */
class Scanner {
  private readonly raw: Buffer;
  private readonly folded: Buffer;
  private readonly rawWords: Int32Array;
  private readonly foldedWords: Int32Array;
  /** A buffer to count line feeds in, made when first needed. */
  private spare: { bytes: Buffer; words: Int32Array } | null = null;
  /** The bytes the needle's start (all but its last byte) holds: what may come just before an ESC. */
  private readonly beforeEsc = new Uint8Array(256);
  /** Windows scanned, for yielding to the event loop (see YIELD_EVERY). */
  private windows = 0;
  /** A line's bytes with escape sequences taken out (see strip), made when first needed. */
  private clean: Buffer | null = null;

  constructor(
    private readonly needle: Buffer,
    private readonly fold: boolean,
  ) {
    // Whole 32-bit words (the fold and the line count go four bytes at a time), at offset 0.
    const size = WINDOW + MAX_LINE + 4;
    this.raw = Buffer.allocUnsafeSlow(size);
    this.folded = fold ? Buffer.allocUnsafeSlow(size) : this.raw;
    this.rawWords = new Int32Array(this.raw.buffer, 0, size / 4);
    this.foldedWords = new Int32Array(this.folded.buffer, 0, size / 4);
    for (const byte of needle.subarray(0, -1)) this.beforeEsc[byte] = 1;
  }

  /**
   * Scans one host's part of a step (its byte ranges in the `.out` file, in
   * order) and calls `report` with each line that holds the needle: a copy of its
   * bytes, its number, and whether it was cut at its start or end (a line longer
   * than MAX_LINE). False as soon as `report` is.
   */
  async scan(
    file: number,
    ranges: Range[],
    report: (
      line: Buffer,
      number: number,
      cut: { start: boolean; end: boolean },
    ) => Promise<boolean>,
  ): Promise<boolean> {
    const { raw, folded, needle } = this;
    /** Bytes in the buffers; the first `have` bytes are the rest of the last window plus the new. */
    let have = 0;
    /** Where the buffer's first byte is in the part's bytes. */
    let bufStart = 0;
    /**
     * Line feeds are counted only up to a hit's line (`line` is the number of the
     * line at `countedTo`): most of the output has none, and counting every byte
     * would cost more than the search. What a window passed without a hit is read
     * again when a later one has one.
     */
    let countedTo = 0;
    let line = 1;
    /** The buffer starts inside a line (the part before was searched already). */
    let midLine = false;
    /** A hit's line went on past the last window: its other matches are not hits again. */
    let skipLine = false;
    for (const [index, range] of ranges.entries()) {
      let pos = range.offset;
      const end = range.offset + range.length;
      while (pos < end) {
        const want = Math.min(WINDOW, end - pos, raw.length - 4 - have);
        // Read in this thread: a read from the page cache is a copy, and the thread
        // pool's round trip per window cost more than it. The loop yields instead.
        const bytesRead = readSync(file, raw, have, want, pos);
        if (bytesRead === 0) return true; // the file is shorter than its records say
        if (this.fold) this.foldRange(have, have + bytesRead);
        have += bytesRead;
        pos += bytesRead;
        const last = index === ranges.length - 1 && pos >= end;
        // Search whole lines only; the rest waits for the next window, unless it is too long.
        let stop = last ? have : raw.lastIndexOf(10, have - 1) + 1;
        let keepFrom = stop;
        let cutHere = false;
        if (!last && have - stop > MAX_LINE) {
          stop = have;
          // Keep what a match across the cut needs; matches start after it, so none twice.
          keepFrom = Math.max(0, have - (needle.length - 1));
          cutHere = true;
        }
        let at = 0;
        if (skipLine) {
          const nl = raw.indexOf(10, 0);
          at = nl === -1 || nl >= stop ? stop : nl + 1;
          skipLine = at === stop && cutHere;
        }
        for (const lineStart of this.hitLines(at, stop)) {
          const nl = raw.indexOf(10, lineStart);
          const lineEnd = nl === -1 || nl >= stop ? stop : nl;
          if (countedTo < bufStart) {
            line += this.countInFile(file, ranges, countedTo, bufStart);
            countedTo = bufStart;
          }
          line += countLines(raw, this.rawWords, countedTo - bufStart, lineStart);
          countedTo = bufStart + lineStart;
          let bytes = Buffer.from(raw.subarray(lineStart, lineEnd));
          if (bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
          const cut = { start: lineStart === 0 && midLine, end: lineEnd === stop && cutHere };
          if (!(await report(bytes, line, cut))) return false;
          if (lineEnd === stop) {
            skipLine = cutHere;
            break;
          }
        }
        bufStart += keepFrom;
        midLine = cutHere;
        // Other calls get their turn every few windows (a search of 1 GB takes about a second).
        if (++this.windows % YIELD_EVERY === 0) await new Promise((go) => setImmediate(go));
        raw.copyWithin(0, keepFrom, have);
        if (this.fold) folded.copyWithin(0, keepFrom, have);
        have -= keepFrom;
      }
    }
    return true;
  }

  /**
   * Where the lines with a match in raw [at, stop) start, in order: a match in the
   * bytes as they are (indexOf over the window), or in a line once its escape
   * sequences are taken out, so that text the terminal showed across a colour
   * change is found too. Only a line where the text before an escape sequence ends
   * with the start of the needle can hold one of those; only such lines are stripped.
   */
  private hitLines(at: number, stop: number): number[] {
    const { raw, needle } = this;
    const view = this.folded.subarray(0, stop);
    const lines: number[] = [];
    for (let from = at; from < stop;) {
      const hit = view.indexOf(needle, from);
      if (hit === -1) break;
      lines.push(hit === 0 ? 0 : raw.lastIndexOf(10, hit - 1) + 1);
      const nl = view.indexOf(10, hit + needle.length);
      if (nl === -1) break;
      from = nl + 1;
    }
    if (needle.length < 2) return lines;
    const bytes = raw.subarray(0, stop);
    const more: number[] = [];
    const { beforeEsc } = this;
    for (let esc = bytes.indexOf(0x1b, at); esc !== -1; esc = nextEsc(bytes, esc + 1)) {
      if (!beforeEsc[this.folded[esc - 1]!] || !this.prefixBefore(esc, at)) continue;
      const start = raw.lastIndexOf(10, esc - 1) + 1;
      const nl = bytes.indexOf(10, esc);
      const end = nl === -1 ? stop : nl;
      if (this.strip(start, end).indexOf(needle) !== -1) more.push(start);
      if (nl === -1) break;
      esc = nl;
    }
    if (more.length === 0) return lines;
    return [...new Set([...lines, ...more])].sort((a, b) => a - b);
  }

  /** The (folded) bytes before `esc`, from `from` on, end with the needle's first bytes (not all). */
  private prefixBefore(esc: number, from: number): boolean {
    const { folded, needle } = this;
    const last = folded[esc - 1];
    for (let k = Math.min(needle.length - 1, esc - from); k >= 1; k--) {
      if (needle[k - 1] !== last) continue;
      let j = 2;
      while (j <= k && folded[esc - j] === needle[k - j]) j++;
      if (j > k) return true;
    }
    return false;
  }

  /**
   * The (folded) bytes of raw [from, to) with every escape sequence taken out, as a
   * view of a buffer kept for it. The sequences are found in raw (folding changes
   * their letters).
   */
  private strip(from: number, to: number): Buffer {
    this.clean ??= Buffer.allocUnsafeSlow(this.raw.length);
    const raw = this.raw.subarray(0, to);
    let out = 0;
    for (let i = from; i < to;) {
      const found = raw.indexOf(0x1b, i);
      const esc = found === -1 ? to : found;
      out += this.folded.copy(this.clean, out, i, esc);
      i = esc < to ? escapeEnd(raw, esc, to) : to;
    }
    return this.clean.subarray(0, out);
  }

  /**
   * ASCII A-Z to a-z from raw into folded, over the whole words that cover
   * [from, to): four bytes at a time (SWAR), since a byte loop would be the
   * slowest part of a case-insensitive search.
   */
  private foldRange(from: number, to: number): void {
    const src = this.rawWords;
    const dst = this.foldedWords;
    for (let i = from >>> 2, n = (to + 3) >>> 2; i < n; i++) {
      const w = src[i]!;
      const low = w & 0x7f7f7f7f;
      // High bit of each byte: >= 'A' and > 'Z', for bytes below 0x80.
      const geA = (low + 0x3f3f3f3f) & 0x80808080;
      const gtZ = (low + 0x25252525) & 0x80808080;
      const upper = geA & ~gtZ & ~w & 0x80808080;
      dst[i] = w | (upper >>> 2);
    }
  }

  /** Line feeds in the part's bytes [from, to), read again from the file (see `countedTo`). */
  private countInFile(file: number, ranges: Range[], from: number, to: number): number {
    if (!this.spare) {
      const bytes = Buffer.allocUnsafeSlow(WINDOW);
      this.spare = { bytes, words: new Int32Array(bytes.buffer, 0, WINDOW / 4) };
    }
    const { bytes, words } = this.spare;
    let n = 0;
    let start = 0;
    for (const range of ranges) {
      const a = Math.max(from, start);
      const b = Math.min(to, start + range.length);
      for (let at = a; at < b;) {
        const bytesRead = readSync(
          file,
          bytes,
          0,
          Math.min(WINDOW, b - at),
          range.offset + at - start,
        );
        if (bytesRead === 0) break;
        n += countLines(bytes, words, 0, bytesRead);
        at += bytesRead;
      }
      start += range.length;
      if (start >= to) break;
    }
    return n;
  }
}

/** Bytes counted four at a time before choosing how to count the rest (see countLines). */
const PROBE = 4096;

/**
 * Line feeds in bytes [from, to) (`words`: the same memory as 32-bit words). The
 * first PROBE bytes are counted four at a time (SWAR); where lines are longer than
 * 40 bytes, one indexOf per line is faster than that for the rest.
 */
function countLines(bytes: Buffer, words: Int32Array, from: number, to: number): number {
  const probe = Math.min(to, from + PROBE);
  const n = countWords(bytes, words, from, probe);
  if (probe === to) return n;
  if (n * 40 >= probe - from) return n + countWords(bytes, words, probe, to);
  let more = 0;
  const view = bytes.subarray(0, to);
  for (let i = view.indexOf(10, probe); i !== -1; i = view.indexOf(10, i + 1)) more++;
  return n + more;
}

/** Line feeds in bytes [from, to): bytes at the ends, whole words between, four at a time. */
function countWords(bytes: Buffer, words: Int32Array, from: number, to: number): number {
  let n = 0;
  let i = from;
  for (; i < to && i & 3; i++) if (bytes[i] === 10) n++;
  const endWord = to >>> 2;
  for (let w = i >>> 2; w < endWord; w++) {
    // A byte of x is zero where the byte was a line feed; t has its high bit set for each.
    const x = words[w]! ^ 0x0a0a0a0a;
    const t = ~(((x & 0x7f7f7f7f) + 0x7f7f7f7f) | x | 0x7f7f7f7f);
    n += Math.imul((t >>> 7) & 0x01010101, 0x01010101) >>> 24;
  }
  for (i = Math.max(i, endWord << 2); i < to; i++) if (bytes[i] === 10) n++;
  return n;
}

/**
 * The next ESC from `at` on, or -1: the next few bytes looked at here first, since
 * sequences come close together (ESC[32mINFO ESC[0m) and a call costs more.
 */
function nextEsc(bytes: Buffer, at: number): number {
  const near = Math.min(bytes.length, at + 16);
  for (let i = at; i < near; i++) if (bytes[i] === 0x1b) return i;
  return near === bytes.length ? -1 : bytes.indexOf(0x1b, near);
}

/**
 * Where the escape sequence starting at `at` (an ESC) ends, per ECMA-48: a CSI
 * (ESC [ parameters, intermediates, a final byte), a string (OSC, DCS, SOS, PM,
 * APC, up to BEL or ST, never past a line feed) or ESC, intermediates, a final byte.
 */
function escapeEnd(b: Buffer, at: number, to: number): number {
  let i = at + 1;
  if (i >= to) return to;
  const kind = b[i]!;
  if (kind === 0x5b) {
    for (i++; i < to && b[i]! >= 0x20 && b[i]! <= 0x3f; i++);
    return i < to && b[i]! >= 0x40 && b[i]! <= 0x7e ? i + 1 : i;
  }
  if (kind === 0x5d || kind === 0x50 || kind === 0x58 || kind === 0x5e || kind === 0x5f) {
    for (i++; i < to; i++) {
      if (b[i] === 0x07) return i + 1;
      if (b[i] === 0x1b && b[i + 1] === 0x5c) return i + 2;
      if (b[i] === 0x0a) return i;
    }
    return to;
  }
  for (; i < to && b[i]! >= 0x20 && b[i]! <= 0x2f; i++);
  return i < to ? i + 1 : to;
}

/** Bytes of a `.out` file. */
type Range = { offset: number; length: number };

/** Chunks next to each other in the file read as one range (copied: a catalog keeps them). */
function coalesce(chunks: Range[]): Range[] {
  const ranges: Range[] = [];
  for (const c of chunks) {
    const last = ranges[ranges.length - 1];
    if (last && last.offset + last.length === c.offset) last.length += c.length;
    else if (c.length > 0) ranges.push({ offset: c.offset, length: c.length });
  }
  return ranges;
}
