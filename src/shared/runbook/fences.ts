import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import type { RepairedFence, RunbookWarning } from '../model';

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
 * A top-level fence that is never closed would swallow the rest of the file,
 * or pair up with the closing line of a later block (a later opener such as
 * ```bash inside it gives that away). Its block ends before the first line that
 * cannot be its code: a checklist item, a heading after a blank line, another
 * fence's opener; else at the end of the file. The rest is read as Markdown
 * again, with the same line numbers. Each repair is a warning, and the step made
 * from the block carries it (`repairs`, by the opener's line): it runs only once
 * confirmed, showing the code as cut.
 */
export function repairFences(body: string): {
  tokens: Token[];
  warnings: RunbookWarning[];
  repairs: Map<number, RepairedFence>;
} {
  const warnings: RunbookWarning[] = [];
  const repairs = new Map<number, RepairedFence>();
  const lines = body.split('\n');
  const out: Token[] = [];
  // Token lists still to read, innermost last: what a repaired block had swallowed is read
  // before what followed it.
  const pending: Array<{ tokens: Token[]; next: number }> = [
    { tokens: md.parse(body, {}), next: 0 },
  ];
  let left = MAX_REPAIRS;
  while (pending.length > 0) {
    const top = pending[pending.length - 1]!;
    const open = top.tokens[top.next++];
    if (!open) {
      pending.pop();
      continue;
    }
    out.push(open);
    if (
      left === 0 ||
      open.type !== 'fence' ||
      open.level !== 0 ||
      !open.map ||
      (fenceClosed(open, lines) && !hidesOpener(open, lines))
    )
      continue;
    left--;
    const [start, end] = open.map;
    const cut = cutPoint(lines, start, end, open.markup);
    let last = cut.at;
    while (last > start + 1 && lines[last - 1]!.trim() === '') last--;
    const indent = /^ */.exec(lines[start]!)![0].length;
    const code = lines
      .slice(start + 1, last)
      .map((l) => l.replace(new RegExp(`^ {0,${indent}}`), ''));
    open.content = code.length > 0 ? `${code.join('\n')}\n` : '';
    open.map = [start, last];
    const repair = { openedLine: start + 1, lastLine: Math.max(last, start + 1), cut: cut.why };
    repairs.set(start + 1, repair);
    warnings.push({ line: start + 1, message: repairMessage(repair), severity: 'warning' });
    // What the block swallowed is Markdown again, with its own line numbers; what follows the
    // swallowed lines was parsed after the block ended, so it stands. Each line is parsed
    // again only by the repair that swallowed it: linear in the text.
    const again = md.parse(lines.slice(last, end).join('\n'), {});
    for (const t of again) if (t.map) t.map = [t.map[0] + last, t.map[1] + last];
    pending.push({ tokens: again, next: 0 });
  }
  return { tokens: out, warnings, repairs };
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
): { at: number; why: string } {
  for (let n = start + 1; n < end; n++) {
    const line = lines[n]!;
    if (CHECK_ITEM.test(line)) return { at: n, why: `before the checklist item on line ${n + 1}` };
    if (/^ {0,3}#{1,6}\s/.test(line) && n > start + 1 && lines[n - 1]!.trim() === '')
      return { at: n, why: `before the heading on line ${n + 1}` };
    const opener = OPENER.exec(line);
    if (opener && (opener[1]![0] !== markup[0] || opener[1]!.length >= markup.length))
      return { at: n, why: `before the code fence on line ${n + 1}` };
  }
  return { at: end, why: 'at the end of the file' };
}

/** A line inside the block that opens a new block of the same fence (```bash): the outer one was left open. */
function hidesOpener(token: Token, lines: string[]): boolean {
  const [start, end] = token.map!;
  const char = token.markup[0]!;
  for (let n = start + 1; n < end - 1; n++) {
    const m = /^(`{3,}|~{3,})[ \t]*[^`~\s]/.exec(lines[n]!);
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
