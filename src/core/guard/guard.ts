import { join } from 'node:path';
import { GuardrailsConfig, type DangerFlag, type DangerRule } from '../../shared/model';
import type { StepAnalyzer } from '../../shared/runbook';
import { SHELL_LANGS } from '../../shared/runbook';
import { readYamlFile } from '../files/yaml-file';
import { DangerDetector } from './detect';
import { BUILTIN_RULES } from './rules';

/** Languages a step runs as shell code (the rest are judged only when they are SQL). */
const SQL = new Set(['sql', 'psql', 'mysql', 'pgsql', 'plpgsql', 'sqlite']);

/** Finds the destructive commands of steps: the built-in rules, then a workspace's own. */
export class Guard {
  private readonly detector: DangerDetector;

  constructor(readonly rules: DangerRule[] = BUILTIN_RULES) {
    this.detector = new DangerDetector(rules);
  }

  /** The built-in rules, less those `guardrails.off` turns off, and the workspace's own (runsheet.yaml). */
  static forWorkspace(workspaceDir: string): Guard {
    const file = join(workspaceDir, 'runsheet.yaml');
    const data = readYamlFile<{ guardrails?: unknown }>(file);
    if (data?.guardrails === undefined) return new Guard();
    const parsed = GuardrailsConfig.safeParse(data.guardrails);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new Error(`${file}: guardrails.${issue.path.join('.')}: ${issue.message}`);
    }
    for (const rule of parsed.data.rules) {
      for (const key of ['arg', 'sql', 'sqlNot', 'redirect'] as const) {
        const pattern = rule[key];
        if (pattern === undefined) continue;
        try {
          new RegExp(pattern);
        } catch (error) {
          throw new Error(
            `${file}: guardrails rule "${rule.name}": ${key}: ${(error as Error).message}`,
          );
        }
      }
    }
    const off = new Set(parsed.data.off);
    return new Guard([...BUILTIN_RULES.filter((r) => !off.has(r.name)), ...parsed.data.rules]);
  }

  /** The flags of one step; `lines` is the file's text by line, to place each command on its line. */
  readonly analyze: StepAnalyzer = (step, lines) => {
    if (!step.runnable || step.code === null) return [];
    // The code starts on the line after the fence (a bare indented block: on the step's line).
    const first =
      step.source !== null && lines[step.line - 1]?.trimStart().match(/^(`{3,}|~{3,})/)
        ? step.line + 1
        : step.line;
    const interpreter = step.attrs.interpreter;
    if (
      SQL.has(step.lang ?? '') ||
      (interpreter && /\b(psql|mysql|mariadb|sqlite3)\b/.test(interpreter))
    )
      return this.detector.analyzeSql(step.code, first, interpreter?.split(/\s+/)[0] ?? 'psql');
    if (interpreter && !/\b(ba|z|da|k)?sh\b/.test(interpreter)) return [];
    if (step.lang !== null && !SHELL_LANGS.has(step.lang)) return [];
    return this.detector.analyzeShell(step.code, first, lines);
  };

  /** Flags for one command line (the plan of `runsheet run --step`, the corpus tests). */
  check(code: string): DangerFlag[] {
    return this.detector.analyzeShell(code, 1);
  }
}
