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
  if (SHELL_LANGS.has(normalized)) return true;
  if (NON_SHELL_LANGS.has(normalized)) return false;
  if (normalized === '') return looksLikeShell(code);
  return false;
}
