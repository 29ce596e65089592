import { join } from 'node:path';
import { readYamlFile } from '../files/yaml-file';
import type { Runbook } from '../../shared/model';
import { Redactor } from './redactor';

/** Variable names that hold secrets even when the runbook does not say so. */
const SECRET_NAME = /pass(word|phrase)?|secret|token|api[_-]?key|private[_-]?key|credential/i;

/**
 * Whether a runbook variable (placeholder) is secret: listed in the runbook's
 * `secrets:` frontmatter, or named like one (PASSWORD, API_TOKEN, …).
 */
export function isSecretVariable(runbook: Runbook, name: string): boolean {
  const listed = runbook.frontmatter.secrets;
  if (Array.isArray(listed) && listed.map(String).includes(name)) return true;
  return SECRET_NAME.test(name);
}

/**
 * The workspace's own redaction patterns: `redaction.yaml` beside the runbooks,
 * `patterns: { name: regex }`. A pattern that does not compile is an error
 * naming the file and the pattern, so it never silently redacts nothing.
 */
export function workspacePatterns(workspaceDir: string): Array<{ name: string; pattern: RegExp }> {
  const file = join(workspaceDir, 'redaction.yaml');
  const data = readYamlFile<{ patterns?: Record<string, unknown> }>(file);
  return Object.entries(data?.patterns ?? {}).map(([name, source]) => {
    try {
      return { name, pattern: new RegExp(String(source), 'g') };
    } catch (error) {
      throw new Error(
        `${file}: pattern "${name}" is not a valid regular expression: ${(error as Error).message}`,
      );
    }
  });
}

/**
 * The redaction an export goes through (the workspace's patterns and the built-in rules),
 * for text an adapter writes itself: a bundle's copy of a runbook text.
 */
export function workspaceRedaction(workspaceDir: string): (text: string) => Promise<string> {
  const redactor = new Redactor({ patterns: workspacePatterns(workspaceDir) });
  return (text) => redactor.text(text);
}
