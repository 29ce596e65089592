// Runner-agnostic (used from vitest and Playwright): throws with the log attached.
const TEMPLATE: Array<[string, RegExp]> = [
  ['Date', /^Date: \d{4}-\d{2}-\d{2}$/m],
  ['Maintainer', /^Maintainer: \S+/m],
  ['Duration', /^Duration: (\d|in progress)/m],
  ['Issues', /^Issues: .+$/m],
  ['Next Actions', /^Next Actions: .+$/m],
];

/** Asserts the seeds' log template heads the maintenance log, each field on its own line. */
export function expectLogTemplate(
  log: string,
  fields: { task: string; environment: string },
): void {
  const checks: Array<[string, boolean]> = [
    ...TEMPLATE.map(([name, pattern]): [string, boolean] => [name, pattern.test(log)]),
    [`Task: ${fields.task}`, log.includes(`\nTask: ${fields.task}`)],
    [`Environment: ${fields.environment}`, log.includes(`\nEnvironment: ${fields.environment}\n`)],
  ];
  const missing = checks.filter(([, ok]) => !ok).map(([name]) => name);
  if (missing.length > 0) {
    throw new Error(
      `maintenance log lacks template field(s) ${missing.join(', ')}:\n${log.slice(0, 2000)}`,
    );
  }
}
