import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/core/journal/reader';
import type { RunState, StepResult } from '../../src/shared/model';
import { keygen, startSshd, type TestSshd } from '../helpers/sshd';
import { coreOn } from '../helpers/harness';
import { runsheet } from '../helpers/cli';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// Issue 16, point 1: a fan-out rolled out in batches, on twenty real OpenSSH servers on
// 127.0.0.110–129 (a port of their own, apart from the fan-out tests' fleet). A host fails
// by its address: the step reads the server's address from $SSH_CONNECTION.
const HAS_SSHD = existsSync('/usr/sbin/sshd');
const PORT = 2241;
const FLEET = Array.from({ length: 20 }, (_, i) => 110 + i);
let dir: ReturnType<typeof tempDir>;
let servers: TestSshd[] = [];
let clientKey: string;

beforeAll(async () => {
  if (!HAS_SSHD) return;
  dir = tempDir('runsheet-rollout-');
  clientKey = join(dir.path, 'client_ed25519');
  keygen(clientKey);
  servers = await Promise.all(
    FLEET.map((n) => startSshd(join(dir.path, `sshd-${n}`), `127.0.0.${n}`, PORT, clientKey)),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  dir?.cleanup();
});

const HOSTS_YAML = [
  'hosts:',
  ...FLEET.map((n) => `  fleet-${n}: { hostname: 127.0.0.${n}, groups: [fleet] }`),
  '',
].join('\n');

/** A step that fails (prints "failing", exit 1) on the hosts at these addresses, else prints "ok". */
function failOn(...ns: number[]): string {
  const pattern = ns.map((n) => `*" 127.0.0.${n} "*`).join('|') || '__never__';
  return `case "$SSH_CONNECTION" in ${pattern}) echo failing; false;; *) echo ok;; esac`;
}

function fleetCore(name: string, files: Record<string, string>) {
  const ws = join(dir.path, name);
  mkdirSync(ws);
  writeFiles(ws, { 'hosts.yaml': HOSTS_YAML, ...files });
  const config = join(dir.path, `ssh_config_${name}`);
  writeFileSync(config, `Host fleet-*\n  User root\n  Port ${PORT}\n  IdentityFile ${clientKey}\n`);
  const knownHosts = join(dir.path, `known_hosts_${name}`);
  const made = coreOn(ws, {
    ssh: { configFile: config, knownHostsFile: knownHosts, acceptNewHostKeys: true },
  });
  const ended = (id: string): Promise<StepResult> =>
    waitFor(
      id,
      () => {
        const r = made.latest()?.steps[id];
        return r && r.status !== 'running' && r.status !== 'pending' ? r : null;
      },
      60_000,
    );
  return { ...made, knownHosts, ended };
}

const byStatus = (result: StepResult) => {
  const out: Record<string, string[]> = {};
  for (const [host, h] of Object.entries(result.hosts)) (out[h.status] ??= []).push(host);
  for (const list of Object.values(out))
    list.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return out;
};

describe.skipIf(!HAS_SSHD)('rolling fan-out: batches, failure limits, pauses', () => {
  it('a canary that fails (batch=1,rest maxFail=0) stops the step; the other 19 hosts are not run', async () => {
    const { core, api, knownHosts, ended } = fleetCore('canary', {
      'canary.md': `# Canary\n\n\`\`\`bash {name=patch hosts=fleet batch=1,rest maxFail=0}\n${failOn(110)}\n\`\`\`\n`,
    });
    try {
      // The plan lists the batches before anything runs.
      const plan = await api.call('run.plan', { runbookId: 'canary.md' });
      expect(plan.steps[0]!.rollout!.batches.map((b) => b.length)).toEqual([1, 19]);
      expect(plan.text).toContain('"batchSpec": "1,rest"');
      const run = await api.call('run.start', { runbookId: 'canary.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'canary.md' });
      const id = runbook.steps[0]!.id;
      await api.call('run.execute', { runId: run.id, stepId: id });
      const result = await ended(id);
      expect(result.status).toBe('failed');
      expect(result.detail).toBe('20 hosts: 0 passed, 1 failed, 0 unreachable, 19 not run');
      expect(byStatus(result)).toEqual({
        failed: ['fleet-110'],
        'not-run': FLEET.slice(1).map((n) => `fleet-${n}`),
      });
      const reason =
        '1 of 20 hosts failed, more than maxFail=0 allows (0); stopped after batch 1 of 2';
      expect(result.hosts['fleet-111']).toMatchObject({
        status: 'not-run',
        exitCode: null,
        detail: `not run: ${reason}`,
        output: '',
        user: null,
      });
      expect(result.rollout).toMatchObject({
        batches: [['fleet-110'], FLEET.slice(1).map((n) => `fleet-${n}`)],
        maxFail: 0,
        current: 1,
        waiting: null,
        stopped: reason,
      });
      // Only the canary was ever connected to.
      expect(readFileSync(knownHosts, 'utf8').trim().split('\n')).toHaveLength(1);
      const steps = readJournal(run.journalPath).records.filter(
        (r) => r.type === 'step.batch' || r.type === 'step.started',
      );
      expect(
        steps.map((r) => (r.type === 'step.batch' ? `${r.state} ${r.index}` : r.type)),
      ).toEqual(['step.started', 'running 0', 'stopped 1']);

      await api.call('run.finish', { runId: run.id });
      const log = readFileSync(run.logPath, 'utf8');
      expect(log).toContain(
        `Rollout: batch=1,rest, maxFail=0 (stops when more than 0 hosts fail): 2 batches of 1, 19 hosts; ${reason}.`,
      );
      expect(log).toContain(
        `Not run (19): ${FLEET.slice(1)
          .map((n) => `fleet-${n}`)
          .join(', ')}.`,
      );
      expect(log).toContain(`| fleet-129 | not-run (not run: ${reason}) | — |`);
      const json = JSON.parse(
        (await api.call('run.export', { runId: run.id, format: 'json' })).content,
      ) as { steps: Array<{ notRun: Array<{ host: string; reason: string }>; rollout: unknown }> };
      expect(json.steps[0]!.notRun).toHaveLength(19);
      expect(json.steps[0]!.notRun[0]).toEqual({ host: 'fleet-111', reason: `not run: ${reason}` });
      expect(json.steps[0]!.rollout).toMatchObject({ stopped: reason });
    } finally {
      core.dispose();
    }
  }, 120_000);

  it('maxFail=10% of 20 hosts allows 2 failures: the third stops the rollout after its batch', async () => {
    const { core, api, ended } = fleetCore('percent', {
      // Batches of 5: one failure in each of the first three batches.
      'percent.md': `# Percent\n\n\`\`\`bash {hosts=fleet batch=5 maxFail=10% concurrency=2}\n${failOn(112, 117, 122)}\n\`\`\`\n`,
    });
    try {
      const run = await api.call('run.start', { runbookId: 'percent.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'percent.md' });
      const id = runbook.steps[0]!.id;
      await api.call('run.execute', { runId: run.id, stepId: id });
      const result = await ended(id);
      expect(result.detail).toBe('20 hosts: 12 passed, 3 failed, 0 unreachable, 5 not run');
      expect(byStatus(result)).toEqual({
        passed: FLEET.slice(0, 15)
          .filter((n) => ![112, 117, 122].includes(n))
          .map((n) => `fleet-${n}`),
        failed: ['fleet-112', 'fleet-117', 'fleet-122'],
        'not-run': FLEET.slice(15).map((n) => `fleet-${n}`),
      });
      expect(result.hosts['fleet-117']!.output).toBe('failing');
      expect(result.rollout!.batches.map((b) => b.length)).toEqual([5, 5, 5, 5]);
      expect(result.rollout!.stopped).toBe(
        '3 of 20 hosts failed, more than maxFail=10% allows (2); stopped after batch 3 of 4',
      );
    } finally {
      core.dispose();
    }
  }, 120_000);

  it('pauseBetween=1s waits between batches; pauseBetween=ask waits for the go-ahead', async () => {
    const { core, api, latest, ended } = fleetCore('pause', {
      'pause.md': [
        '# Pause',
        '',
        '```bash {name=timed hosts=fleet-110,fleet-111,fleet-112,fleet-113 batch=2 pauseBetween=1s}',
        'date +%s%N',
        '```',
        '',
        '```bash {name=asked hosts=fleet-114,fleet-115,fleet-116 batch=1,rest pauseBetween=ask}',
        'echo "went on"',
        '```',
        '',
      ].join('\n'),
    });
    try {
      const run = await api.call('run.start', { runbookId: 'pause.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'pause.md' });
      const [timed, asked] = runbook.steps;
      await api.call('run.execute', { runId: run.id, stepId: timed!.id });
      // The state says it waits, and until when, between its two batches.
      const waiting = await waitFor(
        'the pause',
        () => latest()?.steps[timed!.id]?.rollout?.waiting ?? null,
        30_000,
      );
      expect(waiting.until).not.toBeNull();
      expect(latest()!.steps[timed!.id]!.rollout!.current).toBe(1);
      const result = await ended(timed!.id);
      expect(result.status).toBe('passed');
      const at = (host: string) => Number(result.hosts[host]!.output) / 1e6;
      const first = Math.max(at('fleet-110'), at('fleet-111'));
      const second = Math.min(at('fleet-112'), at('fleet-113'));
      expect(second - first).toBeGreaterThanOrEqual(1000);

      // ask: batch 2 waits until the operator says go on; nothing runs there meanwhile.
      await expect(api.call('run.proceed', { runId: run.id, stepId: asked!.id })).rejects.toThrow(
        /not waiting/,
      );
      await api.call('run.execute', { runId: run.id, stepId: asked!.id });
      await waitFor(
        'the question',
        () => (latest()?.steps[asked!.id]?.rollout?.waiting?.until === null ? true : null),
        30_000,
      );
      await new Promise((r) => setTimeout(r, 1500));
      const still: RunState = latest()!;
      expect(still.steps[asked!.id]!.status).toBe('running');
      expect(Object.keys(still.steps[asked!.id]!.hosts)).toEqual(['fleet-114']);
      await api.call('run.proceed', { runId: run.id, stepId: asked!.id });
      const went = await ended(asked!.id);
      expect(went.status).toBe('passed');
      expect(Object.values(went.hosts).map((h) => h.output)).toEqual([
        'went on',
        'went on',
        'went on',
      ]);
      const go = readJournal(run.journalPath).records.find(
        (r) =>
          r.type === 'step.batch' &&
          r.stepId === asked!.id &&
          r.state === 'running' &&
          r.index === 1,
      );
      expect(go).toMatchObject({ by: expect.any(String) });
    } finally {
      core.dispose();
    }
  }, 120_000);

  it('in production, a step that asked before it ran asks again, name typed, before each batch', async () => {
    const { core, api, latest, ended } = fleetCore('prod', {
      'prod.md':
        '---\nenvironment: production\nbatch: 1,rest\npauseBetween: ask\n---\n\n# Prod\n\n```bash {hosts=fleet-126,fleet-127 confirm=true}\necho done\n```\n',
    });
    try {
      const run = await api.call('run.start', { runbookId: 'prod.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'prod.md' });
      const id = runbook.steps[0]!.id;
      await api.call('run.execute', {
        runId: run.id,
        stepId: id,
        confirmed: true,
        typed: 'production',
      });
      await waitFor('the question', () => latest()?.steps[id]?.rollout?.waiting ?? null, 30_000);
      await expect(
        api.call('run.proceed', { runId: run.id, stepId: id, confirmed: true }),
      ).rejects.toThrow(/type "production" to confirm/);
      await api.call('run.proceed', {
        runId: run.id,
        stepId: id,
        confirmed: true,
        typed: 'production',
      });
      expect((await ended(id)).status).toBe('passed');
      const confirmed = readJournal(run.journalPath).records.filter(
        (r) => r.type === 'step.confirmed',
      );
      expect(confirmed).toHaveLength(2);
      expect(confirmed[1]).toMatchObject({ typed: 'production', environment: 'production' });
    } finally {
      core.dispose();
    }
  }, 60_000);

  it('cancel while a rollout waits records the hosts left as cancelled before they started', async () => {
    const { core, api, latest, ended } = fleetCore('cancel', {
      'cancel.md':
        '# Cancel\n\n```bash {hosts=fleet-118,fleet-119 batch=1 pauseBetween=ask}\necho hi\n```\n',
    });
    try {
      const run = await api.call('run.start', { runbookId: 'cancel.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'cancel.md' });
      const id = runbook.steps[0]!.id;
      await api.call('run.execute', { runId: run.id, stepId: id });
      await waitFor('the question', () => latest()?.steps[id]?.rollout?.waiting ?? null, 30_000);
      await api.call('run.cancel', { runId: run.id });
      const result = await ended(id);
      expect(result.status).toBe('cancelled');
      expect(result.hosts['fleet-119']).toMatchObject({
        status: 'cancelled',
        detail: 'not run: the step was cancelled first',
      });
      expect(result.rollout!.stopped).toBe('cancelled before batch 2 of 2');
    } finally {
      core.dispose();
    }
  }, 60_000);

  it('runsheet run without a terminal goes on past pauseBetween=ask only with --yes', async () => {
    const ws = join(dir.path, 'cli');
    mkdirSync(ws);
    writeFiles(ws, {
      'hosts.yaml': HOSTS_YAML,
      'ask.md':
        '# Ask\n\n```bash {hosts=fleet-120,fleet-121 batch=1 pauseBetween=ask}\necho hi\n```\n',
    });
    const config = join(ws, 'ssh_config');
    writeFileSync(
      config,
      `Host fleet-*\n  User root\n  Port ${PORT}\n  IdentityFile ${clientKey}\n`,
    );
    const cli = (...extra: string[]) =>
      runsheet(
        [
          'run',
          join(ws, 'ask.md'),
          '--json',
          '--ssh-config',
          config,
          '--known-hosts',
          join(ws, 'known_hosts'),
          '--accept-new-host-keys',
          '--data-dir',
          join(ws, 'data'),
          '--log-dir',
          join(ws, 'logs'),
          ...extra,
        ],
        ws,
      );
    const refused = cli();
    expect(refused.stderr).toContain('batch 2 of 2 (1 host) of ');
    expect(refused.stderr).toContain('without a terminal pass --yes to go on');
    const [step] = refused.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status?: string });
    expect(step!.status).toBe('cancelled');
    expect(refused.code).toBe(1);
    const went = cli('--yes');
    const [passed] = went.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status?: string });
    expect(passed!.status).toBe('passed');
    expect(went.code).toBe(0);
  }, 120_000);

  it('groups identical outputs in the log and diffs the outlier against the majority (point 2)', async () => {
    const { core, api, ended } = fleetCore('groups', {
      'groups.md':
        '# Groups\n\n```bash {hosts=fleet-110,fleet-111,fleet-112,fleet-113,fleet-114,fleet-115}\n' +
        'echo "kernel $(case "$SSH_CONNECTION" in *" 127.0.0.113 "*) echo 5.10;; *) echo 6.1;; esac)"; echo "disk ok"\n```\n',
    });
    try {
      const run = await api.call('run.start', { runbookId: 'groups.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'groups.md' });
      const id = runbook.steps[0]!.id;
      await api.call('run.execute', { runId: run.id, stepId: id });
      expect((await ended(id)).status).toBe('passed');
      await api.call('run.finish', { runId: run.id });
      const log = readFileSync(run.logPath, 'utf8');
      expect(log).toContain('Output of 6 hosts, grouped:');
      expect(log).toContain(
        '- 5 hosts: same output (the majority): fleet-110, fleet-111, fleet-112, fleet-114, fleet-115',
      );
      expect(log).toContain('- fleet-113: differs from the majority: fleet-113');
      // The five identical outputs are one block in the log; the outlier keeps its own.
      expect(log).toContain(
        '<details><summary>Output on 5 hosts (same output): fleet-110, fleet-111, fleet-112, fleet-114, fleet-115</summary>',
      );
      expect(log).toContain('<details><summary>Output on fleet-113</summary>');
      expect(log).not.toContain('<details><summary>Output on fleet-110</summary>');
      expect(log).toMatch(
        /```diff\n\s*--- fleet-110 and 4 more\n\s*\+\+\+ fleet-113\n[^`]*-kernel 6\.1\n\s*\+kernel 5\.10\n\s* disk ok/,
      );
    } finally {
      core.dispose();
    }
  }, 60_000);

  it('a bad batch=, maxFail= or pauseBetween= value blocks its step, naming the line', async () => {
    const { core, api } = fleetCore('bad', {
      'bad.md': '# Bad\n\n```bash {hosts=fleet batch=1,rest,5}\necho never\n```\n',
    });
    try {
      const run = await api.call('run.start', { runbookId: 'bad.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'bad.md' });
      await expect(
        api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id }),
      ).rejects.toThrow(
        /the step at line 3 cannot run until the runbook is fixed: line 3: fence attribute batch=1,rest,5 is not valid \(expected batch sizes/,
      );
      expect(readJournal(run.journalPath).records.some((r) => r.type === 'step.started')).toBe(
        false,
      );
    } finally {
      core.dispose();
    }
  }, 60_000);
});
