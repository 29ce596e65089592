/* eslint-disable no-control-regex -- terminal escape sequences are what these patterns match */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { corpusLines, generator, GITHUB_TOKEN as TOKEN } from '../helpers/secrets';
import { readTree, tempDir, waitFor, writeFiles } from '../helpers/temp';

const SECRET = 'Tr0ub4dor&3-staging-db';

const RUNBOOK = [
  '# Rotate the database password',
  '',
  '```bash',
  "export PGPASSWORD='<db-password>'",
  'echo "connecting with $PGPASSWORD"',
  'printf "%s" "$PGPASSWORD" | base64',
  '# The secret again, one character every 30 ms, in bold: split across journal batches.',
  'for c in $(printf "%s" "$PGPASSWORD" | fold -w1); do printf "\\033[1m%s\\033[0m" "$c"; sleep 0.03; done; echo',
  `echo "deploy token ${TOKEN.slice(0, 10)}""${TOKEN.slice(10)}"`,
  '```',
  '',
].join('\n');

describe('redaction in a real run (journal, output file, log)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('writes no secret value (in any form) and no token anywhere on disk', async () => {
    dir = tempDir('runsheet-redact-');
    writeFiles(dir.path, {
      'rotate.md': RUNBOOK,
      'redaction.yaml': 'patterns:\n  staging hosts: "db-\\\\d+\\\\.staging\\\\.internal"\n',
    });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'rotate.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'rotate.md' });
      const step = runbook.steps[0]!;
      const name = step.placeholders[0]!.name;
      const set = await api.call('run.setVariables', { runId: run.id, values: { [name]: SECRET } });
      expect(set.variables[name]).toBe(`[REDACTED: secret ${name}]`);
      await api.call('run.execute', { runId: run.id, stepId: step.id });
      const result = await waitFor(
        'the step',
        () => (latest()?.steps[step.id]?.status === 'passed' ? latest()!.steps[step.id] : null),
        20_000,
      );
      expect(result.output).toContain(`connecting with [REDACTED: secret ${name}]`);
      expect(result.output).toContain('deploy token [REDACTED: github]');
      await api
        .call('run.skip', {
          runId: run.id,
          stepId: step.id,
          reason: `ran on db-12.staging.internal with ${SECRET}`,
        })
        .catch(() => undefined);
      await api.call('run.setFields', {
        runId: run.id,
        issues: `db-7.staging.internal refused ${TOKEN}`,
      });
      await api.call('run.finish', { runId: run.id });

      const journals = join(dir.path, '.data', 'journals');
      const written = [...readTree(journals), readFileSync(latest()!.logPath, 'latin1')].join('\n');
      const visible = written.replace(/\x1b\[[0-9;]*m/g, '').replace(/\\u001b\[[0-9;]*m/g, '');
      const base64 = Buffer.from(SECRET).toString('base64');
      for (const leak of [SECRET, base64, TOKEN, 'db-7.staging.internal'])
        expect(visible, leak).not.toContain(leak);
      expect(written).toContain('[REDACTED: staging hosts] refused [REDACTED: github]');
      // The shell did get the real value: the base64 line is its encoding, redacted as such.
      expect(result.output).toContain(`[REDACTED: secret ${name}]`);
    } finally {
      core.dispose();
    }
  });
});

describe('the redaction corpus through a real run', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('leaves no secret of the corpus in any file it writes or any export', async () => {
    dir = tempDir('runsheet-redact-corpus-');
    // The corpus' secret lines are a step's output; a few of them are its command, and
    // every free-text field of the run gets one.
    const secrets = corpusLines('secrets.txt').map(generator(3));
    const output = secrets.map((s) => s.text).join('\n');
    const password = generator(4)('{{pw}}');
    const token = generator(5)('ghp_{{alnum:36}} and {{jwt}}');
    const fields = generator(6)(
      'PGPASSWORD={{pw}}|api_key: {{alnum:32}}|curl -u ops:{{pw}} x|Bearer {{alnum:40}}|export DB_PASSWORD={{pw}}|password: {{pw}}|token={{alnum:32}}',
    );
    const [maintainer, environment, issues, nextActions, note, skip, manual] =
      fields.text.split('|');
    writeFiles(dir.path, {
      'leaks.txt': output,
      'leaky.md': [
        '# Leaky',
        '',
        '- [ ] Print what a careless tool prints',
        '',
        '  ```bash',
        `  cat ${join(dir.path, 'leaks.txt')}`,
        '  ```',
        '',
        '- [ ] A password on the command line',
        '',
        '  ```bash',
        `  : curl -u admin:${password.text} https://example.invalid/health; echo checked`,
        '  ```',
        '',
        '- [ ] Skipped, with a reason that quotes a secret',
        '',
        '- [ ] Ticked, with a note that quotes one',
        '',
      ].join('\n'),
    });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'leaky.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'leaky.md' });
      const [print, command, skipped, ticked] = runbook.steps;
      for (const step of [print!, command!]) {
        await api.call('run.execute', { runId: run.id, stepId: step.id });
        await waitFor(
          step.id,
          () => (latest()?.steps[step.id]?.status === 'passed' ? true : null),
          20_000,
        );
      }
      await api.call('run.skip', { runId: run.id, stepId: skipped!.id, reason: skip! });
      await api.call('run.setChecked', {
        runId: run.id,
        stepId: ticked!.id,
        checked: true,
        note: `${note} ${token.text}`,
      });
      await api.call('run.setFields', {
        runId: run.id,
        maintainer: maintainer!,
        environment: environment!,
        issues: `${issues} ${manual}`,
        nextActions: nextActions!,
      });
      await api.call('run.finish', { runId: run.id });
      const exports: string[] = [];
      for (const format of ['md', 'jira', 'json', 'csv'] as const) {
        exports.push((await api.call('run.export', { runId: run.id, format })).content);
        await api.call('run.saveExport', { runId: run.id, format });
      }
      const state = (await api.call('run.open', { runId: run.id })).state;

      // Every file Runsheet wrote: journals, output files, the index, the log and the saved
      // exports. (The kept copy of the runbook is the user's own file, byte for byte: its
      // hash is the record's; it is not Runsheet's to change, and holds no output.)
      const files = [
        ...walk(join(dir.path, '.data')).filter((f) => !f.includes('/runbooks/')),
        ...walk(join(dir.path, '.logs')),
      ];
      expect(files.length).toBeGreaterThan(4);
      const written = [
        ...files.map((f) => readFileSync(f, 'latin1')),
        ...exports,
        JSON.stringify(state),
      ].join('\n');
      const shown = written.replace(/\x1b\[[0-9;]*m/g, '').replace(/\\u001b\[[0-9;]*m/g, '');
      const values = [
        ...secrets.flatMap((s) => s.values),
        ...password.values,
        ...token.values,
        ...fields.values,
      ];
      expect(values.length).toBeGreaterThan(200);
      const leaked = values.filter(
        (v) => shown.includes(v) || shown.includes(JSON.stringify(v).slice(1, -1)),
      );
      expect(leaked).toEqual([]);
      // What was around the secrets is still there: the record is readable.
      expect(shown).toContain('checked');
      expect(shown).toContain('[REDACTED: ');
    } finally {
      core.dispose();
    }
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
