import MarkdownIt from 'markdown-it';

// Runner-agnostic (used from vitest and Playwright): throws with the log attached.
const TEMPLATE: Array<[string, RegExp]> = [
  ['Date', /^\d{4}-\d{2}-\d{2}$/],
  ['Maintainer', /^\S+/],
  ['Duration', /^(\d|in progress)/],
  ['Result', /^\d+ passed, \d+ failed, \d+ skipped(, \d+ [a-z ()]+)*, \d+ not run$/],
  ['Issues', /.+/],
  ['Next Actions', /.+/],
];

/**
 * The maintenance log's header as a Markdown viewer shows it: the items of its first
 * list, each "Label: value", by label. Parsed with markdown-it, so fields that a
 * viewer would join into one paragraph are not found.
 */
export function logHeader(log: string): Record<string, string> {
  const tokens = new MarkdownIt().parse(log, {});
  const open = tokens.findIndex((t) => t.type === 'bullet_list_open');
  const fields: Record<string, string> = {};
  if (open < 0) return fields;
  const level = tokens[open]!.level;
  for (let i = open + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'bullet_list_close' && t.level === level) break;
    // An item's own paragraph (a list typed into a field nests deeper).
    if (t.type !== 'inline' || t.level !== level + 3) continue;
    const text = (t.children ?? [])
      .map((c) => (c.type === 'softbreak' || c.type === 'hardbreak' ? '\n' : c.content))
      .join('');
    const match = /^([^:\n]+): ?([\s\S]*)$/.exec(text);
    if (match) fields[match[1]!] = match[2]!;
  }
  return fields;
}

/** Asserts the seeds' log template heads the maintenance log, each field its own list item. */
export function expectLogTemplate(
  log: string,
  fields: { task: string; environment: string },
): void {
  const header = logHeader(log);
  const checks: Array<[string, boolean]> = [
    ...TEMPLATE.map(([name, pattern]): [string, boolean] => [
      name,
      pattern.test(header[name] ?? ''),
    ]),
    [`Task: ${fields.task}`, header.Task?.startsWith(fields.task) ?? false],
    [`Environment: ${fields.environment}`, header.Environment === fields.environment],
  ];
  const missing = checks.filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(
      `maintenance log lacks template field(s) ${missing.join(', ')}:\n${log.slice(0, 2000)}`,
    );
  }
}
