import { ENCODED_TRIGGER, NAME_LINE, RULE_TRIGGER } from './rules';

/**
 * Where a secret may be: the token markers secretlint's rules begin with (so a
 * token split across chunks is held back until it is whole), and the triggers
 * that pick the few lines worth sending to secretlint.
 */

/**
 * How the token kinds secretlint's recommended rules know begin. Output ending in
 * one of them (then no space yet), or in the first letters of one, is held back
 * until the rest arrives (or the step ends), so a token split across chunks is
 * seen whole.
 */
const TOKEN_MARKERS = [
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
  'github_pat_',
  'glpat-',
  'xoxa-',
  'xoxb-',
  'xoxp-',
  'xoxo-',
  'xoxs-',
  'xoxr-',
  'sk-',
  'sk_live_',
  'rk_live_',
  'AKIA',
  'ASIA',
  'AIza',
  'npm_',
  'SG.',
  '-----BEGIN',
];
/**
 * Where the word ending at `end` (the trailing one, no whitespace yet) begins, looking
 * back at most `limit` chars.
 */
export function lastWordStart(text: string, limit: number, end = text.length): number {
  const stop = Math.max(0, end - limit);
  for (let i = end - 1; i >= stop; i--) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 10 || c === 13 || c === 9) return i + 1;
  }
  return stop;
}

/** A word that may be the start of a URL: a scheme's letters, maybe its `:` and slashes. */
export const SCHEME_START = /^[A-Za-z][A-Za-z0-9+.-]{0,15}(?::\/{0,2})?$/;
/** URLs with credentials are held back until they end, up to this long. */
export const URL_REACH = 2048;

/** A token is shorter than this: a marker further back than this cannot start one still arriving. */
const TOKEN_REACH = 512;

/** The start of a token marker in the trailing word, if it has one (the earliest). */
export function tokenStart(text: string): number | null {
  const from = lastWordStart(text, TOKEN_REACH);
  let first: number | null = null;
  for (const marker of TOKEN_MARKERS) {
    const i = text.indexOf(marker, from);
    if (i >= 0 && (first === null || i < first)) first = i;
  }
  return first;
}
export const MARKER_PREFIXES = [
  ...new Set(TOKEN_MARKERS.flatMap((m) => [...m].map((_, i) => m.slice(0, i + 1)))),
].sort((a, b) => b.length - a.length);
/** A private key block begun and not ended yet (its header may still be arriving). */
export const PEM_OPEN =
  /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----(?![\s\S]*-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----)|-----BEGIN[ A-Z0-9-]*$/;
/** The line still arriving is held back at most this far (longer lines are written in part). */
export const LINE_HOLD = 4096;

/**
 * Where the held tail of a chunk begins: the start of the line still arriving (at
 * most LINE_HOLD back), or of the complete line before it when that one names a
 * secret whose value is on the next line.
 */
export function heldLineStart(text: string): number {
  const last = text.lastIndexOf('\n');
  if (text.length - (last + 1) > LINE_HOLD) return longLineCut(text, text.length - LINE_HOLD);
  const start = last + 1;
  if (last < 0) return start;
  const previous = text.lastIndexOf('\n', last - 1) + 1;
  return last - previous < 256 && NAME_LINE.test(text.slice(previous, last)) ? previous : start;
}

/** A word longer than this (a token) is cut; shorter ones are held whole. */
const WORD_REACH = 16 * 1024;

/** Case-insensitive, as the rules are: one pattern for every search (not compiled a call). */
const RULE_TRIGGERS = new RegExp(RULE_TRIGGER.source, 'gi');

/**
 * In a line too long to hold whole, where the held tail begins: at the start of the
 * word the cut falls in, or further back at a credential's name just before it (its
 * value may be what is still arriving: `"password": "` then the value).
 */
function longLineCut(text: string, at: number, reach = WORD_REACH): number {
  // Looked up in place: a copy of the text up to the cut would cost a pass over a long line.
  const cut = lastWordStart(text, reach, at + 1);
  const from = Math.max(0, cut - 1024);
  let name = -1;
  RULE_TRIGGERS.lastIndex = 0;
  for (const m of text.slice(from, cut).matchAll(RULE_TRIGGERS)) name = from + m.index;
  return name < 0 ? cut : lastWordStart(text, 256, name + 1);
}

/** Never hold back more than this: a "token" that long is not one. */
export const MAX_HOLD = 64 * 1024;

/** Around a trigger, this much of its line goes to secretlint (rules look at context). */
const WINDOW = 2048;

/**
 * Every rule of secretlint's recommended preset (13.x) anchors on one of these:
 * a token prefix (ghp_, xoxb-, AKIA, sk-, glpat-, hvs., …), a keyword its
 * context rule needs (secret / account for AWS, _authToken, private_key), a URL
 * (basic auth, database URIs, Slack webhooks) or a key block. Only lines with a
 * trigger go to secretlint: on everything it costs ~50 ms a megabyte, too much
 * for a flood. (Checked against the rules' patterns; the corpus test covers it.)
 */
const TRIGGERS = new RegExp(
  [
    'A3T[A-Z0-9]',
    'AKIA',
    'AGPA',
    'AIDA',
    'AROA',
    'AIPA',
    'ANPA',
    'ANVA',
    'ASIA',
    '[Ss]ecret',
    'SECRET',
    '[Aa]ccount',
    'ACCOUNT',
    '_authToken',
    'npm_',
    'private_key',
    'PRIVATE KEY',
    'x-oauth-basic',
    'xox[bpaor]-',
    'xapp-',
    '://',
    'sk-',
    '[sr]k_(?:live|test)',
    'gsk_',
    'hf_',
    'lin_api_',
    'ntn_',
    'SG\\.',
    'shp(?:pa|ca|at|ss)_',
    'gh[pousr]_',
    'github_pat_',
    'glpat-',
    'glc_',
    'glsa_',
    'ops_',
    'hv[sbr]\\.',
    'vc[pciark]_',
    'dapi',
    'dckr_pat_',
    'figd_',
    'cf(?:k|ut|at)_',
    'tskey-',
  ].join('|'),
  'g',
);

/**
 * Every trigger above contains one of these, and so does every match of the
 * rules in rules.ts (an assignment has `=` or `:`, a flag `-`, a header `:`, a
 * bearer token "earer"): output with none of them (plain words, progress bars,
 * a flood of one character) has no candidate at all, and a few native substring
 * searches say so faster than the trigger pattern. (A base64-encoded secret with
 * no padding and none of these letters is the one form only the full path sees.)
 */
const ANCHORS = [
  '_',
  '-',
  '.',
  ':',
  '=',
  'A',
  'ecret',
  'ECRET',
  'ccount',
  'CCOUNT',
  'dapi',
  'earer',
  'EARER',
  'asic ',
  '</',
  '%',
  '\\',
];

/**
 * The quick answer for a batch of output, on raw bytes: when it has no escape
 * sequence and none of the anchors, nothing in it can be redacted by the rules
 * (every token marker holds an anchor too), so it is written as it is — but for
 * a tail that could begin a token (the first letters of a marker), which the
 * caller holds for the next batch. Null: the batch needs the full redactor.
 * Only for a redactor without secret values or workspace patterns.
 */
const CAPITAL_OR_DIGIT = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789') CAPITAL_OR_DIGIT[c.charCodeAt(0)] = 1;

/**
 * Whether a byte is a capital or a digit, four bytes at a time (the "has byte between"
 * trick of Bit Twiddling Hacks): a flood of plain text is read here at memory speed,
 * where a regular expression on it as a string, or a loop a byte, costs half the
 * quick path's throughput. Bytes of 128 and above are never in range.
 */
function hasCapitalOrDigit(bytes: Uint8Array): boolean {
  let i = 0;
  const n = bytes.length;
  while (i < n && (bytes.byteOffset + i) % 4 !== 0) if (CAPITAL_OR_DIGIT[bytes[i++]!]) return true;
  const words = Math.floor((n - i) / 4);
  if (words > 0) {
    const view = new Uint32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let w = 0; w < words; w++) {
      const x = view[w]!;
      if (between(x, 0x2f, 0x3a) || between(x, 0x40, 0x5b)) return true;
    }
    i += words * 4;
  }
  while (i < n) if (CAPITAL_OR_DIGIT[bytes[i++]!]) return true;
  return false;
}

const ONES = 0x01010101;

/** Some byte b of x with m < b < n (all three below 128). */
function between(x: number, m: number, n: number): boolean {
  const low = x & (ONES * 127);
  return ((ONES * (127 + n) - low) & ~x & (low + ONES * (127 - m)) & 0x80808080) !== 0;
}

export function plainBatch(bytes: Uint8Array): { write: number } | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.indexOf(0x1b) >= 0) return null;
  for (const anchor of ANCHORS) if (b.indexOf(anchor, 0, 'latin1') >= 0) return null;
  // The line still arriving waits for its end (see heldLineStart): with a name split
  // from its value (`export API` then `_KEY=…`), the next batch is not a plain one.
  // Capitals or digits may be base64 holding an encoded secret (no anchor needed there).
  if (hasCapitalOrDigit(b)) return null;
  const newline = b.lastIndexOf(0x0a);
  if (b.length - (newline + 1) <= LINE_HOLD) return { write: newline + 1 };
  // No capitals or digits: no token here is long, so a short reach back is enough.
  const from = Math.max(0, b.length - LINE_HOLD - 2048);
  return {
    write:
      from + longLineCut(b.subarray(from).toString('latin1'), b.length - LINE_HOLD - from, 1024),
  };
}

/**
 * For positions asked in increasing order: where the line holding one starts, and
 * where the line after it ends. Every search moves forward only, so a long line
 * full of triggers costs one pass, not one pass a trigger.
 */
function lineBounds(text: string): (at: number) => [number, number] {
  let last = -1;
  let upcoming = text.indexOf('\n');
  let second = -2;
  return (at) => {
    while (upcoming >= 0 && upcoming < at) {
      last = upcoming;
      upcoming = text.indexOf('\n', upcoming + 1);
    }
    if (upcoming < 0) return [last + 1, text.length];
    if (second !== -1 && second <= upcoming) second = text.indexOf('\n', upcoming + 1);
    return [last + 1, second < 0 ? text.length : second];
  };
}

export function candidateWindows(visible: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  // Encoded words need no anchor: base64 may have none of them.
  const triggers = ANCHORS.some((a) => visible.includes(a))
    ? [TRIGGERS, RULE_TRIGGERS, ENCODED_TRIGGER]
    : [ENCODED_TRIGGER];
  for (const trigger of triggers) {
    trigger.lastIndex = 0;
    const lines = lineBounds(visible);
    for (const m of visible.matchAll(trigger)) {
      const start = m.index;
      // The line, and the next: a secret's name may be on one, its value on the next.
      const [lineStart, lineEnd] = lines(start);
      spans.push([Math.max(lineStart, start - WINDOW), Math.min(lineEnd, start + WINDOW)]);
    }
  }
  // A key block spans lines: from its BEGIN to its END (found once for all the BEGINs before it).
  let end = -2;
  for (let i = visible.indexOf('-----BEGIN'); i >= 0; i = visible.indexOf('-----BEGIN', i + 10)) {
    if (end !== -1 && end < i) end = visible.indexOf('-----END', i);
    const close = end < 0 ? visible.length : visible.indexOf('\n', end);
    spans.push([i, Math.min(close < 0 ? visible.length : close, i + 65536)]);
    if (end < 0) break;
  }
  spans.sort((a, b) => a[0] - b[0]);
  // Lines next to each other go to secretlint together (one call, not one a line).
  const merged: Array<[number, number]> = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1] + 1) last[1] = Math.max(last[1], span[1]);
    else merged.push([...span]);
  }
  return merged;
}
