import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/core/journal/reader';
import { keygen, startSshd, type TestSshd } from '../helpers/sshd';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// Twenty real OpenSSH servers on 127.0.0.10–29, plus one name that answers nowhere.
const HAS_SSHD = existsSync('/usr/sbin/sshd');
const FLEET = Array.from({ length: 20 }, (_, i) => 10 + i);
let dir: ReturnType<typeof tempDir>;
let servers: TestSshd[] = [];
let clientKey: string;

beforeAll(async () => {
  if (!HAS_SSHD) return;
  dir = tempDir('runsheet-fleet-');
  clientKey = join(dir.path, 'client_ed25519');
  keygen(clientKey);
  servers = await Promise.all(
    FLEET.map((n) => startSshd(join(dir.path, `sshd-${n}`), `127.0.0.${n}`, 2222, clientKey)),
  );
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  dir?.cleanup();
});

/** A core on a workspace of `files` and a hosts.yaml, reaching the fleet with the test key. */
function fleetCore(name: string, hostsYaml: string, files: Record<string, string>) {
  const ws = join(dir.path, name);
  mkdirSync(ws);
  writeFiles(ws, { 'hosts.yaml': hostsYaml, ...files });
  const config = join(dir.path, `ssh_config_${name}`);
  writeFileSync(config, `Host fleet-*\n  User root\n  Port 2222\n  IdentityFile ${clientKey}\n`);
  const knownHosts = join(dir.path, `known_hosts_${name}`);
  return {
    knownHosts,
    ...coreOn(ws, {
      ssh: { configFile: config, knownHostsFile: knownHosts, acceptNewHostKeys: true },
    }),
  };
}

describe.skipIf(!HAS_SSHD)('fan-out: one step on a group of hosts', () => {
  it('runs on 20 hosts, reports 20 passed and 1 unreachable, each host in the log', async () => {
    const hostsYaml = [
      'hosts:',
      ...FLEET.map(
        (n) => `  fleet-${n}: { hostname: 127.0.0.${n}, groups: [fleet], environment: staging }`,
      ),
      '  fleet-99: { hostname: 127.0.0.99, groups: [fleet] }',
      '',
    ].join('\n');
    const { core, api, latest, knownHosts } = fleetCore('ws', hostsYaml, {
      'rollout.md':
        '---\ntitle: Rollout\nhosts: fleet\n---\n\n# Rollout\n\n```bash\necho "ok from $(id -un)"\n```\n\n' +
        '```bash {concurrency=3 hosts=fleet-10,fleet-11,fleet-12,fleet-13,fleet-14,fleet-15,fleet-16,fleet-17}\ndate +%s%N; sleep 0.3; date +%s%N\n```\n',
    });
    try {
      const hosts = await api.call('hosts.list', {});
      expect(hosts.filter((h) => h.groups.includes('fleet'))).toHaveLength(21);
      const run = await api.call('run.start', { runbookId: 'rollout.md' });
      expect(run.host).toBe('fleet');
      const { runbook } = await api.call('runbook.open', { runbookId: 'rollout.md' });
      const id = runbook.steps[0]!.id;
      await api.call('run.execute', { runId: run.id, stepId: id });
      const result = await waitFor(
        'the fan-out',
        () => {
          const r = latest()?.steps[id];
          return r && r.status !== 'running' && r.status !== 'pending' ? r : null;
        },
        60_000,
      );
      expect(result.status).toBe('failed');
      expect(result.detail).toBe('21 hosts: 20 passed, 0 failed, 1 unreachable');
      const perHost = Object.entries(result.hosts);
      expect(perHost).toHaveLength(21);
      for (const n of FLEET) {
        expect(result.hosts[`fleet-${n}`]).toMatchObject({
          status: 'passed',
          exitCode: 0,
          output: 'ok from root',
          user: 'root',
        });
        expect(result.hosts[`fleet-${n}`]!.hostKey).toMatch(/^SHA256:/);
      }
      expect(result.hosts['fleet-99']!.status).toBe('unreachable');
      expect(result.hosts['fleet-99']!.detail).toContain('fleet-99');
      expect(Object.keys(latest()!.hostSessions)).toHaveLength(21);
      const log = readFileSync(latest()!.logPath, 'utf8');
      expect(log).toContain('| fleet-10 | passed | 0 |');
      expect(log).toMatch(/\| fleet-99 \| unreachable \(/);
      expect(readFileSync(knownHosts, 'utf8').trim().split('\n')).toHaveLength(20);

      // concurrency=3: never more than three hosts at once, and three at once at some point.
      const rolling = runbook.steps[1]!;
      expect(rolling.attrs.concurrency).toBe(3);
      await api.call('run.execute', { runId: run.id, stepId: rolling.id });
      const rolled = await waitFor(
        'the rolling step',
        () => {
          const r = latest()?.steps[rolling.id];
          return r && r.status !== 'running' && r.status !== 'pending' ? r : null;
        },
        60_000,
      );
      expect(rolled.status).toBe('passed');
      const spans = Object.values(rolled.hosts).map((h) => h.output.split('\n').map(Number));
      expect(spans).toHaveLength(8);
      const overlap = (t: number) => spans.filter(([a, b]) => a! <= t && t < b!).length;
      const peak = Math.max(...spans.map(([a]) => overlap(a!)));
      expect(peak).toBe(3);
    } finally {
      core.dispose();
    }
  }, 120_000);

  it('cancels a step on every host, and stops each host at its timeout, with the same rules as one shell', async () => {
    const hostsYaml = [
      'hosts:',
      ...FLEET.map((n) => `  fleet-${n}: { hostname: 127.0.0.${n}, groups: [fleet] }`),
      '',
    ].join('\n');
    const { core, api, latest } = fleetCore('ws-stop', hostsYaml, {
      'stop.md': [
        '# Stop',
        '',
        '```bash {name=cancel-me hosts=fleet-20,fleet-21,fleet-22,fleet-23 concurrency=3}',
        'echo "waiting on $(hostname -I 2>/dev/null || echo host)"; sleep 30',
        '```',
        '',
        '```bash {name=slow hosts=fleet-24,fleet-25,fleet-26 timeout=1s}',
        'sleep 30',
        '```',
        '',
        '```bash {name=stubborn hosts=fleet-24,fleet-25,fleet-26 timeout=1s}',
        "trap '' INT; sleep 30",
        '```',
        '',
        '```bash {name=after hosts=fleet-24,fleet-25,fleet-26}',
        'echo "still here"',
        '```',
        '',
      ].join('\n'),
    });
    const ended = (id: string) =>
      waitFor(
        id,
        () => {
          const r = latest()?.steps[id];
          return r && r.status !== 'running' && r.status !== 'pending' ? r : null;
        },
        30_000,
      );
    try {
      const run = await api.call('run.start', { runbookId: 'stop.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'stop.md' });
      const [cancelMe, slow, stubborn, after] = runbook.steps;

      // Cancel: three hosts are running it (concurrency=3), the fourth has not started.
      await api.call('run.execute', { runId: run.id, stepId: cancelMe!.id });
      // Until each of the three has printed (read from the journal: real output, per host).
      await waitFor(
        'three hosts waiting',
        () => {
          const { records } = readJournal(run.journalPath);
          const printed = new Set(
            records.flatMap((r) =>
              r.type === 'step.output' && r.stepId === cancelMe!.id ? [r.host] : [],
            ),
          );
          return printed.size === 3 ? true : null;
        },
        30_000,
      );
      const cancelledAt = Date.now();
      await api.call('run.cancel', { runId: run.id });
      const cancelled = await ended(cancelMe!.id);
      expect(Date.now() - cancelledAt).toBeLessThan(10_000);
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.detail).toBe('4 hosts: 0 passed, 0 failed, 0 unreachable, 4 cancelled');
      const byHost = Object.entries(cancelled.hosts).sort(([a], [b]) => a.localeCompare(b));
      expect(byHost.map(([h, r]) => [h, r.status, r.exitCode, r.detail])).toEqual([
        ['fleet-20', 'cancelled', 130, 'cancelled with Ctrl-C'],
        ['fleet-21', 'cancelled', 130, 'cancelled with Ctrl-C'],
        ['fleet-22', 'cancelled', 130, 'cancelled with Ctrl-C'],
        ['fleet-23', 'cancelled', null, 'not run: the step was cancelled first'],
      ]);

      // Timeout: each host's run of the step is stopped with Ctrl-C after 1 s.
      const slowAt = Date.now();
      await api.call('run.execute', { runId: run.id, stepId: slow!.id });
      const timedOut = await ended(slow!.id);
      expect(Date.now() - slowAt).toBeLessThan(10_000);
      expect(timedOut.status).toBe('failed');
      expect(timedOut.detail).toBe(
        '3 hosts: 0 passed, 3 failed, 0 unreachable; 3 timed out after 1.0 s',
      );
      for (const h of Object.values(timedOut.hosts))
        expect(h).toMatchObject({
          status: 'failed',
          exitCode: 130,
          detail: 'timed out after 1.0 s',
        });

      // A step that ignores Ctrl-C is killed after the grace period, on every host; the
      // next step gets new shells there.
      await api.call('run.execute', { runId: run.id, stepId: stubborn!.id });
      const killed = await ended(stubborn!.id);
      expect(killed.status).toBe('failed');
      for (const h of Object.values(killed.hosts))
        expect(h).toMatchObject({
          status: 'failed',
          exitCode: null,
          detail: 'timed out after 1.0 s; the shell was killed',
        });
      await api.call('run.execute', { runId: run.id, stepId: after!.id });
      const next = await ended(after!.id);
      expect(next.status).toBe('passed');
      expect(Object.values(next.hosts).map((h) => h.output)).toEqual([
        'still here',
        'still here',
        'still here',
      ]);
      const log = readFileSync(latest()!.logPath, 'utf8');
      expect(log).toContain('| fleet-23 | cancelled (not run: the step was cancelled first) | — |');
      expect(log).toContain('| fleet-24 | failed (timed out after 1.0 s) | 130 |');
    } finally {
      core.dispose();
    }
  }, 120_000);

  it("writes each host's whole output beside the log when the log cuts it, and says how much", async () => {
    const hostsYaml = [
      'hosts:',
      ...[10, 11].map((n) => `  fleet-${n}: { hostname: 127.0.0.${n}, groups: [pair] }`),
      '',
    ].join('\n');
    const { core, api, latest } = fleetCore('ws-long', hostsYaml, {
      'long.md': '# Long\n\n```bash {name=count hosts=fleet-10,fleet-11}\nseq 1 20000\n```\n',
    });
    const seq = Array.from({ length: 20_000 }, (_, i) => String(i + 1)).join('\n') + '\n';
    try {
      const run = await api.call('run.start', { runbookId: 'long.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'long.md' });
      const id = runbook.steps[0]!.id;
      await api.call('run.execute', { runId: run.id, stepId: id });
      await waitFor('the fan-out', () => latest()?.steps[id]?.status === 'passed', 60_000);
      await api.call('run.finish', { runId: run.id });
      const log = readFileSync(run.logPath, 'utf8');
      const base = basename(run.logPath, '.md');
      for (const host of ['fleet-10', 'fleet-11']) {
        const file = `${base}.output/${id.replace(/\//g, '.')}@${host}.txt`;
        expect(readFileSync(join(dirname(run.logPath), file), 'utf8')).toBe(seq);
        const note = new RegExp(
          `Cut: the first (\\d+) characters \\((\\d+) lines\\) of ${seq.length} \\(20000 lines\\); the log keeps the last (\\d+)\\. All of it is in \`${file.replace(/\./g, '\\.')}\` beside this log, and \`runsheet output ${run.id} ${id} --host ${host}\` prints it from the journal\\.`,
        );
        const [, cut, , kept] = note.exec(log) ?? [];
        expect(cut, `the note for ${host}`).toBeDefined();
        expect(Number(cut) + Number(kept)).toBe(seq.length);
      }
    } finally {
      core.dispose();
    }
  }, 120_000);
});
