import type { Placeholder } from '../model';

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
  // Every pattern below needs one of these (most steps have none): skip the regexes then.
  if (!/[<[]|CHANGE|YOUR_/i.test(code)) return [];
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
 * Comments and heredoc bodies are text: their apostrophes open no quotes, and
 * a heredoc body gets the value as it is.
 */
export function substitutePlaceholders(code: string, values: Record<string, string>): string {
  const at = new Map(matches(code).map((m) => [m.index, m]));
  let out = '';
  let quote: "'" | '"' | null = null;
  let comment = false;
  let heredoc: { word: string; dash: boolean } | null = null;
  let pendingHeredoc: { word: string; dash: boolean } | null = null;
  let lineStart = 0;
  for (let i = 0; i < code.length; i++) {
    if (i === lineStart && heredoc) {
      const end = code.indexOf('\n', i);
      const line = code.slice(i, end < 0 ? code.length : end);
      if ((heredoc.dash ? line.replace(/^\t+/, '') : line) === heredoc.word) heredoc = null;
    }
    const m = at.get(i);
    if (m && m.name in values) {
      out += heredoc ? values[m.name]! : quoteFor(values[m.name]!, comment ? null : quote);
      i += m.token.length - 1;
      continue;
    }
    const c = code[i]!;
    if (c === '\n') {
      out += c;
      lineStart = i + 1;
      comment = false;
      if (quote === null && pendingHeredoc) {
        heredoc = pendingHeredoc;
        pendingHeredoc = null;
      }
      continue;
    }
    if (heredoc || comment) {
      out += c;
      continue;
    }
    if (c === '\\' && quote !== "'") {
      out += c + (code[i + 1] ?? '');
      i++;
      continue;
    }
    if (quote === null && c === '#' && (i === 0 || /[\s;&|(]/.test(code[i - 1]!))) comment = true;
    else if (quote === null && c === '<') {
      const h = HEREDOC.exec(
        code.slice(i, code.indexOf('\n', i) < 0 ? undefined : code.indexOf('\n', i)),
      );
      if (h) pendingHeredoc = { word: h[3]!, dash: h[1] === '-' };
    }
    if (quote === null && (c === "'" || c === '"')) quote = c;
    else if (c === quote) quote = null;
    out += c;
  }
  return out;
}

const HEREDOC = /^<<(-?)\s*(['"]?)([A-Za-z_]\w*)\2/;

/** Drops the bodies of quoted heredocs (`<<'EOF'`): the shell expands nothing in them. */
function withoutQuotedHeredocs(code: string): string {
  if (!code.includes('<<')) return code;
  const out: string[] = [];
  let end: { word: string; dash: boolean } | null = null;
  for (const line of code.split('\n')) {
    if (end) {
      if ((end.dash ? line.replace(/^\t+/, '') : line) === end.word) end = null;
      continue;
    }
    out.push(line);
    const m = /<<(-?)\s*(['"])([A-Za-z_]\w*)\2/.exec(line);
    if (m) end = { word: m[3]!, dash: m[1] === '-' };
  }
  return out.join('\n');
}

function quoteFor(value: string, quote: "'" | '"' | null): string {
  if (quote === "'") return value.replace(/'/g, `'\\''`);
  if (quote === '"') return value.replace(/[\\"$`]/g, '\\$&');
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Names the code reads as `$VAR` / `${VAR}` (outside single quotes), for the user to set. */
export function envReferences(code: string): string[] {
  if (!code.includes('$')) return [];
  const names = new Set<string>();
  const unquoted = withoutQuotedHeredocs(code)
    .replace(/\\\$/g, '')
    .replace(/'[^'\n]*'/g, '')
    .replace(/\{\{[\s\S]*?\}\}/g, '');
  for (const m of unquoted.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) {
    if (!SHELL_VARS.has(m[1]!)) names.add(m[1]!);
  }
  return [...names];
}

/** Names the code assigns (`X=`, `export X=`, `read [-r] [-p "…"] X Y`, `for X in`, `local X`). */
export function envAssignments(code: string): string[] {
  const names = new Set<string>();
  // Each pattern only where its word can be (most steps assign nothing): a parse is linear
  // in the runbook, and these run on every command step.
  if (code.includes('='))
    for (const m of code.matchAll(
      /(?:^|[\s;&|(])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*|readonly\s+)?([A-Za-z_]\w*)=/gm,
    )) {
      names.add(m[1]!);
    }
  if (code.includes('for'))
    for (const m of code.matchAll(/\bfor\s+([A-Za-z_]\w*)\s+in\b/g)) names.add(m[1]!);
  if (!code.includes('read')) return [...names];
  for (const m of code.matchAll(/(?:^|[\s;&|(])read\b([^;&|\n]*)/gm)) {
    const words = m[1]!
      .replace(/"[^"]*"|'[^']*'/g, 'X')
      .trim()
      .split(/\s+/)
      .filter(Boolean);
    for (let k = 0; k < words.length; k++) {
      const word = words[k]!;
      // Options of `read` that take an argument: -a -d -i -n -N -p -t -u.
      if (word === '-a' && words[k + 1])
        names.add(words[++k]!); // read -a ARRAY
      else if (/^-[dinNptu]$/.test(word)) k++;
      else if (!word.startsWith('-') && /^[A-Za-z_]\w*$/.test(word)) names.add(word);
    }
  }
  return [...names];
}
