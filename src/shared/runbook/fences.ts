import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import type { RepairedFence, RunbookWarning } from '../model';
import { looksLikeShell } from './shell-detect';

// markdown-it: CommonMark + GFM tables, linear time, ~50 ms per MB (remark was ~40x slower here).
export const md = new MarkdownIt({ html: true, linkify: false });
// The model needs block structure and the raw text of inline runs, not inline tokens:
// skipping inline tokenizing halves the parse time (rendering happens in the UI).
md.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join']);

/** How many unclosed fences the parser will repair before giving up (the rest still ask before they run). */
const MAX_REPAIRS = 1000;

/** A checklist item line (`- [ ] Item`, `1. [x] Done`): Markdown, never a shell command. */
const CHECK_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])[ \t]+\[[ xX]\](?:[ \t]|$)/;
/** A fence opener with an info string (```bash): a new block, not content. */
const OPENER = /^ {0,3}(`{3,}|~{3,})[ \t]*[^`~\s]/;

/**
 * A fence that is never closed would swallow the rest of the file (or of its list
 * item), or pair up with the closing line of a later block (a later opener such as
 * ```bash or ```sql inside it gives that away). Its block ends before the first line
 * that cannot be its code: a checklist item, a heading after a blank line, another
 * fence's opener; else at the end of the file. The rest is read as Markdown again,
 * with the same line numbers. Each repair is a warning, and the step made from the
 * block carries it (`repairs`, by the opener's line): it runs only once confirmed,
 * showing the code as cut. In a list item, the swallowed lines are read again at the
 * item's indent and level, so they stay the item's; a fence in a quote is left to the
 * builder. A list item's fence whose closing line is dedented out of the item
 * (`   ```bash` closed by ``` at column 0) is closed by that line, which opens nothing.
 */
export function repairFences(body: string): {
  tokens: Token[];
  warnings: RunbookWarning[];
  repairs: Map<number, RepairedFence>;
  /** The body's lines, for the model builder (split once). */
  lines: string[];
} {
  const warnings: RunbookWarning[] = [];
  const repairs = new Map<number, RepairedFence>();
  const lines = body.split('\n');
  const out: Token[] = [];
  // Token lists still to read, innermost last: what a repaired block had swallowed is read
  // before what followed it.
  // `end`: the line after the last one the list covers.
  const pending: Pending[] = [{ tokens: md.parse(body, {}), next: 0, end: lines.length }];
  // Lines that close the list item's fence above them, with that fence's indent: the fence
  // markdown-it opens there is not a block, and the lines after it were written at the item's indent.
  const strays = new Map<number, number>();
  /**
   * Lines [from, to) parsed again, at the level of `token`'s container, and each line up to
   * the first one indented less than `indent` (where the container ended) at its indent.
   */
  const parseAt = (token: Token, from: number, to: number, indent: number): Token[] => {
    let inside = true;
    const text = lines
      .slice(from, to)
      .map((l) => {
        inside &&= l.trim() === '' || dedent(l, indent).length === l.length - indent;
        return inside ? dedent(l, indent) : l;
      })
      .join('\n');
    // The last line keeps its line end, so a block ending there keeps its final newline.
    const again = md.parse(to < lines.length ? `${text}\n` : text, {});
    for (const t of again) {
      if (t.map) t.map = [t.map[0] + from, t.map[1] + from];
      t.level += token.level;
    }
    return again;
  };
  const reread = (token: Token, from: number, to: number, indent: number): void => {
    pending.push({ tokens: parseAt(token, from, to, indent), next: 0, end: to });
  };
  // Reads to the end of the text after a stray closing line, at most this often (each is a parse of the rest).
  let widen = 16;
  /**
   * The fence markdown-it opened on a list item's dedented closing line (`open`, in `top`):
   * not a block. The lines it swallowed are read again, those still indented as the item's
   * (`indent`) at that indent. Its own closing line may be the next item's dedented closing
   * line (authors who dedent one do it everywhere), or code of a longer fence read again here.
   */
  const readStray = (top: Pending, open: Token, indent: number): void => {
    const [at, to] = open.map!;
    if (fenceClosed(open, lines) && to - 1 > at) {
      const close = to - 1;
      const region = parseAt(open, at + 1, close, indent);
      const item = region.findLast((t) => t.type === 'fence' && t.map?.[1] === close);
      const itemIndent = item && item.level > 0 ? fenceIndent(lines[item.map![0]]!) : null;
      if (
        item &&
        itemIndent !== null &&
        !fenceClosed(item, lines) &&
        closesDedented(lines[close], item.markup, itemIndent)
      ) {
        // The next item's fence, closed by it: the lines after it are that item's again.
        item.map = [item.map![0], close + 1];
        if (open.level === 0) readIndented(top, open, close + 1, itemIndent);
        pending.push({ tokens: region, next: 0, end: close });
        return;
      }
    }
    let again = parseAt(open, at + 1, to, indent);
    let end = to;
    // The line that closed the stray fence may be code of a longer or other fence after it
    // (```` or ~~~): then read on to the end, and rejoin the first parse at the first
    // top-level block both start on the same line (from there on they agree).
    const cut = again.some(
      (t) => t.type === 'fence' && t.map?.[1] === to && !fenceClosed(t, lines),
    );
    if (cut && open.level === 0 && widen > 0 && to < top.end) {
      widen--;
      const wide = parseAt(open, at + 1, top.end, indent);
      const starts = new Map<number, number>();
      for (let k = top.next; k < top.tokens.length; k++) {
        const t = top.tokens[k]!;
        if (t.level === 0 && t.nesting !== -1 && t.map && !starts.has(t.map[0]))
          starts.set(t.map[0], k);
      }
      const j = wide.findIndex(
        (t) => t.level === 0 && t.nesting !== -1 && t.map && t.map[0] >= to && starts.has(t.map[0]),
      );
      if (j >= 0) {
        again = wide.slice(0, j);
        end = wide[j]!.map![0];
        top.next = starts.get(end)!;
      } else {
        again = wide;
        end = top.end;
        top.next = top.tokens.length;
      }
    }
    pending.push({ tokens: again, next: 0, end });
  };
  /**
   * Lines from `from` that are still indented as a list item's (`indent`), read there at the
   * top level as they were: read them again at that indent, in place of what `top` made of
   * them, when `top` starts a top-level block right after them (else it stays as it is).
   */
  const readIndented = (top: Pending, token: Token, from: number, indent: number): void => {
    let to = from;
    while (to < top.end && (lines[to]!.trim() === '' || leading(lines[to]!) >= indent)) to++;
    while (to > from && lines[to - 1]!.trim() === '') to--;
    if (to === from) return;
    let k = top.next;
    while (k < top.tokens.length) {
      const t = top.tokens[k]!;
      if (t.level === 0 && t.nesting !== -1 && t.map && t.map[0] >= to) break;
      k++;
    }
    if (k < top.tokens.length && top.tokens[k]!.map![0] !== to) return;
    top.next = k;
    reread(token, from, to, indent);
  };
  let left = MAX_REPAIRS;
  while (pending.length > 0) {
    const top = pending[pending.length - 1]!;
    const open = top.tokens[top.next++];
    if (!open) {
      pending.pop();
      continue;
    }
    const stray = open.type === 'fence' && open.map ? strays.get(open.map[0]) : undefined;
    if (stray !== undefined) {
      strays.delete(open.map![0]);
      readStray(top, open, stray);
      continue;
    }
    out.push(open);
    if (left === 0 || open.type !== 'fence' || !open.map) continue;
    const [start, end] = open.map;
    const indent = fenceIndent(lines[start]!);
    // A fence after a list marker or in a quote: its lines are not simply indented.
    if (indent === null) continue;
    // At the top level the swallowed lines are read as they are (an indented opener does not indent them).
    const inner = open.level > 0 ? indent : 0;
    const closed = fenceClosed(open, lines);
    if (closed && !hidesOpener(open, lines, inner)) continue;
    if (!closed && open.level > 0 && closesDedented(lines[end], open.markup, indent)) {
      left--;
      open.map = [start, end + 1];
      strays.set(end, indent);
      continue;
    }
    const cut = cutPoint(lines, start, end, open.markup, inner);
    // A list item's fence with nothing in it to cut at ends with its item: the builder says so.
    if (open.level > 0 && cut.at === end && !closed) continue;
    left--;
    let last = cut.at;
    while (last > start + 1 && lines[last - 1]!.trim() === '') last--;
    if (cut.opener) {
      // "Then check the table:" between the cut code and the next fence leads into that fence.
      const lead = leadIn(lines, start + 1, last, inner);
      if (lead < last) {
        last = lead;
        while (last > start + 1 && lines[last - 1]!.trim() === '') last--;
      }
    }
    const code = lines.slice(start + 1, last).map((l) => dedent(l, indent));
    open.content = code.length > 0 ? `${code.join('\n')}\n` : '';
    open.map = [start, last];
    const repair = { openedLine: start + 1, lastLine: Math.max(last, start + 1), cut: cut.why };
    repairs.set(start + 1, repair);
    warnings.push({ line: start + 1, message: repairMessage(repair), severity: 'warning' });
    // What the block swallowed is Markdown again, with its own line numbers; what follows the
    // swallowed lines was parsed after the block ended, so it stands. Each line is parsed
    // again only by the repair that swallowed it: linear in the text.
    reread(open, last, end, inner);
  }
  return { tokens: out, warnings, repairs, lines };
}

/** The spaces before a fence opener at the start of its line; null when a list marker or `>` comes first. */
function fenceIndent(line: string): number | null {
  const n = leading(line);
  const c = line[n];
  return c === '`' || c === '~' ? n : null;
}

/** The spaces a line starts with. */
function leading(line: string): number {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
}

/** `line` without up to `n` leading spaces. */
function dedent(line: string, n: number): string {
  let i = 0;
  while (i < n && line.charCodeAt(i) === 32) i++;
  return i === 0 ? line : line.slice(i);
}

/** A bare closing fence for `markup`, indented less than the opener (outside its list item). */
function closesDedented(line: string | undefined, markup: string, indent: number): boolean {
  const m = line === undefined ? null : /^( *)(`{3,}|~{3,})[ \t]*$/.exec(line);
  return (
    m !== null && m[1]!.length < indent && m[2]![0] === markup[0] && m[2]!.length >= markup.length
  );
}

// Spaces CommonMark does not count as spaces: pasted from a wiki or a chat, they end a closing fence's line.
const ODD_SPACES = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]/;
const FENCE_LINE_ODD_END =
  /^([ \t>]*(?:`{3,}|~{3,}))[ \t]*[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff][ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\ufeff]*$/gm;

/**
 * A fence line (```, ~~~, also in a list item or quote) followed by no-break or other
 * Unicode spaces, without them: markdown-it reads "```" + NBSP as content, not as the
 * closing fence the author typed. Only those invisible trailing characters go, so every
 * line keeps its number and every other byte.
 */
export function trimFenceLines(text: string): string {
  return ODD_SPACES.test(text) ? text.replace(FENCE_LINE_ODD_END, '$1') : text;
}

/** A token list still to read, from `next`; it covers the lines before `end`. */
interface Pending {
  tokens: Token[];
  next: number;
  end: number;
}

/** What a repaired fence's warning and its step's confirmation say. */
export function repairMessage(repair: RepairedFence): string {
  return `code fence opened here is never closed; Runsheet ended its block at line ${repair.lastLine}, ${repair.cut}; its step runs only once you confirm the code as cut`;
}

/** The first line after an unclosed opener that cannot be its code, and why. */
function cutPoint(
  lines: string[],
  start: number,
  end: number,
  markup: string,
  indent: number,
): { at: number; why: string; opener?: boolean } {
  for (let n = start + 1; n < end; n++) {
    const line = dedent(lines[n]!, indent);
    if (CHECK_ITEM.test(line)) return { at: n, why: `before the checklist item on line ${n + 1}` };
    if (/^ {0,3}#{1,6}\s/.test(line) && n > start + 1 && lines[n - 1]!.trim() === '')
      return { at: n, why: `before the heading on line ${n + 1}` };
    const opener = OPENER.exec(line);
    if (opener && (opener[1]![0] !== markup[0] || opener[1]!.length >= markup.length))
      return { at: n, why: `before the code fence on line ${n + 1}`, opener: true };
  }
  return { at: end, why: 'at the end of the file' };
}

/**
 * Where a paragraph that leads into the next block starts (after a blank line; a sentence
 * of three words or more ending in ":", with no shell syntax, that does not read as shell:
 * "Then confirm the index exists:"); `last` when the lines before `last` are no such
 * paragraph. A line that could be a command (`echo Now check:`) stays code.
 */
function leadIn(lines: string[], first: number, last: number, indent: number): number {
  let p = last;
  while (p > first && lines[p - 1]!.trim() !== '') p--;
  if (p === first || p === last) return last;
  const para = lines.slice(p, last).map((l) => dedent(l, indent).trim());
  const text = para.join('\n');
  const prose =
    para.every((l) => !/[`$|;&<>={}\\]/.test(l) && /^[A-Za-z]/.test(l)) && !looksLikeShell(text);
  return prose && /^\S+(?:\s\S+){2,}:$/.test(text) ? p : last;
}

/** A line inside the block that opens a new block of the same fence (```bash): the outer one was left open. */
function hidesOpener(token: Token, lines: string[], indent: number): boolean {
  const [start, end] = token.map!;
  const char = token.markup[0]!;
  for (let n = start + 1; n < end - 1; n++) {
    const m = /^(`{3,}|~{3,})[ \t]*[^`~\s]/.exec(dedent(lines[n]!, indent));
    if (m && m[1]![0] === char && m[1]!.length >= token.markup.length) return true;
  }
  return false;
}

/** Whether a fence's last line is its closing fence (a block cut short by its container is not). */
export function fenceClosed(token: Token, lines: string[]): boolean {
  if (!token.map) return true;
  const [start, end] = token.map;
  if (end - start < 2) return false;
  // A fence in a blockquote closes on a quoted line ("> ```").
  const last = (lines[end - 1] ?? '').replace(/^(?:\s*>)+/, '').trim();
  const char = token.markup[0]!;
  return last.length >= token.markup.length && [...last].every((c) => c === char);
}

/** The 1-based line a token starts on. */
export function lineOf(token: Token): number {
  return (token.map?.[0] ?? 0) + 1;
}
