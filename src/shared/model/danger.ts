/**
 * Guardrails: what a step would do that cannot be undone, found by parsing its
 * shell code (core/guard), and the rules that say so. Schemas first; types inferred.
 */
import { z } from 'zod';

/**
 * How much a flagged command can hurt. `high` and `medium` ask before they run;
 * `low` is shown only (a dry run of something destructive, say).
 */
export const Severity = z.enum(['high', 'medium', 'low']);
export type Severity = z.infer<typeof Severity>;

/** One destructive command found in a step: which rule, how bad, and why, in words. */
export const DangerFlag = z.object({
  rule: z.string(),
  severity: Severity,
  /** For a person: "deletes namespace production". */
  reason: z.string(),
  /** The 1-based line of the runbook file the command is on. */
  line: z.number().int(),
  /** The command as written (one line, shortened). */
  command: z.string(),
});
export type DangerFlag = z.infer<typeof DangerFlag>;

/** Severities that must be confirmed before a step runs. */
export function asks(flag: DangerFlag): boolean {
  return flag.severity !== 'low';
}

const Globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

/**
 * A rule, as data: the built-in table (core/guard/rules.ts) and a workspace's own
 * (`guardrails.rules` in runsheet.yaml) share this shape. A rule matches one
 * command (after `sudo`, `env`, `xargs` and the like are looked through):
 *
 * - `command`: the program's name (globs: `mkfs*`);
 * - `words`: words that must all be among its non-option arguments (globs);
 * - `anyFlag` / `noFlag`: options of which one must / none may be given
 *   (`-r` also matches `-rf`; `--replicas=0` also matches `--replicas 0`);
 * - `arg`: a regular expression some argument must match;
 * - `sql`: for database clients, a regular expression some statement fed to the
 *   client (by `-c`, `-e`, a heredoc, a here-string or a pipe) must match, and
 *   `sqlNot` one it must not (`DELETE` without `WHERE`);
 * - `redirect`: instead of arguments, a `>` redirection onto a path matching this;
 * - `pipeFrom`: the command reads a script piped from one of these programs (`curl … | sh`).
 *
 * `reason` may name `{target}`, the arguments after the matched words, with a
 * fallback after a colon: `deletes {target:resources}`. Options in `dryRun`
 * (default: --dry-run, --check, --what-if, --noop, --simulate) lower the severity to low.
 */
export const DangerRule = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a rule name is lower-case words and dashes'),
    severity: Severity,
    reason: z.string().min(1).max(200),
    command: Globs,
    words: z.array(z.string().min(1)).optional(),
    anyFlag: z.array(z.string().min(1)).optional(),
    noFlag: z.array(z.string().min(1)).optional(),
    arg: z.string().optional(),
    sql: z.string().optional(),
    sqlNot: z.string().optional(),
    redirect: z.string().optional(),
    pipeFrom: z.array(z.string().min(1)).optional(),
    dryRun: z.array(z.string().min(1)).optional(),
  })
  .strict();
export type DangerRule = z.infer<typeof DangerRule>;

/** `guardrails` in runsheet.yaml: rules of the workspace's own, and built-in ones turned off. */
export const GuardrailsConfig = z
  .object({
    rules: z.array(DangerRule).max(500).default([]),
    off: z.array(z.string()).max(500).default([]),
  })
  .strict();
export type GuardrailsConfig = z.infer<typeof GuardrailsConfig>;

/**
 * Who confirmed steps that ask (destructive commands, `confirm=true`), for which
 * reasons, and what they typed when the run's environment is production.
 */
export const Confirmation = z.object({
  at: z.string(),
  by: z.string(),
  environment: z.string(),
  /** The environment name typed to go on (production); null where none was asked. */
  typed: z.string().nullable(),
  steps: z.array(
    z.object({ stepId: z.string(), line: z.number().int(), reasons: z.array(z.string()) }),
  ),
});
export type Confirmation = z.infer<typeof Confirmation>;

/** A `prod`/`production`/`prd`/`live` word anywhere in the name (`prod-us-east-1`, `eu-prod`, `prd01`). */
const PRODUCTION = /(?:^|[-_ .:/])(?:prod|production|prd|live)\d*(?:$|[-_ .:/])/i;

/** Whether an environment is production (`production`, `prod`, `prod-eu`, `eu-prod`, `prd01`, `live`). */
export function isProduction(environment: string | null | undefined): boolean {
  return typeof environment === 'string' && PRODUCTION.test(environment.trim());
}
