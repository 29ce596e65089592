/**
 * Which commands of a step cannot be undone: the shell parse (bash.ts) gives the
 * commands, wrappers (`sudo`, `env`, `xargs`, `ssh host …`, `sh -c …`, `find -exec`)
 * are looked through to the command they run, and the rule table says which of
 * those are destructive and why.
 */
import picomatch from 'picomatch';
import { RE2JS } from 're2js';
import type { DangerFlag, DangerRule, Severity } from '../../shared/model';
import { commandsOf, type Invocation } from './bash';
import { basename, SHELL_NAMES, STDIN_SHELLS, unwrapOnce } from './wrappers';

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
  arg: Pattern | null;
  sql: Pattern | null;
  sqlNot: Pattern | null;
  redirect: Pattern | null;
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

  /**
   * `own` are a workspace's rules: their patterns run on RE2 (re2js), whose matching
   * time is linear in the text, so no pattern a workspace commits can hang the app.
   * The built-in patterns are ours and run on JavaScript's own engine.
   */
  constructor(rules: DangerRule[], own: DangerRule[] = []) {
    this.rules = [
      ...rules.map((r) => compile(r, nativePattern)),
      ...own.map((r) => compile(r, linearPattern)),
    ];
    this.mayMatch = prefilter([...rules, ...own]);
  }

  /** Flags for the shell code of one step; `firstLine` is the file line its first line is on. */
  analyzeShell(code: string, firstLine: number, sourceLines?: string[]): DangerFlag[] {
    // Quotes and backslashes removed first: `r""m` and `\\rm` are rm to the shell.
    if (this.mayMatch && !this.mayMatch.test(code.replace(/["'\\]/g, ''))) return [];
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
    // Past this depth nothing is known of what runs: fail closed, as for a step that cannot be parsed.
    if (depth > MAX_DEPTH) throw new Error(`scripts nested more than ${MAX_DEPTH} deep`);
    // A backslash-newline inside a word joins it (`rm -\<newline>rf` is `rm -rf`); the
    // parser would read two words.
    for (const inv of commandsOf(code.replace(/(?<=\S)\\\n(?=\S)/g, ''))) {
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
    const stdin = command.inv.stdin ?? pipedScript(command.inv.pipedFrom);
    // A script on standard input (a heredoc, a here-string, `echo … |`, `cat <<EOF |`) for
    // something that runs it: `bash <<EOF`, `sudo -i <<EOF`, `ssh host sudo bash <<EOF`.
    if (stdin !== null && readsScript(command.name, command.args))
      this.collect(stdin, depth + 1, found, at);
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
      if (wrapped.name === '') {
        // `exec > /etc/hosts`, `sudo -i`: the wrapper itself, for what it redirects.
        out.push({ name: base, args, inv: command.inv });
        return out;
      }
      ({ name, args } = wrapped);
    }
    out.push({ name: basename(name), args, inv: command.inv });
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

/**
 * Whether a command runs what comes on its standard input as a shell script: a shell
 * given no script file, a remote or elevated shell (`ssh host`, `sudo -i`, `su -`), or a
 * wrapper whose command is one of those (`ssh host sudo bash`, `kubectl exec -i pod -- sh`).
 */
function readsScript(name: string, args: string[]): boolean {
  const words = [name, ...args].map(basename);
  if (!words.some((w) => STDIN_SHELLS.has(w))) return false;
  const base = words[0]!;
  if (SHELL_NAMES.has(base)) return !args.some((a) => !a.startsWith('-'));
  if (base === 'ssh' || base === 'su') return true;
  if (base === 'sudo' || base === 'doas' || base === 'pkexec')
    return (
      args.length === 0 ||
      args.some((a) => /^-[a-zA-Z]*[is][a-zA-Z]*$/.test(a)) ||
      words.slice(1).some((w) => SHELL_NAMES.has(w) || w === 'su')
    );
  return words.slice(1).some((w) => SHELL_NAMES.has(w));
}

/** The text piped into a command by `echo …`, `printf …` or `cat <<EOF`, if that is what feeds it. */
function pipedScript(from: Invocation | null): string | null {
  if (!from) return null;
  const base = basename(from.name);
  if (base === 'echo' || base === 'printf')
    return from.args
      .filter((a) => !/^-[neE]+$/.test(a))
      .join(' ')
      .replace(/\\n/g, '\n');
  if (base === 'cat' && from.stdin !== null && from.args.length === 0) return from.stdin;
  return null;
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
  // No boundary before a name: `-crm` is `-c rm` to su.
  return new RegExp(`>|(?:${[...names].join('|')})`);
}

/** A compiled regular expression, by whichever engine runs it. */
interface Pattern {
  test(text: string): boolean;
}

function nativePattern(source: string, ignoreCase: boolean): Pattern {
  return new RegExp(source, ignoreCase ? 'i' : '');
}

function linearPattern(source: string, ignoreCase: boolean): Pattern {
  const re = RE2JS.compile(source, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  return { test: (text) => re.matcher(text).find() };
}

function compile(
  rule: DangerRule,
  pattern: (source: string, ignoreCase: boolean) => Pattern,
): CompiledRule {
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
    arg: rule.arg ? pattern(rule.arg, false) : null,
    sql: rule.sql ? pattern(rule.sql, true) : null,
    sqlNot: rule.sqlNot ? pattern(rule.sqlNot, true) : null,
    redirect: rule.redirect ? pattern(rule.redirect, false) : null,
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
  // A value attached to its option (`-e"DROP …"`, `-cDROP`) is a statement of its own.
  const parts = [command.args.map((a) => a.replace(/^-[a-zA-Z](?=[A-Za-z])/, '')).join(' ')];
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
  // Comments are not SQL (`-- WHERE id = 1` is no WHERE; `DROP/**/TABLE` is DROP TABLE).
  const plain = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/(^|\s)--(?:\s[^\n]*)?$/gm, '$1');
  // Statement by statement, so "DELETE FROM a; SELECT … WHERE" still flags the DELETE.
  return plain.split(';').some((s) => c.sql!.test(s) && !(c.sqlNot && c.sqlNot.test(s)));
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
        (/^-[a-zA-Z]{2,12}$/.test(a) && a.includes(letter) && !LONG_SINGLE_DASH.has(a)),
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
