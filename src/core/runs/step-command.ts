import { substitutePlaceholders } from '../../shared/runbook/placeholders';
import { ApiError } from '../../shared/api/errors';
import { blockedReason, type DangerFlag, type Step } from '../../shared/model';
import type { StepAnalyzer } from '../../shared/runbook';

/** What runs for a step: placeholders filled, and a non-shell block handed to its interpreter. */
export function commandFor(step: Step, variables: Record<string, string>): string {
  const code = substitutePlaceholders(step.code ?? '', variables);
  const interpreter = step.attrs.interpreter;
  if (!interpreter) return code;
  // A quoted heredoc passes the block to the interpreter byte for byte.
  let delimiter = 'RUNSHEET_EOF';
  while (code.includes(delimiter)) delimiter += '_';
  return `${interpreter} <<'${delimiter}'\n${code.endsWith('\n') ? code : `${code}\n`}${delimiter}\n`;
}

/**
 * A step's danger flags found again on its code with `variables` filled in (a value can be
 * what makes a command destructive). The interpreter is left off: its block is what is judged.
 */
export function dangerWithValues(
  step: Step,
  variables: Record<string, string>,
  analyze: StepAnalyzer,
  lines: string[],
): DangerFlag[] {
  const code = commandFor({ ...step, attrs: { ...step.attrs, interpreter: undefined } }, variables);
  return analyze({ ...step, code }, lines);
}

/** Placeholders of a step that have no value yet, as written in the runbook. */
export function missingValues(step: Step, variables: Record<string, string>): string[] {
  return step.placeholders.filter((p) => !(p.name in variables)).map((p) => p.tokens[0] ?? p.name);
}

/**
 * Refuses, before anything runs, steps the runbook's errors stop (a bad fence
 * attribute, a bad frontmatter value) and steps that are missing placeholder
 * values; names them by line.
 */
export function checkSteps(steps: Step[], variables: Record<string, string>): void {
  const first = steps[0]!;
  const blocked = steps.map(blockedReason).find((r) => r !== null);
  if (blocked) throw new ApiError('invalid-input', blocked);
  const missing = [...new Set(steps.flatMap((s) => missingValues(s, variables)))];
  if (missing.length > 0)
    throw new ApiError(
      'invalid-input',
      `fill in ${missing.join(', ')} before running the step at line ${first.line}`,
    );
}
