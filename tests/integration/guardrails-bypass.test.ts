/**
 * Ways around the guardrails that an independent review found, each shut: the core
 * refuses them whatever the client. Every test here failed before its fix.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn, settled } from '../helpers/harness';
import { tempDir, writeFiles } from '../helpers/temp';

const fence = (code: string, info = 'bash') => `\`\`\`${info}\n${code}\n\`\`\`\n\n`;

describe('guardrails hold against a client that tries to get around them', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  const open = (files: Record<string, string>) => {
    dir = tempDir('runsheet-bypass-');
    writeFiles(dir.path, files);
    return coreOn(dir.path);
  };

  it('editing the environment field does not take a run out of production', async () => {
    const { core, api } = open({
      'prod.md': `---\nenvironment: production\n---\n# P\n\n${fence('rm -rf /tmp/runsheet-bypass-none')}`,
    });
    try {
      const run = await api.call('run.start', { runbookId: 'prod.md' });
      const stepId = Object.keys(run.steps)[0]!;
      await api.call('run.setFields', { runId: run.id, environment: 'staging' });
      await expect(
        api.call('run.execute', { runId: run.id, stepId, confirmed: true }),
      ).rejects.toThrow(/this runs in production: type "production" to confirm/);
    } finally {
      core.dispose();
    }
  });

  it('a value that makes a step destructive asks, as if it were written in the runbook', async () => {
    const { core, api } = open({
      'a.md': `# A\n\n${fence('mkdir -p /tmp/x && rm <flags> /tmp/x')}`,
    });
    try {
      const run = await api.call('run.start', { runbookId: 'a.md' });
      const stepId = Object.keys(run.steps)[0]!;
      await api.call('run.setVariables', { runId: run.id, values: { flags: '-rf' } });
      await expect(api.call('run.execute', { runId: run.id, stepId })).rejects.toThrow(
        /confirmation needed: line \d+: deletes \/tmp\/x and everything under it/,
      );
    } finally {
      core.dispose();
    }
  });

  it('values and hosts of confirmed steps do not change while "Run from here" goes on', async () => {
    const { core, api, latest } = open({
      'b.md': `# B\n\n${fence('sleep 1')}${fence('rm -rf /tmp/runsheet-bypass-<dir>')}`,
    });
    try {
      const run = await api.call('run.start', { runbookId: 'b.md' });
      const [first, second] = Object.keys(run.steps);
      await api.call('run.setVariables', { runId: run.id, values: { dir: 'scratch' } });
      await api.call('run.execute', {
        runId: run.id,
        stepId: first!,
        andFollowing: true,
        confirmed: true,
      });
      await expect(
        api.call('run.setVariables', { runId: run.id, values: { dir: 'keep' } }),
      ).rejects.toThrow(/waits until the steps of "Run from here" have run/);
      await expect(
        api.call('run.setStepTarget', { runId: run.id, stepId: second!, host: null }),
      ).rejects.toThrow(/waits until the steps of "Run from here" have run/);
      const state = await settled(latest);
      expect(state.variables.dir).toBe('scratch');
    } finally {
      core.dispose();
    }
  });

  it('a step that cannot be checked (nested too deep to parse) asks before it runs', async () => {
    const deep = `${'true && '.repeat(5000)}rm -rf /tmp/runsheet-bypass-none`;
    const { core, api } = open({ 'j.md': `# J\n\n${fence(deep)}` });
    try {
      const { runbook } = await api.call('runbook.open', { runbookId: 'j.md' });
      expect(runbook.steps[0]!.danger[0]).toMatchObject({ rule: 'unchecked', severity: 'high' });
      const run = await api.call('run.start', { runbookId: 'j.md' });
      await expect(
        api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id }),
      ).rejects.toThrow(/confirmation needed: line \d+: could not be checked/);
    } finally {
      core.dispose();
    }
  });

  it('approval follows the hosts: a step on a host tagged production needs the signed plan', async () => {
    const { core, api } = open({
      'hosts.yaml':
        'approval: required\nhosts:\n  prod1: { hostname: 127.0.0.2, environment: production }\n',
      'g.md': `# G\n\n${fence('echo on prod1', 'bash {host=prod1}')}`,
    });
    try {
      const run = await api.call('run.start', { runbookId: 'g.md' });
      const stepId = Object.keys(run.steps)[0]!;
      await expect(
        api.call('run.execute', { runId: run.id, stepId, confirmed: true, typed: 'production' }),
      ).rejects.toThrow(/needs a signed plan/);
    } finally {
      core.dispose();
    }
  });

  it("a run's plan is of its own copy of the runbook, and steps left out of Run all are in it", async () => {
    const victim = '/tmp/runsheet-bypass-victim';
    mkdirSync(victim, { recursive: true });
    const A = `---\nenvironment: production\napproval: required\n---\n# R\n\n${fence('echo benign')}${fence('echo by hand', 'bash {excludeFromRunAll=true}')}`;
    const B = A.replace('echo benign', `rm -rf ${victim}`);
    const { core, api } = open({ 'r.md': A });
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir.path, 'k')]);
      writeFileSync(
        join(dir.path, 'allowed_signers'),
        `alice ${execFileSync('cat', [join(dir.path, 'k.pub')], { encoding: 'utf8' }).trim()}\n`,
      );
      const saved = await api.call('run.savePlan', { runbookId: 'r.md' });
      execFileSync('ssh-keygen', [
        '-q',
        '-Y',
        'sign',
        '-f',
        join(dir.path, 'k'),
        '-n',
        'runsheet-plan',
        saved.path,
      ]);
      const signed = await api.call('run.plan', { runbookId: 'r.md' });
      expect(signed.signature?.signer).toBe('alice');
      expect(signed.steps.map((s) => [s.command.trim(), s.runAll])).toEqual([
        ['echo benign', true],
        ['echo by hand', false],
      ]);
      // The run starts on B; the file goes back to A (signed) at once.
      writeFileSync(join(dir.path, 'r.md'), B);
      const run = await api.call('run.start', { runbookId: 'r.md', outsideWindow: true });
      writeFileSync(join(dir.path, 'r.md'), A);
      await api.call('run.plan', { runbookId: 'r.md' }); // reads A into the cache
      const stepId = Object.keys(run.steps)[0]!;
      await api
        .call('run.execute', { runId: run.id, stepId, confirmed: true, typed: 'production' })
        .catch((error: Error) => expect(error.message).toMatch(/needs a signed plan/));
      await new Promise((r) => setTimeout(r, 1500));
      expect(existsSync(victim)).toBe(true);
    } finally {
      core.dispose();
    }
  });
});
