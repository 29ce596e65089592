import { basename, dirname, resolve } from 'node:path';
import type { Runbook } from '../shared/model';
import { parseRunbookFile } from '../shared/runbook';
import { Guard, readRunbookText } from '../core';

/** The `inspect --json` document: stable keys for scripts and tests. */
export function inspectJson(runbook: Runbook): unknown {
  return {
    title: runbook.title,
    frontmatter: runbook.frontmatter,
    cadence: runbook.cadence,
    schedule: runbook.schedule,
    windows: runbook.windows,
    sections: runbook.sections.map(({ id, title, level, line, cadence }) => ({
      id,
      title,
      level,
      line,
      cadence,
    })),
    steps: runbook.steps.map((s) => ({
      id: s.id,
      kind: s.kind,
      section: s.section,
      line: s.line,
      text: s.text,
      code: s.code,
      lang: s.lang,
      runnable: s.runnable,
      checked: s.checked,
      expectedOutput: s.expectedOutput,
      placeholders: s.placeholders,
      env: s.env,
      attrs: s.attrs,
      blocked: s.blocked,
      repaired: s.repaired,
      cadence: s.cadence,
      danger: s.danger.map(({ rule, severity, reason, line }) => ({
        rule,
        severity,
        reason,
        line,
      })),
    })),
    warnings: runbook.warnings,
  };
}

/** A readable outline for people. */
export function inspectText(runbook: Runbook, file: string): string {
  const out = [`${runbook.title}  (${file})`];
  for (const section of runbook.sections) {
    const steps = runbook.steps.filter((s) => s.section === section.id);
    out.push(`${'  '.repeat(section.level - 1)}${section.title}  [line ${section.line}]`);
    for (const step of steps) {
      const mark =
        step.kind === 'check' ? (step.checked ? '[x]' : '[ ]') : step.runnable ? ' $ ' : ' · ';
      const label =
        step.kind === 'check' ? step.text : (step.code?.split('\n').find((l) => l.trim()) ?? '');
      out.push(`${'  '.repeat(section.level)}${mark} ${label.slice(0, 90)}  [line ${step.line}]`);
    }
  }
  for (const w of runbook.warnings) out.push(`${w.severity}: ${file}:${w.line}: ${w.message}`);
  return out.join('\n');
}

/** A runbook file as the app reads it, its steps checked by the guardrails of its folder's runsheet.yaml. */
export function loadRunbookFile(file: string): Runbook {
  return parseRunbookFile(
    readRunbookText(file),
    basename(file),
    Guard.forWorkspace(dirname(resolve(file))).analyze,
  );
}
