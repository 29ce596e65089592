/** How often a runbook or section is meant to be walked. */
export type Cadence = 'daily' | 'weekly' | 'monthly' | 'quarterly' | 'annual';

/** A diagnostic about the source, with the 1-based line it concerns. */
export interface RunbookWarning {
  line: number;
  message: string;
}

/** A heading and everything under it until the next heading of the same or higher level. */
export interface Section {
  id: string;
  title: string;
  level: number;
  line: number;
  parentId: string | null;
  cadence: Cadence | null;
}

/** Runme-compatible fence attributes (`{name=x confirm=true timeout=30s}` or JSON). */
export interface StepAttributes {
  name?: string;
  host?: string;
  hosts?: string[];
  /** Hosts a fan-out runs this step on at once (default 10): 1 for one host after another. */
  concurrency?: number;
  confirm?: boolean;
  /** Milliseconds. */
  timeout?: number;
  interactive?: boolean;
  cwd?: string;
  /** Runs a non-shell block (python, sql, …) with this program. */
  interpreter?: string;
  continueOnError?: boolean;
  excludeFromRunAll?: boolean;
  background?: boolean;
  /** Safe to run in a rehearsal limited to safe steps. */
  safe?: boolean;
  id?: string;
  terminalRows?: string;
  promptEnv?: boolean;
}

/** A value to fill in before a step runs (`<pod-name>`, `[replace with X e.g. Y]`, `CHANGEME`, `YOUR_…`). */
export interface Placeholder {
  name: string;
  /** The exact texts in the code that stand for it. */
  tokens: string[];
  example: string | null;
}

/** One actionable unit: a checklist item (maybe with a command under it) or a code block. */
export interface Step {
  id: string;
  kind: 'check' | 'command';
  /** Id of the enclosing section, or null before the first heading. */
  section: string | null;
  line: number;
  /** The item text, or for a bare code block the prose that introduces it. */
  text: string;
  /** Exactly what would run (transcript prompts stripped); the block's text when not runnable; null for a plain item. */
  code: string | null;
  /** The block as written in the file, for display. */
  source: string | null;
  lang: string | null;
  /** Output lines written in a transcript: shown under the command, never run. */
  expectedOutput: string | null;
  runnable: boolean;
  /** `[x]` items start ticked. */
  checked: boolean;
  /** Nesting depth inside lists (0 for top level). */
  depth: number;
  attrs: StepAttributes;
  placeholders: Placeholder[];
  /** `$VAR`s the step reads that no earlier step sets: offered as environment variables. */
  env: string[];
  cadence: Cadence | null;
}

/** A row of a schedule table ("Task | Frequency | Preferred Time | Duration"). */
export interface ScheduleEntry {
  line: number;
  task: string;
  frequency: string;
  cadence: Cadence | null;
  preferredTime: string | null;
  duration: string | null;
}

/** A row of a maintenance-window table ("Environment | Window | Duration | Frequency"). */
export interface MaintenanceWindow {
  line: number;
  environment: string;
  window: string;
  duration: string | null;
  frequency: string | null;
}

/** The document in reading order, so the UI can show prose between steps. */
export type RunbookBlock =
  | { kind: 'heading'; sectionId: string }
  | { kind: 'prose'; line: number; markdown: string; depth: number }
  | { kind: 'step'; stepId: string };

/** A parsed runbook. */
export interface Runbook {
  title: string;
  frontmatter: Record<string, unknown>;
  cadence: Cadence | null;
  sections: Section[];
  steps: Step[];
  blocks: RunbookBlock[];
  schedule: ScheduleEntry[];
  windows: MaintenanceWindow[];
  warnings: RunbookWarning[];
}
