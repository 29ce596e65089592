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

/** One actionable unit: a checklist item (maybe with a command under it) or a code block. */
export interface Step {
  id: string;
  kind: 'check' | 'command';
  /** Id of the enclosing section, or null before the first heading. */
  section: string | null;
  line: number;
  /** The item text, or for a bare code block the prose that introduces it. */
  text: string;
  /** Exactly what would run (or be shown) for a code block; null for a plain check item. */
  code: string | null;
  lang: string | null;
  runnable: boolean;
  /** `[x]` items start ticked. */
  checked: boolean;
  /** Nesting depth inside lists (0 for top level). */
  depth: number;
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
  warnings: RunbookWarning[];
}
