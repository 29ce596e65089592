/**
 * Which commands of a step cannot be undone: the shell parse (bash.ts) gives the
 * commands, wrappers (`sudo`, `env`, `xargs`, `ssh host …`, `sh -c …`, `find -exec`)
 * are looked through to the command they run, and the rule table says which of
 * those are destructive and why.
 */
import picomatch from 'picomatch';
import type { DangerFlag, DangerRule, Severity } from '../../shared/model';
import { commandsOf, type Invocation } from './bash';
import { basename, remoteShell, SHELL_NAMES, unwrapOnce } from './wrappers';

/** A step's command, as the rules see it: the program and its arguments, wrappers removed. */
interface Command {
  name: string;
  args: string[];
  inv: Invocation;
}

const DRY_RUN = [
  '--dry-run',
  '--dryrun',
  '--dry-run=*',
  '--check',
  '--what-if',
  '--whatif',
  '--noop',
  '--simulate',
  '--preview',
];
const SEVERITY_RANK: Record<Severity, number> = { high: 0, medium: 1, low: 2 };
/** How deep `sh -c "ssh h 'sudo bash -c …'"` is followed. */
const MAX_DEPTH = 6;

interface CompiledRule {
  rule: DangerRule;
  command: (name: string) => boolean;
  words: Array<(word: string) => boolean>;
  arg: RegExp | null;
  sql: RegExp | null;
  sqlNot: RegExp | null;
  redirect: RegExp | null;
  pipeFrom: Set<string> | null;
  dryRun: string[];
}

/** The rules, compiled once: a workspace's own after the built-in ones. */
export class DangerDetector {
  private readonly rules: CompiledRule[];

  /**
   * A step none of whose words is a program some rule names (and with no `>`) cannot
   * be flagged: every command a parse could find, nested ones included, is spelled in
   * its text. Most steps are like that, so they skip the parse.
   */
  private readonly mayMatch: RegExp | null;

  constructor(rules: DangerRule[]) {
    this.rules = rules.map(compile);
    this.mayMatch = prefilter(rules);
  }

  /** Flags for the shell code of one step; `firstLine` is the file line its first line is on. */
  analyzeShell(code: string, firstLine: number, sourceLines?: string[]): DangerFlag[] {
    if (this.mayMatch && !this.mayMatch.test(code)) return [];
    const flags: DangerFlag[] = [];
    this.collect(code, 0, (command, flag) => {
      const line = lineOf(command.inv, firstLine, sourceLines);
      flags.push({ ...flag, line, command: oneLine(command.inv.text) });
    });
    return dedupe(flags);
  }

  /** Flags for SQL run as a step (a ```sql block with an interpreter). */
  analyzeSql(code: string, firstLine: number, client: string): DangerFlag[] {
    const inv: Invocation = {
      name: client,
      args: [],
      redirects: [],
      stdin: code,
      pipedFrom: null,
      substitutions: [],
      row: 0,
      text: code,
    };
    const flags: DangerFlag[] = [];
    const flag = this.match({ name: client, args: [], inv });
    if (flag) flags.push({ ...flag, line: firstLine, command: oneLine(code) });
    return flags;
  }

  private collect(
    code: string,
    depth: number,
    found: (command: Command, flag: Omit<DangerFlag, 'line' | 'command'>) => void,
    origin?: Invocation,
  ): void {
    if (depth > MAX_DEPTH) return;
    for (const inv of commandsOf(code)) {
      // A nested script's commands are reported at the line of the command that runs it.
      const at = origin ?? inv;
      for (const command of this.unwrap(
        { name: inv.name, args: inv.args, inv },
        depth,
        found,
        at,
      )) {
        const flag = this.match(command);
        if (flag) found({ ...command, inv: at }, flag);
      }
    }
  }

  /**
   * The command a wrapper runs (`sudo -u x cmd`, `xargs -0 cmd`, `timeout 5 cmd`), and
   * scripts it hands to a shell (`sh -c '…'`, `ssh host '…'`, `bash <<EOF`), followed.
   */
  private unwrap(
    command: Command,
    depth: number,
    found: (command: Command, flag: Omit<DangerFlag, 'line' | 'command'>) => void,
    at: Invocation,
  ): Command[] {
    const out: Command[] = [];
    let { name, args } = command;
    for (let guard = 0; guard < 12; guard++) {
      const base = basename(name);
      const wrapped = unwrapOnce(base, args);
      if (wrapped === null) break;
      if ('script' in wrapped) {
        // `sh -c "$(curl …)"` runs what it downloads: the shell itself is judged too.
        if (SHELL_NAMES.has(base)) out.push({ name: base, args, inv: command.inv });
        this.collect(wrapped.script, depth + 1, found, at);
        return out;
      }
      if (base === 'xargs' || base === 'find') out.push({ name, args, inv: command.inv });
      if (wrapped.name === '') return out;
      ({ name, args } = wrapped);
    }
    const base = basename(name);
    // A shell reading its script from a heredoc or here-string: `bash <<'EOF' … EOF`, `ssh host bash -s <<EOF`.
    if (
      SHELL_NAMES.has(base) &&
      command.inv.stdin !== null &&
      !args.some((a) => !a.startsWith('-'))
    ) {
      this.collect(command.inv.stdin, depth + 1, found, at);
    }
    if (
      base === 'ssh' ||
      base === 'kubectl' ||
      base === 'oc' ||
      base === 'docker' ||
      base === 'podman'
    ) {
      // A remote or container shell fed a heredoc: `ssh host <<EOF`, `kubectl exec -i pod -- sh <<EOF`.
      if (command.inv.stdin !== null && remoteShell(base, args))
        this.collect(command.inv.stdin, depth + 1, found, at);
    }
    out.push({ name: base, args, inv: command.inv });
    return out;
  }

  private match(command: Command): Omit<DangerFlag, 'line' | 'command'> | null {
    let best: Omit<DangerFlag, 'line' | 'command'> | null = null;
    for (const c of this.rules) {
      const flag = matchRule(c, command);
      if (flag && (!best || SEVERITY_RANK[flag.severity] < SEVERITY_RANK[best.severity]))
        best = flag;
    }
    return best;
  }
}

/** A test any text a rule could flag passes: the rules' program names as words, or a `>`; null when a rule names any program. */
function prefilter(rules: DangerRule[]): RegExp | null {
  const names = new Set<string>();
  for (const rule of rules) {
    if (rule.redirect) continue; // needs a `>`, tested below
    for (const glob of Array.isArray(rule.command) ? rule.command : [rule.command]) {
      const literal = /^[^*?[{]*/.exec(glob)![0];
      if (!literal) return null;
      const escaped = literal.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.add(literal === glob ? `${escaped}(?![\\w-])` : escaped);
    }
  }
  return new RegExp(`>|(?<![\\w-])(?:${[...names].join('|')})`);
}

function compile(rule: DangerRule): CompiledRule {
  const globs = Array.isArray(rule.command) ? rule.command : [rule.command];
  const exact = new Set(globs.filter((g) => !/[*?[{]/.test(g)));
  const patterns = globs.filter((g) => /[*?[{]/.test(g)).map((g) => picomatch(g, { dot: true }));
  return {
    rule,
    command: (name) => exact.has(name) || patterns.some((p) => p(name)),
    words: (rule.words ?? []).map((w) => {
      if (!/[*?[{]/.test(w)) return (word: string) => word === w;
      const m = picomatch(w, { dot: true });
      return (word: string) => m(word);
    }),
    arg: rule.arg ? new RegExp(rule.arg) : null,
    sql: rule.sql ? new RegExp(rule.sql, 'i') : null,
    sqlNot: rule.sqlNot ? new RegExp(rule.sqlNot, 'i') : null,
    redirect: rule.redirect ? new RegExp(rule.redirect) : null,
    pipeFrom: rule.pipeFrom ? new Set(rule.pipeFrom) : null,
    dryRun: rule.dryRun ?? DRY_RUN,
  };
}

function matchRule(c: CompiledRule, command: Command): Omit<DangerFlag, 'line' | 'command'> | null {
  const { rule } = c;
  const { name, args, inv } = command;
  let target = '';
  if (c.redirect) {
    if (!(rule.command === '*' || c.command(name))) return null;
    const hit = inv.redirects.find(
      (r) => /^(?:>|>\||&>|>&)$/.test(r.op) && c.redirect!.test(r.target),
    );
    if (!hit) return null;
    target = hit.target;
  } else {
    if (!c.command(name)) return null;
    const positional = args.filter((a) => !a.startsWith('-'));
    let after = 0;
    for (const word of c.words) {
      const i = positional.findIndex((p, j) => j >= after && word(p));
      if (i < 0) return null;
      after = i + 1;
    }
    if (rule.anyFlag && !rule.anyFlag.some((f) => hasFlag(args, f))) return null;
    if (rule.noFlag && rule.noFlag.some((f) => hasFlag(args, f) || positional.includes(f)))
      return null;
    if (c.arg && !args.some((a) => c.arg!.test(a))) return null;
    if (c.sql && !sqlMatches(c, sqlText(command))) return null;
    if (c.pipeFrom && !fedFrom(inv, c.pipeFrom) && !substitutedFrom(inv, c.pipeFrom)) return null;
    if (c.pipeFrom && positional.length > 0 && !substitutedFrom(inv, c.pipeFrom)) return null; // runs a script file, not the pipe
    target = positional
      .slice(c.words.length ? after : 0)
      .filter((p) => /^[\w$./:@%=,~*<[-][^\s{}"']*$/.test(p) && !/^[;+]$/.test(p))
      .slice(0, 4)
      .join(' ');
  }
  const dry = c.dryRun.some((f) => hasFlag(args, f)) && !hasFlag(args, '--dry-run=none');
  const severity: Severity = dry ? 'low' : rule.severity;
  let reason = fillReason(rule.reason, target);
  if (dry && rule.severity !== 'low') reason += ' (dry run: changes nothing)';
  return { rule: rule.name, severity, reason };
}

/** The statements a database client is given: `-c`/`-e`/`--eval` values, arguments, a heredoc, a pipe. */
function sqlText(command: Command): string {
  const parts = [command.args.join(' ')];
  if (command.inv.stdin !== null) parts.push(command.inv.stdin);
  let from = command.inv.pipedFrom;
  while (from) {
    const base = basename(from.name);
    if (base === 'echo' || base === 'printf')
      parts.push(from.args.filter((a) => !/^-[neE]+$/.test(a)).join(' '));
    if (from.stdin !== null) parts.push(from.stdin);
    from = from.pipedFrom;
  }
  return parts.join(';\n');
}

function sqlMatches(c: CompiledRule, text: string): boolean {
  // Statement by statement, so "DELETE FROM a; SELECT … WHERE" still flags the DELETE.
  return text.split(';').some((s) => c.sql!.test(s) && !(c.sqlNot && c.sqlNot.test(s)));
}

/** `curl … | sh`, `curl … | tee x | sudo bash`. */
function fedFrom(inv: Invocation, from: Set<string>): boolean {
  for (let p = inv.pipedFrom; p; p = p.pipedFrom) {
    if (from.has(basename(p.name))) return true;
    for (const s of p.substitutions) if (from.has(basename(s.name))) return true;
  }
  return false;
}

/** `bash <(curl …)`, `sh -c "$(curl …)"`. */
function substitutedFrom(inv: Invocation, from: Set<string>): boolean {
  return inv.substitutions.some((s) => from.has(basename(s.name)));
}

/**
 * Whether an option is given: `-r` also inside `-rf`; `--x` also as `--x=v`;
 * `--x=v` also as `--x v`; a value may be a glob (`--dry-run=*`).
 */
export function hasFlag(args: string[], spec: string): boolean {
  const eq = spec.indexOf('=');
  if (eq > 0) {
    const opt = spec.slice(0, eq);
    const want = picomatch(spec.slice(eq + 1) || '""');
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a.startsWith(`${opt}=`) && want(a.slice(opt.length + 1))) return true;
      if (a === opt && args[i + 1] !== undefined && want(args[i + 1]!)) return true;
      // -s0, -sKILL
      if (
        !opt.startsWith('--') &&
        opt.length === 2 &&
        a.startsWith(opt) &&
        a.length > 2 &&
        want(a.slice(2))
      )
        return true;
    }
    return false;
  }
  if (spec.startsWith('--')) return args.some((a) => a === spec || a.startsWith(`${spec}=`));
  if (/^-[a-zA-Z]$/.test(spec)) {
    const letter = spec[1]!;
    // A cluster of one-letter options: -rf, -fR (not a long single-dash option like -delete).
    return args.some(
      (a) =>
        a === spec ||
        (/^-[a-zA-Z]{2,4}$/.test(a) && a.includes(letter) && !LONG_SINGLE_DASH.has(a)),
    );
  }
  return args.includes(spec);
}

/** Single-dash long options that look like letter clusters. */
const LONG_SINGLE_DASH = new Set([
  '-name',
  '-type',
  '-exec',
  '-path',
  '-size',
  '-user',
  '-perm',
  '-prune',
  '-print',
  '-mmin',
  '-ok',
  '-depth',
  '-newer',
  '-empty',
  '-iname',
  '-regex',
  '-lname',
  '-links',
  '-group',
  '-xdev',
  '-mount',
  '-help',
]);

function fillReason(template: string, target: string): string {
  return template.replace(/\{target(?::([^}]*))?\}/g, (_m, fallback: string | undefined) =>
    target ? target : (fallback ?? 'its arguments'),
  );
}

function oneLine(text: string): string {
  const line = text
    .replace(/\s*\\\n\s*/g, ' ')
    .split('\n')[0]!
    .trim();
  return line.length > 120 ? `${line.slice(0, 117)}…` : line;
}

/** The file line of a command: its row in the step's code, checked against the file's text. */
function lineOf(inv: Invocation, firstLine: number, sourceLines?: string[]): number {
  const guess = firstLine + inv.row;
  if (!sourceLines) return guess;
  const head = inv.text.split('\n')[0]!.trim();
  if (!head) return guess;
  // Transcripts drop prompts and output lines: find the command's own line near the guess.
  for (let d = 0; d < 200; d++) {
    for (const n of [guess + d, guess - d]) {
      if (n >= firstLine && sourceLines[n - 1]?.includes(head)) return n;
    }
  }
  return guess;
}

/** One flag per command and rule; a step lists them in order. */
function dedupe(flags: DangerFlag[]): DangerFlag[] {
  const seen = new Set<string>();
  return flags.filter((f) => {
    const key = `${f.line}\0${f.rule}\0${f.command}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
