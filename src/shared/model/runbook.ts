/**
 * The runbook model: what the parser makes of a Markdown file. The zod schemas
 * are the definition; the TypeScript types are inferred from them, so the
 * contract that checks a payload and the code that builds one cannot drift.
 */
import { z } from 'zod';
import { DangerFlag } from './danger';
import { BatchPause } from './rollout';

/** Runbook ids are paths relative to the workspace: no absolute paths, no `..`. */
export const RunbookId = z
  .string()
  .min(1)
  .max(512)
  .regex(
    /^(?!.*(?:^|\/)\.\.?(?:\/|$))[\w][\w .@+-]*(?:\/[\w][\w .@+-]*)*\.md$/,
    'not a runbook id',
  );

/** How often a runbook or section is meant to be walked. */
export const Cadence = z.enum(['daily', 'weekly', 'monthly', 'quarterly', 'annual']);
export type Cadence = z.infer<typeof Cadence>;

/**
 * A diagnostic about the source, with the 1-based line it concerns. An error stops the
 * steps it concerns from running (they list it in `Step.blocked`); a warning only informs.
 */
export const RunbookWarning = z.object({
  line: z.number().int(),
  message: z.string(),
  severity: z.enum(['error', 'warning']),
});
export type RunbookWarning = z.infer<typeof RunbookWarning>;

/** Where a fence that is never closed was opened, and where Runsheet ended its block. */
export const RepairedFence = z.object({
  /** The line of the opening fence. */
  openedLine: z.number().int(),
  /** The block's last line of code as Runsheet reads it. */
  lastLine: z.number().int(),
  /** Where and why it was cut: "before the heading on line 11", "at the end of the file". */
  cut: z.string(),
});
export type RepairedFence = z.infer<typeof RepairedFence>;

/** A heading and everything under it until the next heading of the same or higher level. */
export const Section = z.object({
  id: z.string(),
  title: z.string(),
  level: z.number().int().min(1).max(6),
  line: z.number().int(),
  parentId: z.string().nullable(),
  cadence: Cadence.nullable(),
});
export type Section = z.infer<typeof Section>;

/** Runme-compatible fence attributes (`{name=x confirm=true timeout=30s}` or JSON). */
export const StepAttributes = z
  .object({
    name: z.string(),
    host: z.string(),
    hosts: z.array(z.string()),
    /** Hosts a fan-out runs this step on at once (default 10): 1 for one host after another. */
    concurrency: z.number().int().min(1).max(1000),
    /** `batch=1,10%,rest`: the hosts of a fan-out in successive batches (rollout.ts), as written. */
    batch: z.string(),
    /** `maxFail=3` or `10%`: more failed hosts than this stop the rollout after its batch. */
    maxFail: z.string(),
    /** Wait (ms) before each batch after the first, or `ask` the operator. */
    pauseBetween: BatchPause,
    confirm: z.boolean(),
    /** Milliseconds. */
    timeout: z.number().nonnegative(),
    interactive: z.boolean(),
    cwd: z.string(),
    /** Runs a non-shell block (python, sql, …) with this program. */
    interpreter: z.string(),
    continueOnError: z.boolean(),
    /** The first failing command ends the step and fails it (default: the runbook's `errexit:`). */
    errexit: z.boolean(),
    excludeFromRunAll: z.boolean(),
    background: z.boolean(),
    /** Safe to run in a rehearsal limited to safe steps. */
    safe: z.boolean(),
    /** `rehearsal=safe`: a flagged step a rehearsal may run without holding it for confirmation. */
    rehearsal: z.string(),
    id: z.string(),
    terminalRows: z.string(),
    promptEnv: z.boolean(),
  })
  .partial();
export type StepAttributes = z.infer<typeof StepAttributes>;

/** A value to fill in before a step runs (`<pod-name>`, `[replace with X e.g. Y]`, `CHANGEME`, `YOUR_…`). */
export const Placeholder = z.object({
  name: z.string(),
  /** The exact texts in the code that stand for it. */
  tokens: z.array(z.string()),
  example: z.string().nullable(),
});
export type Placeholder = z.infer<typeof Placeholder>;

/** One actionable unit: a checklist item (maybe with a command under it) or a code block. */
export const Step = z.object({
  id: z.string(),
  kind: z.enum(['check', 'command']),
  /** Id of the enclosing section, or null before the first heading. */
  section: z.string().nullable(),
  line: z.number().int(),
  /** The item text, or for a bare code block the prose that introduces it. */
  text: z.string(),
  /** Exactly what would run (transcript prompts stripped); the block's text when not runnable; null for a plain item. */
  code: z.string().nullable(),
  /**
   * The 1-based file line of the code's first line when each line of `code` is the file's
   * line after it (null: a transcript, whose prompts and output lines were taken out).
   */
  codeLine: z.number().int().nullable(),
  /** The block as written in the file, for display. */
  source: z.string().nullable(),
  lang: z.string().nullable(),
  /** Output lines written in a transcript: shown under the command, never run. */
  expectedOutput: z.string().nullable(),
  runnable: z.boolean(),
  /** `[x]` items start ticked. */
  checked: z.boolean(),
  /** Nesting depth inside lists (0 for top level). */
  depth: z.number().int().min(0),
  attrs: StepAttributes,
  placeholders: z.array(Placeholder),
  /** `$VAR`s the step reads that no earlier step sets: offered as environment variables. */
  env: z.array(z.string()),
  cadence: Cadence.nullable(),
  /** What the step would do that cannot be undone, from a parse of its code (empty: nothing found). */
  danger: z.array(DangerFlag),
  /**
   * Errors that stop the step from running, with their lines: a bad fence attribute of its
   * block, a bad frontmatter value it would use. Empty: nothing stops it.
   */
  blocked: z.array(RunbookWarning),
  /** Its code comes from a fence that is never closed: it runs only once confirmed. */
  repaired: RepairedFence.nullable(),
});
export type Step = z.infer<typeof Step>;

/** A row of a schedule table ("Task | Frequency | Preferred Time | Duration"). */
export const ScheduleEntry = z.object({
  line: z.number().int(),
  task: z.string(),
  frequency: z.string(),
  cadence: Cadence.nullable(),
  preferredTime: z.string().nullable(),
  duration: z.string().nullable(),
});
export type ScheduleEntry = z.infer<typeof ScheduleEntry>;

/** A row of a maintenance-window table ("Environment | Window | Duration | Frequency"). */
export const MaintenanceWindow = z.object({
  line: z.number().int(),
  environment: z.string(),
  window: z.string(),
  duration: z.string().nullable(),
  frequency: z.string().nullable(),
});
export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;

/** The document in reading order, so the UI can show prose between steps. */
export const RunbookBlock = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('heading'), sectionId: z.string() }),
  z.object({
    kind: z.literal('prose'),
    line: z.number().int(),
    markdown: z.string(),
    depth: z.number().int(),
  }),
  z.object({ kind: z.literal('step'), stepId: z.string() }),
]);
export type RunbookBlock = z.infer<typeof RunbookBlock>;

/** A parsed runbook. */
export const Runbook = z.object({
  title: z.string(),
  frontmatter: z.record(z.string(), z.unknown()),
  cadence: Cadence.nullable(),
  sections: z.array(Section),
  steps: z.array(Step),
  blocks: z.array(RunbookBlock),
  schedule: z.array(ScheduleEntry),
  windows: z.array(MaintenanceWindow),
  warnings: z.array(RunbookWarning),
});
export type Runbook = z.infer<typeof Runbook>;

/** A runbook as listed in the workspace. */
export const RunbookSummary = z.object({
  id: RunbookId,
  title: z.string(),
  description: z.string().nullable(),
  cadence: Cadence.nullable(),
  checks: z.number().int(),
  commands: z.number().int(),
  warnings: z.number().int(),
  /** Diagnostics of severity error (they stop steps, or turn off what they set). */
  errors: z.number().int(),
  /** The line of a frontmatter `cadence:` that is not a cadence (so the runbook has none); else null. */
  cadenceError: z.number().int().nullable(),
  /** Why the file cannot be opened now (unreadable, not UTF-8, too large), else null. */
  error: z.string().nullable(),
});
export type RunbookSummary = z.infer<typeof RunbookSummary>;
