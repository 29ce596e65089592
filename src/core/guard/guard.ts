import { join } from 'node:path';
import { GuardrailsConfig, type DangerFlag, type DangerRule, type Step } from '../../shared/model';
import type { StepAnalyzer } from '../../shared/runbook';
import { SHELL_LANGS } from '../../shared/runbook';
import { readYamlFile } from '../files/yaml-file';
import { RE2JS } from 're2js';
import { DangerDetector } from './detect';
import { basename, SHELL_NAMES } from './wrappers';
import { BUILTIN_RULES } from './rules';

/** Languages a step runs as shell code (the rest are judged only when they are SQL). */
const SQL = new Set(['sql', 'psql', 'mysql', 'pgsql', 'plpgsql', 'sqlite']);

/** Steps longer than this are not parsed (they ask, unchecked): a bound on the work per step. */
const MAX_CODE = 200_000;

/** Finds the destructive commands of steps: the built-in rules, then a workspace's own. */
export class Guard {
  private readonly detector: DangerDetector;
  /** Programs a block can be fed to (`interpreter=`) whose statements the SQL rules read. */
  private readonly sqlClients: Set<string>;

  constructor(
    readonly rules: DangerRule[] = BUILTIN_RULES,
    readonly own: DangerRule[] = [],
  ) {
    this.detector = new DangerDetector(rules, own);
    this.sqlClients = new Set(
      [...rules, ...own].filter((r) => r.sql).flatMap((r) => [r.command].flat()),
    );
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
          RE2JS.compile(pattern);
        } catch (error) {
          throw new Error(
            `${file}: guardrails rule "${rule.name}": ${key}: ${(error as Error).message}`,
          );
        }
      }
    }
    const off = new Set(parsed.data.off);
    return new Guard(
      BUILTIN_RULES.filter((r) => !off.has(r.name)),
      parsed.data.rules,
    );
  }

  /** The flags of one step; `lines` is the file's text by line, to place each command on its line. */
  readonly analyze: StepAnalyzer = (step, lines) => {
    if (!step.runnable || step.code === null) return [];
    try {
      if (step.code.length > MAX_CODE) throw new Error(`the step is over ${MAX_CODE / 1000} kB`);
      return this.analyzeStep(step, lines);
    } catch (error) {
      // Fail closed: a step that cannot be checked asks before it runs, as a destructive one does.
      return [
        {
          rule: 'unchecked',
          severity: 'high',
          reason: `could not be checked for destructive commands (${(error as Error).message})`,
          line: step.line,
          command: step.code.split('\n', 1)[0]!.slice(0, 120),
        },
      ];
    }
  };

  private analyzeStep(step: Step, lines: string[]): DangerFlag[] {
    const code = step.code!;
    // The code starts on the line after the fence (a bare indented block: on the step's line).
    const first =
      step.source !== null && lines[step.line - 1]?.trimStart().match(/^(`{3,}|~{3,})/)
        ? step.line + 1
        : step.line;
    const interpreter = step.attrs.interpreter;
    if (interpreter) {
      // What the block is fed to, through any wrapper: `sudo -u postgres psql`,
      // `docker exec -i db mysql`, `ssh db1` (a remote shell), `sudo -i`, `python3`.
      const words = interpreter.trim().split(/\s+/).map(basename);
      const client = words.find((w) => this.sqlClients.has(w));
      if (client) return this.detector.analyzeSql(code, first, client);
      const shell =
        words.some((w) => SHELL_NAMES.has(w)) ||
        ['ssh', 'sudo', 'su', 'doas', 'pkexec'].includes(words[0]!);
      return shell ? this.detector.analyzeShell(code, first, lines) : [];
    }
    if (SQL.has(step.lang ?? '')) return this.detector.analyzeSql(code, first, 'psql');
    if (step.lang !== null && !SHELL_LANGS.has(step.lang)) return [];
    return this.detector.analyzeShell(code, first, lines);
  }

  /** Flags for one command line (the plan of `runsheet run --step`, the corpus tests). */
  check(code: string): DangerFlag[] {
    return this.detector.analyzeShell(code, 1);
  }
}
