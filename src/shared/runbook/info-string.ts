import { NON_SHELL_LANGS, SHELL_LANGS } from './shell-detect';
import { parseBatchSpec, parseFailLimit, type RunbookWarning, type StepAttributes } from '../model';

/** Languages we recognise in a fence's info string; anything else reads as prose. */
const KNOWN_LANGS = new Set([
  ...SHELL_LANGS,
  ...NON_SHELL_LANGS,
  ...'fish ps1 powershell json5 conf psql python3 ruby rb perl golang rust java c cpp tf css patch docker make nginx apache properties env dotenv graphql promql lua php awk sed jq cron crontab systemd http proto protobuf kotlin scala swift'.split(
    ' ',
  ),
]);

type AttrType =
  | 'string'
  | 'boolean'
  | 'duration'
  | 'list'
  | 'count'
  | 'safe'
  | 'batch'
  | 'failLimit'
  | 'pause'
  | 'unsupported';

/** Runme-compatible fence attributes and their types. */
export const ATTRIBUTES: Record<keyof StepAttributes, AttrType> = {
  name: 'string',
  host: 'string',
  hosts: 'list',
  concurrency: 'count',
  batch: 'batch',
  maxFail: 'failLimit',
  pauseBetween: 'pause',
  confirm: 'boolean',
  timeout: 'duration',
  interactive: 'boolean',
  // Runme's cwd= runs one block elsewhere; in Runsheet's one long-lived shell it would be
  // ignored, so the block would run in the wrong folder: an error, never silently dropped.
  cwd: 'unsupported',
  interpreter: 'string',
  continueOnError: 'boolean',
  errexit: 'boolean',
  excludeFromRunAll: 'boolean',
  background: 'boolean',
  safe: 'boolean',
  rehearsal: 'safe',
  id: 'string',
  terminalRows: 'string',
  promptEnv: 'boolean',
};

/** What a value of each type looks like, for the error that names a bad one. */
const EXPECTED: Record<AttrType, string> = {
  string: 'text',
  boolean: 'true or false',
  duration: 'a duration such as 30s, 5m, 1h30m or 250ms',
  list: 'a comma-separated list of names',
  count: 'a whole number from 1 to 1000',
  safe: 'safe',
  batch:
    'batch sizes such as 1,10%,rest or 1,5,25% (counts, percentages of the hosts; rest only last)',
  failLimit: 'a number of hosts such as 3 or a percentage such as 10%',
  pause: 'a duration such as 30s or 2m, or ask',
  unsupported: '',
};

export interface ParsedInfo {
  lang: string | null;
  attrs: StepAttributes;
  /** The info string was prose ("```Execute this command."): judge the block by its content. */
  prose: boolean;
  /** Attributes that cannot be read: errors (severity `error`), each stops the block's step. */
  warnings: RunbookWarning[];
}

/**
 * Reads a fence's info string: a language, then optional attributes in either
 * Runme form, `{ name=x confirm=true }` or `{"name":"x","confirm":true}`.
 */
export function parseInfo(info: string, line: number): ParsedInfo {
  const warnings: RunbookWarning[] = [];
  const trimmed = info.trim();
  const brace = trimmed.indexOf('{');
  const head = (brace >= 0 ? trimmed.slice(0, brace) : trimmed).trim();
  const attrText = brace >= 0 ? trimmed.slice(brace) : '';
  const words = head.split(/\s+/).filter(Boolean);
  const candidate = (words[0] ?? '').toLowerCase();
  let lang: string | null = null;
  let prose = false;
  if (candidate) {
    if (KNOWN_LANGS.has(candidate) && words.length === 1) lang = candidate;
    else if (/^[a-z][\w+#.-]*$/.test(words[0]!) && words.length === 1) lang = candidate;
    else prose = true;
  }
  const attrs = attrText ? parseAttributes(attrText, line, warnings) : {};
  return { lang, attrs, prose, warnings };
}

function parseAttributes(text: string, line: number, warnings: RunbookWarning[]): StepAttributes {
  let raw: Record<string, unknown> = {};
  const body = text.replace(/^\{/, '').replace(/\}\s*$/, '');
  if (text.trimEnd().endsWith('}') && /^\{\s*"/.test(text)) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
        raw = parsed as Record<string, unknown>;
    } catch (error) {
      warnings.push(
        bad(line, `fence attributes look like JSON but do not parse (${(error as Error).message})`),
      );
    }
  } else {
    if (!text.trimEnd().endsWith('}'))
      warnings.push(bad(line, 'fence attributes are missing their closing }'));
    for (const match of body.matchAll(
      /([A-Za-z_][\w-]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^\s}]+)|(\S+)/g,
    )) {
      if (match[3]) {
        warnings.push(bad(line, `cannot read fence attribute "${match[3]}" (expected key=value)`));
        continue;
      }
      const value = match[2]!;
      raw[match[1]!] = /^["']/.test(value) ? value.slice(1, -1).replace(/\\"/g, '"') : value;
    }
  }
  const attrs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const type = ATTRIBUTES[key as keyof StepAttributes];
    if (!type) {
      warnings.push(
        bad(
          line,
          `unknown fence attribute "${key}" (Runsheet reads ${Object.keys(ATTRIBUTES).join(', ')})`,
        ),
      );
      continue;
    }
    if (type === 'unsupported') {
      warnings.push(
        bad(
          line,
          `fence attribute ${key}= is not supported: every step runs in the run's one shell; put \`cd ${String(value)}\` at the top of the block instead`,
        ),
      );
      continue;
    }
    const converted = convert(type, value);
    if (converted === undefined) {
      const shown = typeof value === 'string' ? value : JSON.stringify(value);
      warnings.push(
        bad(line, `fence attribute ${key}=${shown} is not valid (expected ${EXPECTED[type]})`),
      );
    } else {
      attrs[key] = converted;
    }
  }
  return attrs as StepAttributes;
}

/** An attribute that cannot be read: an error, so its step does not run until it is fixed. */
function bad(line: number, message: string): RunbookWarning {
  return { line, message, severity: 'error' };
}

function convert(type: AttrType, value: unknown): unknown {
  switch (type) {
    case 'safe':
      return value === 'safe' ? value : undefined;
    case 'unsupported':
      return undefined;
    // Kept as written (trimmed): the plan is made from it for the step's hosts (rollout.ts).
    case 'batch':
      return parseBatchSpec(value) ? String(value).replace(/\s+/g, '') : undefined;
    case 'failLimit':
      return parseFailLimit(value) ? String(value).trim() : undefined;
    case 'pause':
      return value === 'ask' ? 'ask' : (parseDurationMs(value) ?? undefined);
    case 'string':
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'yes') return true;
      if (value === 'false' || value === 'no') return false;
      return undefined;
    case 'duration':
      return parseDurationMs(value) ?? undefined;
    case 'count': {
      const n =
        typeof value === 'number' ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
      return Number.isInteger(n) && n >= 1 && n <= 1000 ? n : undefined;
    }
    case 'list':
      if (Array.isArray(value)) return value.map(String);
      return typeof value === 'string'
        ? value
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : undefined;
  }
}

/** "30s", "5m", "1h30m", "250ms", or a bare number of seconds -> milliseconds. */
export function parseDurationMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value * 1000;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!match) return null;
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return text.length > 0 ? total : null;
}
