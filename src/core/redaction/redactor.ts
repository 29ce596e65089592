/* eslint-disable no-control-regex -- terminal escape sequences are what these patterns match */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import {
  lastWordStart,
  SCHEME_START,
  URL_REACH,
  tokenStart,
  MARKER_PREFIXES,
  PEM_OPEN,
  MAX_HOLD,
  heldLineStart,
  candidateWindows,
} from './triggers';
import { encodedRuns, escapedRuns, ruleMatches } from './rules';

/** What was redacted, by rule (a secret variable, a token kind, a workspace pattern). */
export type RedactionCounts = Record<string, number>;

export interface RedactionOptions {
  /** Values that must never be written: secret variables, with the name to show. */
  secrets?: Array<{ name: string; value: string }>;
  /** The workspace's own patterns (JavaScript regular expressions). */
  patterns?: Array<{ name: string; pattern: RegExp }>;
}

interface Match {
  start: number;
  end: number;
  rule: string;
}

/**
 * Escape sequences a terminal consumes: CSI, OSC, DCS/PM/APC strings, two-byte ESC x,
 * and the character-set and mode escapes (`ESC ( B` from `tput sgr0`, `ESC 7`, `ESC =`).
 */
const ANSI =
  /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_]|[ -/]+[0-~]|[0-?`-~])/g;

const secretlintConfig = {
  rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }],
};

/**
 * Redacts secrets before anything is written: the values of secret variables
 * (also base64, base64url, URL- and JSON-escaped), the tokens secretlint's
 * recommended rules find, and the workspace's patterns. Matching runs on the
 * text a terminal would show, so colour codes inside a secret do not hide it.
 * Works on bytes as latin1 (one char a byte), so positions are byte offsets.
 */
export class Redactor {
  private readonly forms: Array<{ text: string; rule: string }>;
  private readonly patterns: Array<{ name: string; pattern: RegExp }>;
  readonly counts: RedactionCounts = {};

  constructor(options: RedactionOptions = {}) {
    this.forms = [];
    for (const { name, value } of options.secrets ?? []) this.addSecret(name, value);
    this.patterns = (options.patterns ?? []).map(({ name, pattern }) => ({
      name,
      pattern: new RegExp(
        pattern.source,
        pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`,
      ),
    }));
  }

  /** A value that must never be written from now on (a secret variable just filled in). */
  addSecret(name: string, value: string): void {
    // Short values would redact ordinary words; secrets are longer than this.
    if (value.length < 4) return;
    for (const form of encodings(value)) this.forms.push({ text: form, rule: `secret ${name}` });
    // Longest first, so a value's encoded form wins over a value inside it.
    this.forms.sort((a, b) => b.text.length - a.text.length);
  }

  /** A whole text (a command, a note, an export): redacted. */
  async text(text: string): Promise<string> {
    const raw = Buffer.from(text, 'utf8').toString('latin1');
    const { out } = await this.redact(raw, true);
    return Buffer.from(out, 'latin1').toString('utf8');
  }

  /** The bytes to write of `raw` (latin1), and how much of its end to hold back for the next chunk. */
  async redact(
    raw: string,
    final: boolean,
  ): Promise<{ out: string; held: string; unchanged?: boolean }> {
    // An escape sequence cut off at the end waits for its rest: it may sit inside a secret.
    // Only the last 4 KiB can hold a cut-off sequence (longer ones are not waited for).
    const tail = Math.max(0, raw.length - 4096);
    const inTail = raw.slice(tail).lastIndexOf('\x1b');
    const esc = inTail < 0 ? -1 : tail + inTail;
    if (!final && esc >= 0 && !completeEscapeAt(raw, esc)) {
      const before = await this.redact(raw.slice(0, esc), false);
      return { out: before.out, held: before.held + raw.slice(esc) };
    }
    const { visible, map } = strip(raw);
    const matches = await this.find(visible);
    // Hold back a tail that may be the start of a secret still arriving.
    let cut = visible.length;
    if (!final) {
      const last = matches[matches.length - 1];
      if (last && last.end === visible.length) cut = Math.min(cut, last.start);
      const token = tokenStart(visible);
      if (token !== null) cut = Math.min(cut, token);
      // Workspace patterns cannot say what a partial match looks like: the last
      // word (no whitespace yet) waits for the rest, or for the step to end.
      if (this.patterns.length > 0) cut = Math.min(cut, lastWordStart(visible, MAX_HOLD));
      const marker = MARKER_PREFIXES.find((p) => visible.endsWith(p));
      if (marker) cut = Math.min(cut, visible.length - marker.length);
      // A URL still arriving (credentials go between :// and @), or its scheme's first letters.
      const wordStart = lastWordStart(visible, URL_REACH);
      const word = visible.slice(wordStart);
      if (word.includes('://') || SCHEME_START.test(word)) cut = Math.min(cut, wordStart);
      // The line still arriving waits for its end: a credential's name and its value
      // (PGPASS|WORD=…, --token …, curl -u …) may be split between chunks. So does the
      // line before it when it names a secret whose value comes on the next (`- name:
      // DB_PASSWORD` then `value: …`).
      cut = Math.min(cut, heldLineStart(visible));
      const pem = PEM_OPEN.exec(visible);
      if (pem) cut = Math.min(cut, pem.index);
      for (const { text } of this.forms) {
        for (let k = Math.min(text.length - 1, visible.length); k > 0; k--) {
          if (visible.endsWith(text.slice(0, k))) {
            cut = Math.min(cut, visible.length - k);
            break;
          }
        }
      }
      if (visible.length - cut > MAX_HOLD) cut = visible.length - MAX_HOLD;
    }
    const rawCut = cut === visible.length ? raw.length : map(cut);
    let out = '';
    let at = 0;
    for (const m of matches) {
      if (m.start >= cut) break;
      const from = map(m.start);
      const to = map(m.end - 1) + 1;
      out += raw.slice(at, from) + `[REDACTED: ${m.rule}]`;
      this.counts[m.rule] = (this.counts[m.rule] ?? 0) + 1;
      at = to;
    }
    if (at === 0 && rawCut === raw.length) return { out: raw, held: '', unchanged: true };
    out += raw.slice(at, Math.max(at, rawCut));
    return { out, held: raw.slice(Math.max(at, rawCut)) };
  }

  private async find(visible: string): Promise<Match[]> {
    const found: Match[] = [];
    for (const { text, rule } of this.forms) {
      for (let i = visible.indexOf(text); i >= 0; i = visible.indexOf(text, i + text.length))
        found.push({ start: i, end: i + text.length, rule });
    }
    for (const { name, pattern } of this.patterns) {
      pattern.lastIndex = 0;
      for (const m of visible.matchAll(pattern))
        if (m[0].length > 0) found.push({ start: m.index, end: m.index + m[0].length, rule: name });
    }
    for (const [from, to] of candidateWindows(visible)) {
      const window = visible.slice(from, to);
      for (const m of await detect(window))
        found.push({ ...m, start: from + m.start, end: from + m.end });
      // Text that decodes to a secret (base64, URL- or JSON-escaped) is masked whole.
      for (const [runs, how] of [
        [encodedRuns(window), 'base64'],
        [escapedRuns(window), 'escaped'],
      ] as const) {
        for (const run of runs) {
          // Most decoded runs name no secret: only those that do go to the detectors.
          if (candidateWindows(run.decoded).length === 0) continue;
          const inner = await detect(run.decoded);
          if (inner.length > 0)
            found.push({
              start: from + run.start,
              end: from + run.end,
              rule: `${inner[0]!.rule} (${how})`,
            });
        }
      }
    }
    // Earliest first; overlapping matches merge into one span.
    found.sort((a, b) => a.start - b.start || b.end - a.end);
    const merged: Match[] = [];
    for (const m of found) {
      const last = merged[merged.length - 1];
      if (last && m.start < last.end) last.end = Math.max(last.end, m.end);
      else merged.push({ ...m });
    }
    return merged;
  }
}

/**
 * Secrets in a text by Runsheet's own rules (rules.ts) and secretlint's recommended
 * ones. Where both find the same secret, Runsheet's span is kept: secretlint's AWS
 * rule, for one, reports the key's name with the secret, and its connection-string
 * rule the whole URL, where the rules mask the value alone.
 */
async function detect(text: string): Promise<Match[]> {
  const own: Match[] = ruleMatches(text);
  const found = [...own];
  const result = await lintSource({
    source: { content: text, filePath: '/output.txt', ext: '.txt', contentType: 'text' },
    options: { config: secretlintConfig, maskSecrets: false },
  });
  for (const message of result.messages) {
    const [start, end] = message.range;
    if (own.some((m) => m.start < end && start < m.end)) continue;
    found.push({ start, end, rule: message.ruleId.replace('@secretlint/secretlint-rule-', '') });
  }
  return found;
}

/** The forms a value is written in: as is, base64 (and url-safe, unpadded), URL- and JSON-escaped. */
export function encodings(value: string): string[] {
  const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  return [
    ...new Set([
      latin1(value),
      b64,
      b64.replace(/=+$/, ''),
      Buffer.from(value, 'utf8').toString('base64url'),
      encodeURIComponent(value),
      encodeURIComponent(value).replace(/%20/g, '+'),
      latin1(JSON.stringify(value).slice(1, -1)),
    ]),
  ].filter((f) => f.length >= 4);
}

function completeEscapeAt(raw: string, at: number): boolean {
  const sticky = new RegExp(ANSI.source, 'y');
  sticky.lastIndex = at;
  return sticky.test(raw);
}

/**
 * The text a terminal shows (escape sequences removed), and where each visible
 * char came from in the raw text. Output without escapes maps one to one.
 */
function strip(raw: string): { visible: string; map: (v: number) => number } {
  if (!raw.includes('\x1b')) return { visible: raw, map: (v) => v };
  const parts: string[] = [];
  // Visible segments: where each starts in the visible and in the raw text.
  const visStarts: number[] = [];
  const rawStarts: number[] = [];
  let at = 0;
  let length = 0;
  const keep = (end: number) => {
    if (end <= at) return;
    visStarts.push(length);
    rawStarts.push(at);
    parts.push(raw.slice(at, end));
    length += end - at;
  };
  ANSI.lastIndex = 0;
  for (const m of raw.matchAll(ANSI)) {
    keep(m.index);
    at = m.index + m[0].length;
  }
  keep(raw.length);
  const map = (v: number): number => {
    if (v >= length) return raw.length;
    let lo = 0;
    let hi = visStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (visStarts[mid]! <= v) lo = mid;
      else hi = mid - 1;
    }
    return rawStarts[lo]! + (v - visStarts[lo]!);
  };
  return { visible: parts.join(''), map };
}

/**
 * A step's output through a Redactor, chunk by chunk: what can be written now,
 * with a possible secret's start held back until the next chunk (or the end).
 */
export class RedactingStream {
  /** Bytes held back from the last chunk (a possible secret's start). */
  private held: Buffer = Buffer.alloc(0);

  constructor(private readonly redactor: Redactor) {}

  /** Whether bytes are held back for the next chunk. */
  get holding(): boolean {
    return this.held.length > 0;
  }

  async push(bytes: Uint8Array): Promise<Uint8Array> {
    const hadHeld = this.held.length > 0;
    // Joined as bytes (one copy), so the text is flat for the searches that follow.
    const joined = hadHeld ? Buffer.concat([this.held, bytes]) : bytes;
    const { out, held, unchanged } = await this.redactor.redact(
      Buffer.from(joined.buffer, joined.byteOffset, joined.byteLength).toString('latin1'),
      false,
    );
    this.held = Buffer.from(held, 'latin1');
    // Nothing redacted or held: the bytes as they came (no copy).
    return unchanged ? joined : Buffer.from(out, 'latin1');
  }

  async end(): Promise<Uint8Array> {
    const { out } = await this.redactor.redact(this.held.toString('latin1'), true);
    this.held = Buffer.alloc(0);
    return Buffer.from(out, 'latin1');
  }
}
