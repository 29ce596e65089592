/**
 * Shell code as the commands it would run, from a real parse. The parser is
 * tree-sitter-bash (the grammar GitHub and editors use for bash highlighting and
 * navigation), run as WebAssembly through web-tree-sitter: no native build for
 * Electron, the same parse on every platform, and an error-tolerant tree, so a
 * half-written step still yields the commands it does contain. It reads POSIX sh
 * and most zsh that runbooks use as well.
 */
import { createRequire } from 'node:module';
import { Language, Parser, type Node } from 'web-tree-sitter';

// Loaded once per process, before any module that parses runbooks runs (top-level await).
await Parser.init();
const BASH = await Language.load(
  createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm'),
);
const parser = new Parser();
parser.setLanguage(BASH);

/** A redirection of a command's output or input. */
export interface Redirect {
  op: string;
  target: string;
}

/** One command the shell would run, with its arguments as far as they can be known without running anything. */
export interface Invocation {
  /** The command word ('' for a bare redirection such as `> file`). */
  name: string;
  args: string[];
  redirects: Redirect[];
  /** Text fed on standard input by a heredoc or here-string. */
  stdin: string | null;
  /** The command before this one in a pipeline: what its input comes from. */
  pipedFrom: Invocation | null;
  /** Commands run by substitutions inside the arguments (`$(…)`, `<(…)`). */
  substitutions: Invocation[];
  /** 0-based row in the parsed text. */
  row: number;
  /** The command as written. */
  text: string;
}

/** Every command in `code`, in order, including those in pipelines, lists, loops, functions and substitutions. */
export function commandsOf(code: string): Invocation[] {
  // Thousands of steps per runbook at most; a tree per call is cheap (microseconds each).
  const tree = parser.parse(code);
  if (!tree) throw new Error('the shell parser gave no tree');
  try {
    const found: Invocation[] = [];
    walk(tree.rootNode, found);
    return found;
  } finally {
    tree.delete();
  }
}

/**
 * The rows (0-based) of `code` on which a top-level command ends, each with the row its last
 * command there starts on: a heredoc's body and a multi-line `if` belong to their command.
 * Null when the parse has errors (the shell may read it otherwise). Used to report each
 * failing command of a step in shells without an ERR trap (sessions/integration/instrument.ts).
 */
export function topLevelEnds(code: string): Array<{ start: number; end: number }> | null {
  const tree = parser.parse(code);
  if (!tree) return null;
  try {
    if (tree.rootNode.hasError) return null;
    const ends = new Map<number, number>();
    for (const child of tree.rootNode.namedChildren) {
      if (!child || child.type === 'comment') continue;
      // A command ending at column 0 ended with the line before (a heredoc's newline).
      const { row, column } = child.endPosition;
      const end = column === 0 && row > child.startPosition.row ? row - 1 : row;
      ends.set(end, child.startPosition.row);
    }
    return [...ends].map(([end, start]) => ({ start, end })).sort((a, b) => a.end - b.end);
  } finally {
    tree.delete();
  }
}

/** Deeper trees than this are refused (the step asks, unchecked) rather than overflowing the stack. */
const MAX_NESTING = 1500;

/** How deep `walk` is now (substitutions and nested statements included). */
let level = 0;

function walk(
  node: Node,
  out: Invocation[],
  pipedFrom: Invocation | null = null,
): Invocation | null {
  if (level >= MAX_NESTING) throw new Error(`statements nested more than ${MAX_NESTING} deep`);
  level++;
  try {
    return walkNode(node, out, pipedFrom);
  } finally {
    level--;
  }
}

function walkNode(node: Node, out: Invocation[], pipedFrom: Invocation | null): Invocation | null {
  switch (node.type) {
    case 'comment':
      return null;
    case 'command':
      return pushCommand(node, [], out, pipedFrom);
    case 'redirected_statement': {
      const body = node.childForFieldName('body');
      const redirects = node.namedChildren.filter(
        (c): c is Node => c !== null && c !== body && c.type.endsWith('redirect'),
      );
      if (body?.type === 'command') return pushCommand(body, redirects, out, pipedFrom);
      // A pipeline, list or compound statement with redirections: its output goes where the
      // last command's would, and a heredoc feeds the first command.
      const extra = invocationOf('', [], redirects, node, pipedFrom);
      if (!body) {
        // A bare redirection: `> file` empties the file.
        out.push(extra);
        return extra;
      }
      const start = out.length;
      const last = walk(body, out, pipedFrom);
      const first = out[start];
      if (last) last.redirects.push(...extra.redirects);
      if (first && extra.stdin !== null) first.stdin = (first.stdin ?? '') + extra.stdin;
      return last;
    }
    case 'pipeline': {
      let previous: Invocation | null = pipedFrom;
      for (const child of node.namedChildren) {
        if (!child) continue;
        previous = walk(child, out, previous) ?? previous;
      }
      return previous;
    }
    default: {
      let last: Invocation | null = null;
      for (const child of node.namedChildren) if (child) last = walk(child, out) ?? last;
      return last;
    }
  }
}

function pushCommand(
  node: Node,
  outer: Node[],
  out: Invocation[],
  pipedFrom: Invocation | null,
): Invocation {
  const nameNode = node.childForFieldName('name');
  const args: Node[] = [];
  const redirects: Node[] = [...outer];
  for (const child of node.namedChildren) {
    if (!child || child.type === 'command_name') continue;
    if (child.type.endsWith('redirect')) redirects.push(child);
    else if (child.type !== 'variable_assignment') args.push(child);
  }
  const inv = invocationOf(nameNode ? textOf(nameNode) : '', args, redirects, node, pipedFrom);
  // Substitutions run before the command: list them first, as the shell would.
  for (const child of node.namedChildren) if (child) collectSubstitutions(child, inv, out);
  for (const r of redirects) collectSubstitutions(r, inv, out);
  out.push(inv);
  // What follows a heredoc's start on its line (`cat <<EOF | psql`, `<<EOF && next`) hangs
  // off the heredoc in the tree: those commands come after this one, the first fed by it.
  let last = inv;
  for (const r of redirects) {
    if (r.type !== 'heredoc_redirect') continue;
    for (const c of r.namedChildren) {
      if (!c || HEREDOC_PARTS.has(c.type)) continue;
      last = walk(c, out, c.type === 'pipeline' ? inv : null) ?? last;
    }
  }
  return last;
}

const HEREDOC_PARTS = new Set([
  'heredoc_start',
  'heredoc_body',
  'heredoc_end',
  'file_redirect',
  'heredoc_content',
]);

function invocationOf(
  name: string,
  args: Node[],
  redirects: Node[],
  node: Node,
  pipedFrom: Invocation | null,
): Invocation {
  const inv: Invocation = {
    name,
    args: args.map(textOf),
    redirects: [],
    stdin: null,
    pipedFrom,
    substitutions: [],
    row: node.startPosition.row,
    text: node.text,
  };
  for (const r of redirects) {
    if (r.type === 'heredoc_redirect') {
      const body = r.namedChildren.find((c) => c?.type === 'heredoc_body');
      inv.stdin = (inv.stdin ?? '') + (body?.text ?? '');
      // `cat <<EOF > file`: the redirections after the heredoc's start.
      for (const c of r.namedChildren) {
        if (c?.type === 'file_redirect') inv.redirects.push(redirectOf(c));
      }
    } else if (r.type === 'herestring_redirect') {
      const value = r.namedChildren[r.namedChildren.length - 1];
      inv.stdin = (inv.stdin ?? '') + (value ? textOf(value) : '') + '\n';
    } else if (r.type === 'file_redirect') {
      inv.redirects.push(redirectOf(r));
    }
  }
  return inv;
}

function redirectOf(node: Node): Redirect {
  const dest =
    node.childForFieldName('destination') ?? node.namedChildren[node.namedChildren.length - 1];
  let op = '';
  for (const c of node.children) if (c && !c.isNamed) op += c.text;
  return { op: op.trim(), target: dest ? textOf(dest) : '' };
}

function collectSubstitutions(node: Node, inv: Invocation, out: Invocation[]): void {
  if (node.type === 'command_substitution' || node.type === 'process_substitution') {
    const inner: Invocation[] = [];
    for (const child of node.namedChildren) if (child) walk(child, inner);
    inv.substitutions.push(...inner);
    out.push(...inner);
    return;
  }
  if (
    node.type === 'heredoc_body' ||
    node.type.endsWith('string') ||
    node.type === 'concatenation' ||
    node.type === 'expansion' ||
    node.type.endsWith('redirect') ||
    node.type === 'variable_assignment' ||
    node.type === 'word' ||
    node.type === 'array'
  ) {
    for (const child of node.namedChildren) if (child) collectSubstitutions(child, inv, out);
  }
}

/**
 * An argument's text as the shell would pass it, where that needs no running:
 * quotes and escapes removed; expansions (`$NS`, `$(…)`) kept as written.
 */
export function textOf(node: Node): string {
  switch (node.type) {
    case 'word':
      // A backslash-newline inside a word is a line continuation: nothing.
      return node.text.replace(/\\\n/g, '').replace(/\\(.)/g, '$1');
    case 'raw_string':
      return node.text.slice(1, -1);
    case 'ansi_c_string':
      return node.text.slice(2, -1);
    case 'string': {
      // The content between the quotes, as written (expansions included).
      const inner = node.text.slice(1, -1);
      return inner.replace(/\\([$`"\\\n])/g, '$1');
    }
    case 'translated_string':
      return node.text.slice(2, -1);
    case 'concatenation': {
      let s = '';
      for (const c of node.namedChildren) if (c) s += textOf(c);
      return s;
    }
    case 'command_name': {
      const c = node.namedChildren[0];
      return c ? textOf(c) : node.text;
    }
    default:
      return node.text;
  }
}
