import MarkdownIt from 'markdown-it';
import type Token from 'markdown-it/lib/token.mjs';
import type { RunbookWarning } from '../model';

// markdown-it: CommonMark + GFM tables, linear time, ~50 ms per MB (remark was ~40x slower here).
export const md = new MarkdownIt({ html: true, linkify: false });
// The model needs block structure and the raw text of inline runs, not inline tokens:
// skipping inline tokenizing halves the parse time (rendering happens in the UI).
md.core.ruler.disable(['inline', 'linkify', 'replacements', 'smartquotes', 'text_join']);

/** How many unclosed fences the parser will repair before giving up and warning only. */
const MAX_REPAIRS = 50;

/**
 * A top-level fence that is never closed would swallow the rest of the file,
 * or pair up with the closing line of a later block (a later opener such as
 * ```bash inside it gives that away). When a heading follows it after a blank
 * line, end the block at that blank line (line numbers stay the same) and say so.
 */
export function repairFences(body: string): {
  body: string;
  tokens: Token[];
  warnings: RunbookWarning[];
} {
  const warnings: RunbookWarning[] = [];
  const reported = new Set<number>();
  let current = body;
  let tokens = md.parse(current, {});
  for (let i = 0; i < MAX_REPAIRS; i++) {
    const lines = current.split('\n');
    const open = tokens.find(
      (t) =>
        t.type === 'fence' &&
        t.level === 0 &&
        !reported.has(t.map?.[0] ?? -1) &&
        (!fenceClosed(t, lines) || hidesOpener(t, lines)),
    );
    if (!open || !open.map) break;
    const [start, end] = open.map;
    reported.add(start);
    let heading = -1;
    for (let n = start + 2; n < end; n++) {
      if (/^#{1,6}\s/.test(lines[n]!) && lines[n - 1]!.trim() === '') {
        heading = n;
        break;
      }
    }
    if (heading < 0) {
      warnings.push({
        line: start + 1,
        message: fenceClosed(open, lines)
          ? 'code fence opened here seems never closed (another block opens inside it); check its closing fence'
          : 'code fence opened here is never closed; everything after it is read as code',
      });
      continue;
    }
    warnings.push({
      line: start + 1,
      message: `code fence opened here is never closed; Runsheet ended it before the heading on line ${heading + 1}`,
    });
    lines[heading - 1] = open.markup;
    current = lines.join('\n');
    tokens = md.parse(current, {});
  }
  return { body: current, tokens, warnings };
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

function fenceClosed(token: Token, lines: string[]): boolean {
  if (!token.map) return true;
  const [start, end] = token.map;
  if (end - start < 2) return false;
  const last = (lines[end - 1] ?? '').trim();
  const char = token.markup[0]!;
  return last.length >= token.markup.length && [...last].every((c) => c === char);
}

/** The 1-based line a token starts on. */
export function lineOf(token: Token): number {
  return (token.map?.[0] ?? 0) + 1;
}
