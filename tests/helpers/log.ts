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

/** "1 h 2 min 3.45 s", "2 min 0.13 s", "0.13 s" (the rehearsal report's durations) in milliseconds. */
export function reportDuration(text: string): number {
  const m = /^(?:(\d+) h )?(?:(\d+) min )?(\d+)\.(\d\d) s$/.exec(text.replace(/\*\*/g, '').trim());
  if (!m) throw new Error(`not a duration of the rehearsal report: "${text}"`);
  return (
    (Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3])) * 1000 + Number(m[4]) * 10
  );
}

/**
 * Asserts that a rehearsal report's rows (each step's time, between steps, interrupted) add up
 * to its Total row and its Total line, in the numbers as printed; returns the rows by name.
 */
export function expectReportAddsUp(report: string): Record<string, string> {
  const rows: Record<string, string> = {};
  let sum = 0;
  let totalRow: number | null = null;
  const lines = report.split('\n');
  const head = lines.findIndex((l) => l.startsWith('| # | Step | Status | Time |'));
  if (head < 0) throw new Error(`no timed table in the report:\n${report}`);
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    const [, name, , time] = cells as [string, string, string, string];
    rows[name.replace(/\*\*/g, '')] = time.replace(/\*\*/g, '');
    if (name === '**Total**') totalRow = reportDuration(time);
    else if (time !== '—') sum += reportDuration(time);
  }
  const line = /^Total: (.+?)(?: \(still running\))? — /m.exec(report);
  const went = /^Where it went: (.+) = (.+)$/m.exec(report);
  const parts = went
    ? went[1]!.split(' + ').map((p) => reportDuration(p.replace(/^\D+ /, '')))
    : [];
  const problems = [
    totalRow === null && 'no Total row',
    totalRow !== sum && `the rows add up to ${sum} ms, the Total row says ${totalRow} ms`,
    !line && 'no Total line',
    line &&
      reportDuration(line[1]!) !== sum &&
      `the Total line says ${line[1]}, the rows ${sum} ms`,
    !went && 'no "Where it went" line',
    went && reportDuration(went[2]!) !== sum && `"Where it went" ends in ${went[2]}`,
    went && parts.reduce((a, b) => a + b, 0) !== sum && `"Where it went" parts add up to ${parts}`,
  ].filter(Boolean);
  if (problems.length > 0) throw new Error(`${problems.join('; ')}:\n${report}`);
  return rows;
}
