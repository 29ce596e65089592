/**
 * Guardrails without a terminal: `runsheet run` refuses destructive steps unless
 * --allow-destructive, and production also needs --confirm-environment. A fake
 * `kubectl` first on PATH records every call, so a refused step provably never ran.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onlyLog, recordingCommands, tempDir, writeFiles } from '../helpers/temp';

const CLI = join(__dirname, '../../bin/runsheet.js');

const RUNBOOK = (environment: string) =>
  [
    '---',
    `environment: ${environment}`,
    '---',
    '# Reset the cluster',
    '',
    '```bash',
    'echo before',
    '```',
    '',
    '```bash',
    'kubectl get pods',
    'kubectl delete namespace production',
    '```',
    '',
  ].join('\n');

describe('runsheet run: destructive steps without a terminal', () => {
  let dir: ReturnType<typeof tempDir>;
  let calls: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(() => {
    dir = tempDir('runsheet-guard-cli-');
    const fake = recordingCommands(dir.path, ['kubectl']);
    calls = fake.calls;
    env = { ...process.env, HOME: dir.path, PATH: fake.path };
  });
  afterEach(() => dir?.cleanup());

  const run = (file: string, ...args: string[]) => {
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'run',
        file,
        '--data-dir',
        join(dir.path, 'data'),
        '--log-dir',
        join(dir.path, 'logs'),
        ...args,
      ],
      { encoding: 'utf8', input: '', env, timeout: 60_000 },
    );
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('refuses, naming file:line and reason, and nothing runs', () => {
    writeFiles(dir.path, { 'reset.md': RUNBOOK('staging') });
    const file = join(dir.path, 'reset.md');
    const r = run(file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to run destructive steps without --allow-destructive');
    expect(r.stderr).toContain(`${file}:12: deletes namespace production (kubectl-delete)`);
    expect(existsSync(calls)).toBe(false);
    // Not even the harmless step before it: the refusal comes before the run starts.
    expect(existsSync(join(dir.path, 'data', 'journals'))).toBe(false);
    expect(r.stdout).not.toContain('before');
  });

  it('runs with --allow-destructive outside production, and the log says it was confirmed', () => {
    writeFiles(dir.path, { 'reset.md': RUNBOOK('staging') });
    const r = run(join(dir.path, 'reset.md'), '--allow-destructive');
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe(
      'kubectl get pods\nkubectl delete namespace production\n',
    );
    const logs = join(dir.path, 'logs');
    const log = onlyLog(logs);
    expect(log).toMatch(
      /## Confirmations\n\nSteps that asked before they ran, and who let them\.\n\n- \S+: \S+ confirmed, in staging:\n {2}- line 12: deletes namespace production/,
    );
  });

  it('in production also needs --confirm-environment with the right name', () => {
    writeFiles(dir.path, { 'reset.md': RUNBOOK('production') });
    const file = join(dir.path, 'reset.md');
    for (const args of [
      ['--allow-destructive'],
      ['--allow-destructive', '--confirm-environment', 'staging'],
    ]) {
      const r = run(file, ...args, '--outside-window');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('the run is in production: pass --confirm-environment production');
      expect(r.stderr).toContain(`${file}:12: deletes namespace production`);
      expect(existsSync(calls)).toBe(false);
    }
    const r = run(
      file,
      '--allow-destructive',
      '--confirm-environment',
      'production',
      '--outside-window',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8')).toContain('kubectl delete namespace production');
    const logs = join(dir.path, 'logs');
    const log = onlyLog(logs);
    expect(log).toMatch(
      /confirmed, in production, typing "production":\n {2}- line 12: deletes namespace production/,
    );
  });

  it('judges a step with the values given: --var flags=-rf makes `rm <flags>` destructive', () => {
    writeFiles(dir.path, {
      'clean.md': `# Clean\n\n\`\`\`bash\nmkdir -p ${dir.path}/v/x && rm <flags> ${dir.path}/v\n\`\`\`\n`,
    });
    const file = join(dir.path, 'clean.md');
    const r = run(file, '--var', 'flags=-rf');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${file}:4: deletes ${dir.path}/v and everything under it (rm-recursive)`,
    );
    expect(existsSync(join(dir.path, 'data', 'journals'))).toBe(false);
  });
});
