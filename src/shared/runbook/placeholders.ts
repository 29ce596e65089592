import type { Placeholder } from './types';

/** Tag names that are HTML, not placeholders (`<details>` around a block, `<br>` in a string). */
const HTML_TAGS = new Set(
  'a abbr b blockquote br code dd details div dl dt em h1 h2 h3 h4 h5 h6 hr i img kbd li ol p pre s samp small span strong sub summary sup table tbody td th thead tr u ul'.split(
    ' ',
  ),
);

/** Shell variables people do not set by hand. */
const SHELL_VARS = new Set(
  'HOME PATH PWD OLDPWD USER LOGNAME SHELL TMPDIR HOSTNAME HOSTTYPE RANDOM LINENO UID EUID PPID IFS SECONDS TERM LANG LC_ALL EDITOR PAGER BASH BASH_SOURCE BASH_VERSION FUNCNAME PIPESTATUS REPLY OPTARG OPTIND COLUMNS LINES PS1 PS2 SHLVL DISPLAY XDG_RUNTIME_DIR XDG_CONFIG_HOME XDG_DATA_HOME KUBECONFIG'.split(
    ' ',
  ),
);

interface Match {
  token: string;
  name: string;
  example: string | null;
  index: number;
}

const PATTERNS: Array<{
  re: RegExp;
  read(m: RegExpMatchArray): Omit<Match, 'index' | 'token'> | null;
}> = [
  {
    // <pod-name>, <lock_id>, <node name>: not <<EOF, not <(cmd), not < file, not </tag>, not <tag attr=…>.
    re: /(?<![<\w])<([A-Za-z][\w .-]*[\w]|[A-Za-z])>/g,
    read: (m) =>
      HTML_TAGS.has(m[1]!.toLowerCase()) ? null : { name: m[1]!.trim(), example: null },
  },
  {
    re: /\[replace with ([^\]]+?)(?:,?\s+(?:e\.g\.|eg\.|for example)[:,]?\s*([^\]]+))?\]/gi,
    read: (m) => ({ name: m[1]!.trim(), example: m[2]?.trim() ?? null }),
  },
  { re: /\bCHANGE_?ME\b/g, read: (m) => ({ name: m[0], example: null }) },
  { re: /(?<![$\w{])YOUR_[A-Z0-9_]*[A-Z0-9]\b/g, read: (m) => ({ name: m[0], example: null }) },
];

/** Hides spans that are never placeholders: Go/Helm templates and `${…}` expansions. */
function mask(code: string): string {
  return code
    .replace(/\{\{[\s\S]*?\}\}/g, (s) => ' '.repeat(s.length))
    .replace(/\$\{[^}\n]*\}/g, (s) => ' '.repeat(s.length));
}

function matches(code: string): Match[] {
  const masked = mask(code);
  const found: Match[] = [];
  for (const { re, read } of PATTERNS) {
    for (const m of masked.matchAll(re)) {
      const info = read(m);
      if (info)
        found.push({
          ...info,
          token: code.slice(m.index!, m.index! + m[0].length),
          index: m.index!,
        });
    }
  }
  return found.sort((a, b) => a.index - b.index);
}

/** Values to fill before the step runs, one per distinct name, in order of appearance. */
export function findPlaceholders(code: string): Placeholder[] {
  const byName = new Map<string, Placeholder>();
  for (const m of matches(code)) {
    const existing = byName.get(m.name);
    if (existing) {
      if (!existing.tokens.includes(m.token)) existing.tokens.push(m.token);
    } else {
      byName.set(m.name, { name: m.name, tokens: [m.token], example: m.example });
    }
  }
  return [...byName.values()];
}

/**
 * Replaces placeholders with their values, quoted for where they stand: inside
 * single quotes, inside double quotes, or bare (single-quoted when needed).
 */
export function substitutePlaceholders(code: string, values: Record<string, string>): string {
  const at = new Map(matches(code).map((m) => [m.index, m]));
  let out = '';
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < code.length; i++) {
    const m = at.get(i);
    if (m && m.name in values) {
      out += quoteFor(values[m.name]!, quote);
      i += m.token.length - 1;
      continue;
    }
    const c = code[i]!;
    if (c === '\\' && quote !== "'") {
      out += c + (code[i + 1] ?? '');
      i++;
      continue;
    }
    if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (c === quote) quote = null;
    out += c;
  }
  return out;
}

function quoteFor(value: string, quote: "'" | '"' | null): string {
  if (quote === "'") return value.replace(/'/g, `'\\''`);
  if (quote === '"') return value.replace(/[\\"$`]/g, '\\$&');
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Names the code reads as `$VAR` / `${VAR}` (outside single quotes), for the user to set. */
export function envReferences(code: string): string[] {
  const names = new Set<string>();
  const unquoted = code.replace(/'[^'\n]*'/g, '').replace(/\{\{[\s\S]*?\}\}/g, '');
  for (const m of unquoted.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (!SHELL_VARS.has(m[1]!)) names.add(m[1]!);
  }
  return [...names];
}

/** Names the code assigns (`X=`, `export X=`, `read X`, `for X in`, `local X`). */
export function envAssignments(code: string): string[] {
  const names = new Set<string>();
  for (const m of code.matchAll(
    /(?:^|[\s;&|(])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*|readonly\s+)?([A-Za-z_]\w*)=/gm,
  ))
    names.add(m[1]!);
  for (const m of code.matchAll(/\b(?:read(?:\s+-\w+(?:\s+\S+)?)*|for)\s+([A-Za-z_]\w*)/g))
    names.add(m[1]!);
  return [...names];
}
