/* eslint-disable no-control-regex -- terminal escape sequences are what these patterns match */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { readTree, tempDir, waitFor, writeFiles } from '../helpers/temp';

const SECRET = 'Tr0ub4dor&3-staging-db';
const TOKEN = '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';

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
