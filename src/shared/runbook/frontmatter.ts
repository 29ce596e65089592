import { LineCounter, parseDocument, isMap, isScalar } from 'yaml';
import { parseBatchSpec, parseFailLimit, type RunbookWarning, type Step } from '../model';
import { parseDurationMs } from './info-string';
import { parseCadence } from './cadence';

/** Which steps a bad value stops: none (it is shown, and the feature it drives is off), or the steps it applies to. */
type Blocks = 'nothing' | ((step: Step) => boolean);

interface KeyRule {
  /** Null when the value is valid; else what was expected, in words. */
  check(value: unknown): string | null;
  blocks: Blocks;
  /** Said after the error: what Runsheet does instead. */
  consequence: string;
}

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() ? null : 'text';
const textOrList = (value: unknown): string | null =>
  (typeof value === 'string' && value.trim()) ||
  (Array.isArray(value) && value.every((v) => typeof v === 'string' && v))
    ? null
    : 'a name or a list of names';
const list = (value: unknown): string | null =>
  Array.isArray(value) && value.every((v) => typeof v === 'string' && v)
    ? null
    : 'a list of names, e.g. [DB_PASSWORD, API_TOKEN]';
const bool = (value: unknown): string | null =>
  typeof value === 'boolean' ? null : 'true or false';
const anything = (): null => null;

const runnable = (step: Step): boolean => step.runnable;
const ALL_STEPS = 'no step can run until it is fixed';
const FEATURE_OFF = 'it is ignored';

/**
 * Every frontmatter key Runsheet reads, what a valid value is, and what a bad one blocks.
 * A value that decides where, how or with which protection a step runs (hosts, environment,
 * approval, shell, secrets, errexit, cwd) blocks the steps it applies to: guessing would run
 * them somewhere or somehow the runbook did not say. A descriptive value (title, cadence,
 * owner, tags) blocks nothing; it is shown as an error and its feature is off.
 */
export const FRONTMATTER: Record<string, KeyRule> = {
  title: { check: text, blocks: 'nothing', consequence: 'the first heading is the title' },
  description: { check: text, blocks: 'nothing', consequence: FEATURE_OFF },
  hosts: { check: textOrList, blocks: runnable, consequence: ALL_STEPS },
  targets: { check: textOrList, blocks: runnable, consequence: ALL_STEPS },
  host: { check: textOrList, blocks: runnable, consequence: ALL_STEPS },
  environment: { check: text, blocks: runnable, consequence: ALL_STEPS },
  approval: {
    check: (v) => (v === 'required' || v === 'none' ? null : 'required or none'),
    blocks: runnable,
    consequence: ALL_STEPS,
  },
  cadence: {
    check: (v) => (parseCadence(v) ? null : 'daily, weekly, monthly, quarterly or annual'),
    blocks: 'nothing',
    consequence: 'no cadence: invalid value, so the runbook is never due',
  },
  owner: { check: text, blocks: 'nothing', consequence: FEATURE_OFF },
  tags: { check: textOrList, blocks: 'nothing', consequence: FEATURE_OFF },
  runme: { check: anything, blocks: 'nothing', consequence: FEATURE_OFF },
  shell: {
    check: (v) =>
      typeof v === 'string' && /^[\w./+-]+$/.test(v.trim())
        ? null
        : 'the name or path of a shell, e.g. bash, zsh or /bin/sh',
    blocks: runnable,
    consequence: ALL_STEPS,
  },
  // Runme's default folder for every block: Runsheet's steps share one shell, so it is not
  // supported; ignoring it would run every step in another folder.
  cwd: {
    check: () => "no cwd: (not supported: put `cd DIR` in the runbook's first step)",
    blocks: runnable,
    consequence: ALL_STEPS,
  },
  skipPrompts: { check: bool, blocks: 'nothing', consequence: FEATURE_OFF },
  secrets: { check: list, blocks: runnable, consequence: ALL_STEPS },
  // Rollout defaults for every fan-out step (rollout.ts); a step's own attribute wins.
  batch: {
    check: (v) => (parseBatchSpec(v) ? null : 'batch sizes such as 1,10%,rest or 1,5,25%'),
    blocks: (step) => step.runnable && step.attrs.batch === undefined,
    consequence: 'the steps without their own batch= cannot run until it is fixed',
  },
  maxFail: {
    check: (v) =>
      parseFailLimit(v) ? null : 'a number of hosts such as 3 or a percentage such as 10%',
    blocks: (step) => step.runnable && step.attrs.maxFail === undefined,
    consequence: 'the steps without their own maxFail= cannot run until it is fixed',
  },
  pauseBetween: {
    check: (v) =>
      v === 'ask' || parseDurationMs(v) !== null ? null : 'a duration such as 30s or 2m, or ask',
    blocks: (step) => step.runnable && step.attrs.pauseBetween === undefined,
    consequence: 'the steps without their own pauseBetween= cannot run until it is fixed',
  },
  errexit: {
    check: bool,
    blocks: (step) => step.runnable && step.attrs.errexit === undefined,
    consequence: 'the steps without their own errexit= cannot run until it is fixed',
  },
};

/** Frontmatter keys Runsheet reads (Runme's `runme` and `shell` too; its `cwd` is refused). */
export const FRONTMATTER_KEYS = Object.keys(FRONTMATTER);

/** A frontmatter error and the steps it stops. */
export interface FrontmatterError {
  problem: RunbookWarning;
  blocks: Blocks;
}

/**
 * Splits YAML frontmatter (`---` on the first line, closed by `---` or `...`)
 * from the body. The frontmatter lines are blanked rather than cut, so line
 * numbers in the body stay those of the file. Every problem names its line: a
 * value of the wrong kind is an error (`errors`, with the steps it stops), an
 * unknown key a warning.
 */
export function splitFrontmatter(source: string): {
  data: Record<string, unknown>;
  body: string;
  warnings: RunbookWarning[];
  errors: FrontmatterError[];
} {
  const none = { data: {}, body: source, warnings: [], errors: [] };
  // Line by line up to the closing line only: the body after it is taken as one slice.
  const lineEnd = (from: number) => {
    const n = source.indexOf('\n', from);
    return n < 0 ? source.length : n;
  };
  const firstEnd = lineEnd(0);
  if (source.slice(0, firstEnd).trimEnd() !== '---') return none;
  let end = -1; // the closing line's index
  let closeStart = 0;
  let closeEnd = 0;
  for (let start = firstEnd + 1, n = 1; start <= source.length && firstEnd < source.length; n++) {
    const stop = lineEnd(start);
    const line = source.slice(start, stop).trimEnd();
    if (line === '---' || line === '...') {
      [end, closeStart, closeEnd] = [n, start, stop];
      break;
    }
    if (stop >= source.length) break;
    start = stop + 1;
  }
  // Without its settings nothing can say where or how the steps run: none of them runs.
  const fatal = (line: number, message: string): FrontmatterError => ({
    problem: { line, message: `${message}; ${ALL_STEPS}`, severity: 'error' },
    blocks: runnable,
  });
  if (end < 0)
    return { ...none, errors: [fatal(1, 'frontmatter opened with --- is never closed')] };
  const yaml = source.slice(firstEnd + 1, Math.max(firstEnd + 1, closeStart - 1));
  // The frontmatter's lines blanked: the body keeps the file's line numbers.
  const body =
    closeEnd >= source.length
      ? '\n'.repeat(end)
      : '\n'.repeat(end + 1) + source.slice(closeEnd + 1);
  const warnings: RunbookWarning[] = [];
  const errors: FrontmatterError[] = [];
  const counter = new LineCounter();
  const doc = parseDocument(yaml, { lineCounter: counter, prettyErrors: false });
  // The YAML's line 1 is the file's line 2.
  const lineAt = (offset: number | undefined): number =>
    offset === undefined ? 1 : counter.linePos(offset).line + 1;
  const problem = doc.errors[0];
  if (problem) {
    const message = problem.message.split('\n')[0];
    return {
      ...none,
      body,
      errors: [fatal(lineAt(problem.pos[0]), `frontmatter is not valid YAML: ${message}`)],
    };
  }
  const parsed: unknown = doc.toJS();
  if (parsed == null) return { ...none, body };
  if (typeof parsed !== 'object' || Array.isArray(parsed) || !isMap(doc.contents))
    return { ...none, body, errors: [fatal(2, 'frontmatter is not a mapping of keys to values')] };
  const data = parsed as Record<string, unknown>;
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const line = lineAt(isScalar(pair.key) ? pair.key.range?.[0] : undefined);
    const rule = FRONTMATTER[key];
    if (!rule) {
      warnings.push({
        line,
        message: `unknown frontmatter key "${key}"; Runsheet reads ${FRONTMATTER_KEYS.join(', ')}`,
        severity: 'warning',
      });
      continue;
    }
    const expected = rule.check(data[key]);
    if (expected === null) continue;
    errors.push({
      problem: {
        line,
        message: `frontmatter ${key}: ${shown(data[key])} is not valid (expected ${expected}); ${rule.consequence}`,
        severity: 'error',
      },
      blocks: rule.blocks,
    });
  }
  return { data, body, warnings, errors };
}

/** A value as the message quotes it: short, on one line. */
function shown(value: unknown): string {
  const json = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const line = json.replace(/\s+/g, ' ');
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
