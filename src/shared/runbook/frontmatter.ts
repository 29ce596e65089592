import { parse as parseYaml } from 'yaml';
import type { RunbookWarning } from '../model';

/**
 * Splits YAML frontmatter (`---` on the first line, closed by `---` or `...`)
 * from the body. The frontmatter lines are blanked rather than cut, so line
 * numbers in the body stay those of the file.
 */
export function splitFrontmatter(text: string): {
  data: Record<string, unknown>;
  body: string;
  warnings: RunbookWarning[];
} {
  const lines = text.split('\n');
  if (lines[0]?.trimEnd() !== '---') return { data: {}, body: text, warnings: [] };
  const end = lines.findIndex((l, i) => i > 0 && (l.trimEnd() === '---' || l.trimEnd() === '...'));
  if (end < 0) {
    return {
      data: {},
      body: text,
      warnings: [
        { line: 1, message: 'frontmatter opened with --- is never closed; read as Markdown' },
      ],
    };
  }
  const yaml = lines.slice(1, end).join('\n');
  const body = [...lines.slice(0, end + 1).map(() => ''), ...lines.slice(end + 1)].join('\n');
  const warnings: RunbookWarning[] = [];
  let data: Record<string, unknown> = {};
  try {
    const parsed: unknown = parseYaml(yaml);
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      data = parsed as Record<string, unknown>;
    } else if (parsed != null) {
      warnings.push({
        line: 1,
        message: 'frontmatter is not a mapping of keys to values; ignored',
      });
    }
  } catch (error) {
    const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    warnings.push({ line: 1, message: `frontmatter is not valid YAML: ${message}` });
  }
  const known = new Set(FRONTMATTER_KEYS);
  for (const key of Object.keys(data)) {
    if (!known.has(key)) {
      const at = lines.findIndex((l, i) => i < end && l.startsWith(`${key}:`));
      warnings.push({ line: at >= 0 ? at + 1 : 1, message: `unknown frontmatter key "${key}"` });
    }
  }
  return { data, body, warnings };
}

/** Frontmatter keys Runsheet reads (Runme's `runme`/`shell`/`cwd` are accepted too). */
export const FRONTMATTER_KEYS = [
  'title',
  'description',
  'hosts',
  'targets',
  'host',
  'environment',
  'approval',
  'cadence',
  'owner',
  'tags',
  'runme',
  'shell',
  'cwd',
  'skipPrompts',
  'secrets',
  'errexit',
];
