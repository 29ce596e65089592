/** Fence languages whose blocks run in a shell. */
export const SHELL_LANGS = new Set([
  'bash',
  'sh',
  'shell',
  'zsh',
  'console',
  'shell-session',
  'shellsession',
  'terminal',
]);

/** Languages that are known not to be shell: shown, never run. */
export const NON_SHELL_LANGS = new Set([
  'text',
  'txt',
  'plain',
  'plaintext',
  'output',
  'log',
  'yaml',
  'yml',
  'json',
  'jsonc',
  'toml',
  'ini',
  'sql',
  'python',
  'py',
  'js',
  'javascript',
  'ts',
  'typescript',
  'go',
  'hcl',
  'terraform',
  'xml',
  'html',
  'markdown',
  'md',
  'diff',
  'dockerfile',
  'makefile',
  'csv',
]);

const COMMAND_WORD = /^(?:sudo\s+)?[a-z0-9_.~/][\w.~/+-]*(?:\s|$)/;
const KEY_VALUE = /^[A-Za-z][\w .-]*:\s*\S/;

/**
 * Heuristic for unlabeled blocks: does this look like commands rather than
 * data or prose? A block counts as shell when its first meaningful line reads
 * like a command word, and most meaningful lines are not `Key: value` pairs.
 */
export function looksLikeShell(code: string): boolean {
  const lines = code
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  if (lines.length === 0) return false;
  const first = lines[0]!;
  if (/^[{[<|+]/.test(first)) return false;
  // Command output: a column header row (NAME   READY   STATUS) or a log line with a timestamp.
  if (/^[A-Z][A-Z0-9_-]*(?: {2,}[A-Z][A-Z0-9_ -]*)+$/.test(first)) return false;
  if (/^\[?\d{4}-\d{2}-\d{2}[T ]\d/.test(first)) return false;
  if (first.startsWith('$ ')) return true;
  const keyValues = lines.filter((l) => KEY_VALUE.test(l)).length;
  if (keyValues * 2 > lines.length) return false;
  return COMMAND_WORD.test(first);
}

/** Whether a fenced block with this info-string language would run. */
export function isRunnableBlock(lang: string | null, code: string): boolean {
  const normalized = (lang ?? '').toLowerCase();
  if (SHELL_LANGS.has(normalized)) return outputOnly(code) === null;
  if (NON_SHELL_LANGS.has(normalized)) return false;
  if (normalized === '') return looksLikeShell(code) && outputOnly(code) === null;
  return false;
}

// What pasted command output looks like, line by line. Written here rather than taken from a
// library: no shell parser says "this is not a command", and the test must err on the side of
// running (a line that could be a command keeps the whole block runnable).
const TABLE_LINE = /^(?:\||\+[-=+]|[\u2500-\u257f])/;
const LOG_LINE = new RegExp(
  [
    /^\[?\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/, // 2024-05-01T12:00:01Z, [2024-05-01 12:00:01]
    /^\[?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:\]|\s|$)/, // 12:00:01.123 (also uptime's first field)
    /^(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d{2}:\d{2}:\d{2}\s/, // syslog
    /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}/, // klog: I0501 12:00:01.123456
    /^\[(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|FATAL|CRITICAL)\]/,
    /^\{"[\w.@-]+":/, // a JSON log line ({ as a command needs a space after it)
  ]
    .map((r) => r.source)
    .join('|'),
);
/** A column header: upper-case names (one space inside a name) two spaces or a tab apart. */
const HEADER_LINE =
  /^[A-Z][A-Z0-9_%()/.:-]*(?: [A-Z][A-Z0-9_%()/.:-]*)*(?:(?: {2,}|\t+)[A-Z][A-Z0-9_%()/.:-]*(?: [A-Z][A-Z0-9_%()/.:-]*)*)+$/;
/**
 * `Active: active (running)`: a capitalised name and a colon, which no command word ends in;
 * or a symbol such as systemd's `●` first.
 */
const STATUS_LINE = /^(?:[A-Z][\w .()/-]*:(?:\s|$)|[^\p{ASCII}\p{L}\p{N}])/u;
/** Cells two spaces or a tab apart; shell syntax (pipes, `;`, `&&`, `$`, redirections) ends the doubt. */
const ROW_LINE = /\S(?: {2,}|\t+)\S/;
const SHELL_SYNTAX = /[;`]|&&|\$[\w({]|\s\d?>{1,2}\s|\s<\s/;
/** psql's rule under its header (`----+------`) and its row count: in a block with one, `a | b` lines are its rows. */
const PSQL_RULE = /^ *-{3,}(?:\+-{3,})* *$/m;
const PSQL_COUNT = /^\(\d+ rows?\)$/;
/** First words that make a row a command even under a column header. */
const COMMANDS = new Set(
  (
    'sudo env export cd ls cat echo printf grep egrep awk sed cut sort uniq head tail less wc tee xargs ' +
    'find test kubectl k oc helm kustomize docker podman crictl ctr systemctl journalctl service ' +
    'git curl wget ssh scp rsync aws gcloud az terraform ansible vault consul nomad psql mysql ' +
    'redis-cli mongo mongosh etcdctl ps top kill pkill df du free mount umount ip ss netstat dig ' +
    'nslookup ping make npm node python python3 pip go java watch time sleep until while for if ' +
    'mkdir rm cp mv ln chmod chown tar gzip openssl jq yq column'
  ).split(' '),
);

/**
 * When a block holds only output (a table, log lines, a status dump pasted without its
 * prompt), what it holds; null when any line could be a command. Comment lines count for
 * neither. A row counts as output only under a column header and when its first word is
 * not a command, a path or an assignment.
 */
export function outputOnly(code: string): string | null {
  const kinds = new Set<string>();
  let header = false;
  let psql: boolean | null = null;
  for (const raw of code.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (TABLE_LINE.test(line) || PSQL_COUNT.test(line)) kinds.add('a table');
    else if (LOG_LINE.test(line)) kinds.add('log lines');
    else if (HEADER_LINE.test(line)) {
      header = true;
      kinds.add('a column header and its rows');
    } else if (STATUS_LINE.test(line)) kinds.add('status lines');
    else if (SHELL_SYNTAX.test(line) || startsCommand(line)) return null;
    else if ((psql ??= PSQL_RULE.test(code)) && (line.includes('|') || PSQL_RULE.test(line)))
      kinds.add('a table');
    else if (!header || line.includes('|') || !ROW_LINE.test(line)) return null;
  }
  return kinds.size > 0 ? [...kinds].join(', ') : null;
}

/** A line starting with a command word we know, a path or an assignment. */
function startsCommand(line: string): boolean {
  return /^(?:[./~]|\S*=)/.test(line) || COMMANDS.has(line.split(/\s/, 1)[0]!);
}
