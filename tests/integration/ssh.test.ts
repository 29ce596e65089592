import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keygen, startSshd, type TestSshd } from '../helpers/sshd';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// A real OpenSSH server on 127.0.0.2:2222 with keys made for this run.
let sshd: TestSshd;
let dir: ReturnType<typeof tempDir>;
const HAS_SSHD = existsSync('/usr/sbin/sshd');

beforeAll(async () => {
  if (!HAS_SSHD) return;
  dir = tempDir('runsheet-ssh-');
  sshd = await startSshd(join(dir.path, 'sshd'));
}, 30_000);

afterAll(async () => {
  await sshd?.stop();
  dir?.cleanup();
});

function sshConfig(): string {
  const file = join(dir.path, 'ssh_config');
  writeFileSync(
    file,
    `Host rehearsal\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User root\n  IdentityFile ${sshd.clientKey}\n`,
  );
  return file;
}

function harness(knownHosts: string, acceptNew: boolean) {
  const ws = join(dir.path, `ws-${Math.random().toString(36).slice(2)}`);
  mkdirSync(ws, { recursive: true });
  writeFiles(ws, {
    'remote.md':
      '# Remote\n\n```bash\ncd /tmp && export WHERE=remote && echo "on $(hostname) as $(id -un)"\n```\n\n```bash\necho "$WHERE in $PWD"; exit 7\n```\n\n```bash\necho short\n```\n\n```bash\nrm -rf "${RUNSHEET_STEP_FILE%/*}" "$RUNSHEET_STATE_DIR"\n```\n\n```bash\necho after the clean-up\n```\n',
  });
  return coreOn(ws, {
    ssh: { configFile: sshConfig(), knownHostsFile: knownHosts, acceptNewHostKeys: acceptNew },
  });
}

describe.skipIf(!HAS_SSHD)('steps on a remote host over SSH (real OpenSSH server)', () => {
  it('refuses an unknown host key without accept-new, naming the host and its fingerprint', async () => {
    const known = join(dir.path, 'known_hosts_empty');
    const h = harness(known, false);
    try {
      const run = await h.api.call('run.start', { runbookId: 'remote.md', host: 'rehearsal' });
      const { runbook } = await h.api.call('runbook.open', { runbookId: 'remote.md' });
      const print = spawnSync('ssh-keygen', ['-lf', join(sshd.dir, 'host_ed25519.pub')], {
        encoding: 'utf8',
      }).stdout.split(' ')[1]!;
      await expect(
        h.api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id }),
      ).rejects.toThrow(
        `the host key of rehearsal ([127.0.0.2]:2222) is not known: ${print} (ssh-ed25519)`,
      );
      expect(existsSync(known)).toBe(false);
    } finally {
      h.core.dispose();
    }
  });

  it('accepts a new key (recording it), runs steps with exit codes and shell state, and records the host', async () => {
    const known = join(dir.path, 'known_hosts_accept');
    const h = harness(known, true);
    try {
      const run = await h.api.call('run.start', { runbookId: 'remote.md', host: 'rehearsal' });
      expect(run.host).toBe('rehearsal');
      const { runbook } = await h.api.call('runbook.open', { runbookId: 'remote.md' });
      const [first, second] = runbook.steps;
      await h.api.call('run.execute', { runId: run.id, stepId: first!.id });
      const one = await waitFor(
        'step 1',
        () =>
          h.latest()?.steps[first!.id]?.status === 'passed' ? h.latest()!.steps[first!.id] : null,
        20_000,
      );
      expect(one!.output).toMatch(/^on \S+ as root$/);
      expect(one!.host).toBe('rehearsal');
      // A shorter step after a longer one in the same shell: the step file holds it exactly
      // (nothing of the longer one is left at its end to run after it).
      const third = runbook.steps[2]!;
      await h.api.call('run.execute', { runId: run.id, stepId: third.id });
      const short = await waitFor(
        'the short step',
        () =>
          h.latest()?.steps[third.id]?.status !== 'running' &&
          h.latest()?.steps[third.id]?.status !== 'pending'
            ? h.latest()!.steps[third.id]
            : null,
        20_000,
      );
      expect([short!.status, short!.output]).toEqual(['passed', 'short']);
      // A step that cleans /tmp takes Runsheet's folder on the host with it; the next step still runs.
      const clean = runbook.steps[3]!;
      const after = runbook.steps[4]!;
      for (const step of [clean, after]) {
        // The clean-up deletes folders: a destructive step, confirmed as a user would.
        await h.api.call('run.execute', { runId: run.id, stepId: step.id, confirmed: true });
        await waitFor(
          'the step',
          () =>
            ['passed', 'failed'].includes(h.latest()?.steps[step.id]?.status ?? '') &&
            h.latest()!.runningStepId === null,
          20_000,
        );
      }
      expect(h.latest()!.steps[clean.id]!.status).toBe('passed');
      expect([h.latest()!.steps[after.id]!.status, h.latest()!.steps[after.id]!.output]).toEqual([
        'passed',
        'after the clean-up',
      ]);
      await h.api.call('run.execute', { runId: run.id, stepId: second!.id });
      const two = await waitFor(
        'step 2',
        () =>
          h.latest()?.steps[second!.id]?.status === 'failed' ? h.latest()!.steps[second!.id] : null,
        20_000,
      );
      expect([two!.exitCode, two!.output]).toEqual([7, 'remote in /tmp']);
      expect(readFileSync(known, 'utf8')).toBe(`[127.0.0.2]:2222 ${sshd.hostKeyLine}\n`);
    } finally {
      h.core.dispose();
    }
  });

  it('refuses a changed host key before authenticating, naming the known_hosts line', async () => {
    const known = join(dir.path, 'known_hosts_changed');
    keygen(join(dir.path, 'impostor'));
    const impostor = readFileSync(join(dir.path, 'impostor.pub'), 'utf8')
      .trim()
      .split(' ')
      .slice(0, 2)
      .join(' ');
    writeFileSync(known, `# team hosts\n[127.0.0.2]:2222 ${impostor}\n`);
    const logBefore = sshd.log().length;
    const h = harness(known, true);
    try {
      const run = await h.api.call('run.start', { runbookId: 'remote.md', host: 'rehearsal' });
      const { runbook } = await h.api.call('runbook.open', { runbookId: 'remote.md' });
      await expect(
        h.api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id }),
      ).rejects.toThrow(`has CHANGED: it offered`);
      await expect(
        h.api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id }),
      ).rejects.toThrow(`${known}:2`);
      // The server saw no authentication attempt from us.
      const log = sshd.log().slice(logBefore);
      expect(log).not.toMatch(/Accepted publickey|Failed publickey|userauth/i);
    } finally {
      h.core.dispose();
    }
  });
});

describe.skipIf(!HAS_SSHD)('ProxyJump', () => {
  it("reaches a host through a two-hop chain, verifying every hop's host key", async () => {
    const jump1 = await startSshd(join(dir.path, 'jump1'), '127.0.0.3', 2222, sshd.clientKey);
    const jump2 = await startSshd(join(dir.path, 'jump2'), '127.0.0.4', 2222, sshd.clientKey);
    const ws = join(dir.path, 'jumps');
    mkdirSync(ws, { recursive: true });
    writeFiles(ws, { 'inner.md': '# Inner\n\n```bash\necho "reached $(hostname)"\n```\n' });
    const config = join(ws, 'ssh_config');
    const host = (name: string, ip: string, jump?: string) =>
      `Host ${name}\n  HostName ${ip}\n  Port 2222\n  User root\n  IdentityFile ${sshd.clientKey}\n${jump ? `  ProxyJump ${jump}\n` : ''}`;
    writeFileSync(
      config,
      host('jump1', '127.0.0.3') +
        host('jump2', '127.0.0.4', 'jump1') +
        host('inner', '127.0.0.2', 'jump2'),
    );
    const known = join(ws, 'known_hosts');
    const { core, api, latest } = coreOn(ws, {
      ssh: { configFile: config, knownHostsFile: known, acceptNewHostKeys: true },
    });
    try {
      const run = await api.call('run.start', { runbookId: 'inner.md', host: 'inner' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'inner.md' });
      await api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id });
      const result = await waitFor(
        'the step',
        () =>
          latest()?.steps[runbook.steps[0]!.id]?.status === 'passed'
            ? latest()!.steps[runbook.steps[0]!.id]
            : null,
        30_000,
      );
      expect(result.output).toMatch(/^reached /);
      // Every hop's key was checked and recorded, in order, and every hop authenticated us.
      const recorded = readFileSync(known, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' ')[0]);
      expect(recorded).toEqual(['[127.0.0.3]:2222', '[127.0.0.4]:2222', '[127.0.0.2]:2222']);
      expect(jump2.log()).toMatch(/Accepted publickey/);
      expect(jump1.log()).toMatch(/Accepted publickey/);
    } finally {
      core.dispose();
      await jump1.stop();
      await jump2.stop();
    }
  });
});

describe.skipIf(!HAS_SSHD)('authentication', () => {
  /** A one-step runbook run on `host` with these ssh options; resolves with the step's result. */
  async function runOn(host: string, config: string, extra: Record<string, unknown>) {
    const ws = join(dir.path, `auth-${host}-${Math.random().toString(36).slice(2)}`);
    mkdirSync(ws, { recursive: true });
    writeFiles(ws, { 'who.md': '# Who\n\n```bash\necho "in as $(id -un)"\n```\n' });
    const { core, api, latest } = coreOn(ws, {
      ssh: {
        configFile: config,
        knownHostsFile: join(dir.path, 'known_hosts_auth'),
        acceptNewHostKeys: true,
        ...extra,
      },
    });
    try {
      const run = await api.call('run.start', { runbookId: 'who.md', host });
      const { runbook } = await api.call('runbook.open', { runbookId: 'who.md' });
      await api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id });
      return await waitFor(
        'the step',
        () => {
          const r = latest()?.steps[runbook.steps[0]!.id];
          return r && r.status !== 'running' && r.status !== 'pending' ? r : null;
        },
        20_000,
      );
    } finally {
      core.dispose();
    }
  }

  it("asks for an encrypted key's passphrase once per process, and never again", async () => {
    const key = join(dir.path, 'locked_ed25519');
    keygen(key, 'correct horse');
    writeFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`), { flag: 'a' });
    const config = join(dir.path, 'ssh_config_locked');
    writeFileSync(
      config,
      `Host locked\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User root\n  IdentityFile ${key}\n`,
    );
    const asked: string[] = [];
    const askPassphrase = async (file: string) => {
      asked.push(file);
      return 'correct horse';
    };
    expect((await runOn('locked', config, { askPassphrase, agent: '' })).output).toBe('in as root');
    expect((await runOn('locked', config, { askPassphrase, agent: '' })).output).toBe('in as root');
    expect(asked).toEqual([key]);
  });

  it('authenticates with ssh-agent when no key file is readable', async () => {
    const key = join(dir.path, 'agent_ed25519');
    keygen(key);
    writeFileSync(join(sshd.dir, 'authorized_keys'), readFileSync(`${key}.pub`), { flag: 'a' });
    const sock = join(dir.path, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      await waitFor('the agent socket', () => existsSync(sock), 5_000);
      const added = spawnSync('ssh-add', [key], {
        env: { ...process.env, SSH_AUTH_SOCK: sock },
        encoding: 'utf8',
      });
      expect(added.status).toBe(0);
      const config = join(dir.path, 'ssh_config_agent');
      writeFileSync(
        config,
        `Host viaagent\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User root\n  IdentityFile ${join(dir.path, 'no-such-key')}\n`,
      );
      const before = sshd.log().length;
      expect((await runOn('viaagent', config, { agent: sock })).output).toBe('in as root');
      const print = spawnSync('ssh-keygen', ['-lf', `${key}.pub`], {
        encoding: 'utf8',
      }).stdout.split(' ')[1]!;
      expect(sshd.log().slice(before)).toContain(`Accepted publickey for root from 127.0.0.1`);
      expect(sshd.log().slice(before)).toContain(print);
    } finally {
      agent.kill();
    }
  });
});

describe.skipIf(!HAS_SSHD)('a connection lost mid-step', () => {
  it('marks the step "unknown outcome" (never re-run), and the next step reconnects', async () => {
    const ws = join(dir.path, 'lost');
    mkdirSync(ws, { recursive: true });
    writeFiles(ws, {
      'lost.md': '# Lost\n\n```bash\necho started; sleep 30\n```\n\n```bash\necho back\n```\n',
    });
    const { core, api, latest } = coreOn(ws, {
      ssh: {
        configFile: sshConfig(),
        knownHostsFile: join(dir.path, 'known_hosts_lost'),
        acceptNewHostKeys: true,
      },
    });
    try {
      const run = await api.call('run.start', { runbookId: 'lost.md', host: 'rehearsal' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'lost.md' });
      const [slow, next] = runbook.steps;
      const connection = () => latest()?.connections.find((c) => c.host === 'rehearsal');
      await waitFor('the connection', () => connection()?.state === 'ready', 20_000);
      await api.call('run.execute', { runId: run.id, stepId: slow!.id });
      await waitFor(
        'the step to start',
        () => latest()?.steps[slow!.id]?.status === 'running',
        20_000,
      );
      await new Promise((r) => setTimeout(r, 500));
      // Kill the server side of this connection (sshd's per-connection children), as a crash would.
      spawnSync('pkill', ['-9', '-P', String(sshd.pid)]);
      const lost = await waitFor(
        'the outcome',
        () => {
          const r = latest()?.steps[slow!.id];
          return r && r.status !== 'running' && r.status !== 'pending' ? r : null;
        },
        20_000,
      );
      expect(lost.status).toBe('unknown');
      expect(lost.exitCode).toBeNull();
      expect(lost.detail).toContain('the connection to rehearsal (root@127.0.0.2:2222) was lost');
      expect(lost.hostKey).toMatch(/^SHA256:/);
      // The host shows as lost, naming why; reconnecting on demand brings it back.
      await waitFor('the lost state', () => connection()?.state === 'lost', 5_000);
      expect(connection()!.detail).toContain('the connection to rehearsal');
      const lostSession = connection()!.sessionId;
      const reconnecting = await api.call('run.reconnect', { runId: run.id, host: 'rehearsal' });
      expect(reconnecting.connections[0]).toMatchObject({ host: 'rehearsal', state: 'connecting' });
      await waitFor('the new connection', () => connection()?.state === 'ready', 20_000);
      expect(connection()!.sessionId).not.toBe(lostSession);
      expect(latest()!.sessionId).toBe(connection()!.sessionId);
      await expect(api.call('run.reconnect', { runId: run.id, host: 'elsewhere' })).rejects.toThrow(
        'elsewhere is not a host of this run',
      );
      await api.call('run.execute', { runId: run.id, stepId: next!.id });
      const back = await waitFor(
        'the next step',
        () => (latest()?.steps[next!.id]?.status === 'passed' ? latest()!.steps[next!.id] : null),
        20_000,
      );
      expect(back.output).toBe('back');
      const log = readFileSync(latest()!.logPath, 'utf8');
      expect(log).toContain('unknown outcome (connection lost)');
      expect(log).toMatch(/on rehearsal as root \(host key SHA256:/);
    } finally {
      core.dispose();
    }
  });
});

describe.skipIf(!HAS_SSHD)('a server without the SFTP subsystem', () => {
  it('gets the steps over an exec channel instead, byte for byte, and a shorter one exactly', async () => {
    const bare = await startSshd(join(dir.path, 'nosftp'), '127.0.0.40', 2222, sshd.clientKey, {
      noSftp: true,
    });
    const ws = join(dir.path, 'nosftp-ws');
    mkdirSync(ws, { recursive: true });
    const config = join(dir.path, 'ssh_config_nosftp');
    writeFileSync(
      config,
      `Host bare\n  HostName ${bare.host}\n  Port ${bare.port}\n  User root\n  IdentityFile ${sshd.clientKey}\n`,
    );
    writeFiles(ws, {
      'bare.md':
        "# Bare\n\n```bash\ncat -A <<'EOF'\n  tabs\tand $dollars `ticks` \\ kept\nEOF\nexport LEFT=here\n```\n\n```bash\necho $LEFT\n```\n",
    });
    const { core, api, latest } = coreOn(ws, {
      ssh: {
        configFile: config,
        knownHostsFile: join(dir.path, 'known_hosts_nosftp'),
        acceptNewHostKeys: true,
      },
    });
    try {
      const run = await api.call('run.start', { runbookId: 'bare.md', host: 'bare' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'bare.md' });
      const outputs: Array<string | null> = [];
      for (const step of runbook.steps) {
        await api.call('run.execute', { runId: run.id, stepId: step.id });
        const r = await waitFor(
          'the step',
          () => {
            const x = latest()?.steps[step.id];
            return x && x.status !== 'running' && x.status !== 'pending' ? x : null;
          },
          20_000,
        );
        expect(r.status).toBe('passed');
        outputs.push(r.output);
      }
      // cat -A shows the tab as ^I and the line's end as $: the bytes arrived as written.
      expect(outputs).toEqual(['  tabs^Iand $dollars `ticks` \\ kept$', 'here']);
      // The server really refused SFTP: the steps above came through the exec channel.
      expect(bare.log()).toContain('subsystem request for sftp by user root failed');
    } finally {
      core.dispose();
      await bare.stop();
    }
  });
});

describe.skipIf(!HAS_SSHD)('moving one step to another host', () => {
  it('runs a step of a local run on an inventory host when the user moves it there', async () => {
    const ws = join(dir.path, 'moved');
    mkdirSync(ws, { recursive: true });
    writeFiles(ws, {
      'moved.md':
        '# Moved\n\n```bash\necho "here: $(id -un)@$RUNSHEET"\n```\n\n```bash\necho "on $(hostname -I 2>/dev/null | wc -w) addrs; ssh=${SSH_CONNECTION%% *}"\n```\n',
    });
    const { core, api, latest } = coreOn(ws, {
      ssh: {
        configFile: sshConfig(),
        knownHostsFile: join(dir.path, 'known_hosts_moved'),
        acceptNewHostKeys: true,
      },
    });
    try {
      const run = await api.call('run.start', { runbookId: 'moved.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'moved.md' });
      const [, remote] = runbook.steps;
      await expect(
        api.call('run.setStepTarget', { runId: run.id, stepId: remote!.id, host: 'nowhere' }),
      ).rejects.toThrow('no host or group named "nowhere" in the inventory');
      const moved = await api.call('run.setStepTarget', {
        runId: run.id,
        stepId: remote!.id,
        host: 'rehearsal',
      });
      expect(moved.stepTargets).toEqual({ [remote!.id]: 'rehearsal' });
      await api.call('run.execute', { runId: run.id, stepId: remote!.id });
      const r = await waitFor(
        'the moved step',
        () =>
          latest()?.steps[remote!.id]?.status === 'passed' ? latest()!.steps[remote!.id] : null,
        20_000,
      );
      // SSH_CONNECTION is set by sshd: the step ran over SSH, from the loopback client.
      expect(r.output).toMatch(/ssh=127\.0\.0\.1$/);
      expect(r.hosts.rehearsal?.user).toBe('root');
      expect(latest()!.connections.map((c) => c.host)).toEqual(['rehearsal']);
      const back = await api.call('run.setStepTarget', {
        runId: run.id,
        stepId: remote!.id,
        host: null,
      });
      expect(back.stepTargets).toEqual({});
      const journal = readFileSync(latest()!.journalPath, 'utf8');
      expect(journal).toContain('"type":"step.target"');
    } finally {
      core.dispose();
    }
  });
});

describe.skipIf(!HAS_SSHD)('runsheet run --host (headless, over SSH)', () => {
  it('runs a runbook on the remote host and fails without a TTY when the key is unknown', () => {
    const ws = join(dir.path, 'cli');
    mkdirSync(ws, { recursive: true });
    writeFiles(ws, { 'check.md': '# Check\n\n```bash\necho "kernel $(uname -s)"\n```\n' });
    const known = join(dir.path, 'known_hosts_cli');
    const base = [
      'bin/runsheet.js',
      'run',
      join(ws, 'check.md'),
      '--host',
      'rehearsal',
      '--ssh-config',
      sshConfig(),
      '--known-hosts',
      known,
      '--log-dir',
      join(ws, 'logs'),
      '--data-dir',
      join(ws, 'data'),
      '--json',
    ];
    const refused = spawnSync(process.execPath, base, {
      encoding: 'utf8',
      input: '',
      timeout: 60_000,
    });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('is not known: SHA256:');
    const ok = spawnSync(process.execPath, [...base, '--accept-new-host-keys'], {
      encoding: 'utf8',
      input: '',
      timeout: 60_000,
    });
    expect(ok.status).toBe(0);
    const [step] = ok.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(step).toMatchObject({
      status: 'passed',
      exitCode: 0,
      host: 'rehearsal',
      output: 'kernel Linux',
    });
  });
});
