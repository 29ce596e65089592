import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

describe.skipIf(!HAS_SSHD)('fan-out: one step on a group of hosts', () => {
  it('runs on 20 hosts, reports 20 passed and 1 unreachable, each host in the log', async () => {
    const ws = join(dir.path, 'ws');
    mkdirSync(ws);
    const hostsYaml = [
      'hosts:',
      ...FLEET.map(
        (n) => `  fleet-${n}: { hostname: 127.0.0.${n}, groups: [fleet], environment: staging }`,
      ),
      '  fleet-99: { hostname: 127.0.0.99, groups: [fleet] }',
      '',
    ].join('\n');
    writeFiles(ws, {
      'hosts.yaml': hostsYaml,
      'rollout.md':
        '---\ntitle: Rollout\nhosts: fleet\n---\n\n# Rollout\n\n```bash\necho "ok from $(id -un)"\n```\n\n' +
        '```bash {concurrency=3 hosts=fleet-10,fleet-11,fleet-12,fleet-13,fleet-14,fleet-15,fleet-16,fleet-17}\ndate +%s%N; sleep 0.3; date +%s%N\n```\n',
    });
    const config = join(dir.path, 'ssh_config');
    writeFileSync(config, `Host fleet-*\n  User root\n  Port 2222\n  IdentityFile ${clientKey}\n`);
    const { core, api, latest } = coreOn(ws, {
      ssh: {
        configFile: config,
        knownHostsFile: join(dir.path, 'known_hosts'),
        acceptNewHostKeys: true,
      },
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
      expect(readFileSync(join(dir.path, 'known_hosts'), 'utf8').trim().split('\n')).toHaveLength(
        20,
      );

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
});
