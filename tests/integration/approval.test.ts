/**
 * Signed approval, offline: a plan saved by `runsheet plan --save`, signed by a real
 * `ssh-keygen -Y sign` with a test key, verified against the workspace's allowed_signers
 * before a production run; a changed plan and an unknown signer are refused.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { findSignature } from '../../src/core/guard/approval';
import { onlyLog, recordingCommands, tempDir, waitFor, writeFiles } from '../helpers/temp';

const CLI = join(__dirname, '../../bin/runsheet.js');

const RUNBOOK = [
  '---',
  'environment: production',
  'approval: required',
  '---',
  '# Rotate the cache',
  '',
  '```bash',
  'echo "flushing <cache-host>"',
  'kubectl delete pod cache-0',
  '```',
  '',
].join('\n');

describe('signed approval of a production plan', () => {
  let dir: ReturnType<typeof tempDir>;
  let ws: string;
  let calls: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(() => {
    dir = tempDir('runsheet-approval-');
    ws = join(dir.path, 'ws');
    mkdirSync(ws);
    const fake = recordingCommands(dir.path, ['kubectl']);
    calls = fake.calls;
    env = { ...process.env, HOME: dir.path, PATH: fake.path };
    writeFiles(ws, { 'rotate.md': RUNBOOK });
    for (const who of ['alice', 'mallory'])
      execFileSync('ssh-keygen', [
        '-q',
        '-t',
        'ed25519',
        '-N',
        '',
        '-C',
        who,
        '-f',
        join(dir.path, who),
      ]);
    const alice = readFileSync(join(dir.path, 'alice.pub'), 'utf8').trim();
    writeFileSync(join(ws, 'allowed_signers'), `alice@example.com ${alice}\n`);
  });
  afterEach(() => dir?.cleanup());

  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      encoding: 'utf8',
      input: '',
      env,
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const runArgs = [
    '--var',
    'cache-host=cache-a',
    '--allow-destructive',
    '--confirm-environment',
    'production',
  ];
  const run = () =>
    cli(
      'run',
      join(ws, 'rotate.md'),
      '--data-dir',
      join(dir.path, 'data'),
      '--log-dir',
      join(dir.path, 'logs'),
      '--outside-window',
      ...runArgs,
    );
  const sign = (who: string, file: string) =>
    execFileSync(
      'ssh-keygen',
      ['-q', '-Y', 'sign', '-f', join(dir.path, who), '-n', 'runsheet-plan', file],
      { env },
    );

  it('plans without running, with filled commands, flags and a SHA-256 over exactly the saved text', () => {
    const r = cli('plan', join(ws, 'rotate.md'), '--var', 'cache-host=cache-a', '--json', '--save');
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout) as {
      sha256: string;
      environment: string;
      approval: string;
      approvalFile: string;
      signature: unknown;
      steps: Array<{
        command: string;
        hosts: string[];
        danger: Array<{ rule: string; reason: string }>;
        asks: boolean;
      }>;
    };
    expect(plan.environment).toBe('production');
    expect(plan.approval).toBe('required');
    expect(plan.signature).toBeNull();
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]!.command).toContain('echo "flushing cache-a"');
    expect(plan.steps[0]!.hosts).toEqual(['local']);
    expect(plan.steps[0]!.danger.map((d) => [d.rule, d.reason])).toEqual([
      ['kubectl-delete', 'deletes pod cache-0'],
    ]);
    expect(plan.steps[0]!.asks).toBe(true);
    const saved = readFileSync(plan.approvalFile, 'utf8');
    expect(createHash('sha256').update(saved).digest('hex')).toBe(plan.sha256);
    expect(existsSync(calls)).toBe(false);
  });

  it('refuses an unsigned plan, runs a signed one and records signer and key; refuses it once the plan changed', () => {
    const unsigned = run();
    expect(unsigned.code).toBe(2);
    expect(unsigned.stderr).toContain('needs a signed plan (approval: required)');
    expect(existsSync(calls)).toBe(false);

    const plan = JSON.parse(
      cli('plan', join(ws, 'rotate.md'), '--var', 'cache-host=cache-a', '--json', '--save').stdout,
    ) as {
      approvalFile: string;
      sha256: string;
    };
    sign('alice', plan.approvalFile);
    const shown = cli('plan', join(ws, 'rotate.md'), '--var', 'cache-host=cache-a');
    expect(shown.stdout).toContain(
      'Approval: required · signed by alice@example.com (ED25519 SHA256:',
    );

    const signed = run();
    expect(signed.code, signed.stderr).toBe(0);
    expect(readFileSync(calls, 'utf8')).toBe('kubectl delete pod cache-0\n');
    const fingerprint = execFileSync('ssh-keygen', ['-lf', join(dir.path, 'alice.pub')], {
      encoding: 'utf8',
    }).split(' ')[1]!;
    const logs = join(dir.path, 'logs');
    const log = onlyLog(logs);
    expect(log).toContain(
      `## Approval\n\nPlan \`${plan.sha256}\` signed by alice@example.com (ED25519 ${fingerprint})`,
    );

    // Another value is another plan: the signature no longer covers it.
    const other = cli(
      'run',
      join(ws, 'rotate.md'),
      '--data-dir',
      join(dir.path, 'data'),
      '--outside-window',
      '--var',
      'cache-host=cache-b',
      '--allow-destructive',
      '--confirm-environment',
      'production',
    );
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('the plan changed since it was signed');
    // So is an edited runbook.
    writeFileSync(
      join(ws, 'rotate.md'),
      RUNBOOK.replace('kubectl delete pod cache-0', 'kubectl delete pod cache-1'),
    );
    const edited = run();
    expect(edited.code).toBe(2);
    expect(edited.stderr).toContain('the plan changed since it was signed');
    expect(readFileSync(calls, 'utf8')).toBe('kubectl delete pod cache-0\n');
  });

  it('refuses a plan signed by a key allowed_signers does not list', () => {
    const plan = JSON.parse(
      cli('plan', join(ws, 'rotate.md'), '--var', 'cache-host=cache-a', '--json', '--save').stdout,
    ) as {
      approvalFile: string;
    };
    sign('mallory', plan.approvalFile);
    const r = run();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is signed by a key that');
    expect(r.stderr).toContain('allowed_signers does not list');
    expect(existsSync(calls)).toBe(false);
  });

  it('the core itself refuses an unsigned production plan, whatever the client (the app calls it the same way)', async () => {
    const { core, api, latest } = coreOn(ws);
    try {
      const run = await api.call('run.start', { runbookId: 'rotate.md', outsideWindow: true });
      await api.call('run.setVariables', { runId: run.id, values: { 'cache-host': 'cache-a' } });
      const stepId = run.steps && Object.keys(run.steps)[0]!;
      const go = () =>
        api.call('run.execute', { runId: run.id, stepId, confirmed: true, typed: 'production' });
      await expect(go()).rejects.toThrow(/this production run needs a signed plan/);
      expect(existsSync(calls)).toBe(false);
      const plan = await api.call('run.plan', { runbookId: 'rotate.md', runId: run.id });
      mkdirSync(join(ws, 'approvals'));
      writeFileSync(plan.approvalFile, plan.text, { flag: 'wx' });
      sign('alice', plan.approvalFile);
      await go();
      await waitFor(
        'the step to end',
        () => (['passed', 'failed'].includes(latest()?.steps[stepId]?.status ?? '') ? true : null),
        20_000,
      );
      expect(latest()!.approval).toMatchObject({
        planSha256: plan.sha256,
        signer: 'alice@example.com',
      });
    } finally {
      core.dispose();
    }
  });

  it('checks signatures again and again without dying when ssh-keygen closes its input first', async () => {
    // find-principals reads no input: writing to it raced its exit (EPIPE), and an
    // unhandled pipe error ended the whole process, the app's server included.
    const plan = JSON.parse(
      cli('plan', join(ws, 'rotate.md'), '--var', 'cache-host=cache-a', '--json', '--save').stdout,
    ) as { approvalFile: string; sha256: string };
    sign('alice', plan.approvalFile);
    const text = readFileSync(plan.approvalFile, 'utf8');
    for (let i = 0; i < 40; i++) {
      const found = await findSignature(ws, 'rotate.md', plan.sha256, text);
      expect(found.signature?.signer).toBe('alice@example.com');
    }
  });
});
