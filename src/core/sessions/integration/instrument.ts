import { topLevelEnds } from '../../guard/bash';

/**
 * A step's code for POSIX sh (dash, busybox ash), which has no ERR trap: a line
 * `__runsheet_st N` after each top-level command, N being the 1-based line of that
 * command in `code`, so each failing command is reported (sh-integration.sh). Lines of
 * the step keep their text and order; a command that shares its line with another
 * reports as the last one on that line. Under errexit the first failure returns from
 * the sourced step. Code the parser cannot read whole (a syntax error) runs as written:
 * then only the step's last status is known, and `instrumented` says so.
 *
 * Written here rather than wrapping each line in `eval`, which would break every
 * command spanning lines (heredocs, `if`, loops, continuations).
 */
export function instrumentForSh(
  code: string,
  errexit: boolean,
): { code: string; instrumented: boolean } {
  const ends = topLevelEnds(code);
  if (!ends) return { code, instrumented: false };
  const lines = code.replace(/\n$/, '').split('\n');
  const after = new Map(ends.map(({ start, end }) => [end, start + 1]));
  const out: string[] = [];
  lines.forEach((line, row) => {
    out.push(line);
    const reported = after.get(row);
    if (reported !== undefined) out.push(`__runsheet_st ${reported}${errexit ? ' || return' : ''}`);
  });
  return { code: `${out.join('\n')}\n`, instrumented: true };
}
