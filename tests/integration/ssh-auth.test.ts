import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventPayload } from '../../src/shared/api';
import { coreOn } from '../helpers/harness';
import { keygen, startSshd, type TestSshd } from '../helpers/sshd';
import { readTree, tempDir, waitFor, writeFiles } from '../helpers/temp';

// Real OpenSSH servers whose PAM stack (private to each server) accepts one secret:
// keyboard-interactive only, a key then a one-time code, and password only.
const SECRET = 'tr0ub4dor&3';
const HAS_SSHD = existsSync('/usr/sbin/sshd');
let dir: ReturnType<typeof tempDir>;
let key: string;
const servers: Record<string, TestSshd> = {};

beforeAll(async () => {
  if (!HAS_SSHD) return;
  dir = tempDir('runsheet-ssh-auth-');
  key = join(dir.path, 'client');
  keygen(key);
  const methods = {
    kbd: 'keyboard-interactive',
    twofactor: 'publickey,keyboard-interactive',
    password: 'password',
  };
  let n = 6;
  for (const [name, m] of Object.entries(methods))
    servers[name] = await startSshd(join(dir.path, name), `127.0.0.${n++}`, 2222, key, {
      pamPassword: SECRET,
      methods: m,
    });
}, 30_000);

afterAll(async () => {
  await Promise.all(Object.values(servers).map((s) => s.stop()));
  dir?.cleanup();
});

/** A core as the app builds it (it can ask a window), answering prompts with `answer`. */
async function runStepOn(
  name: string,
  answer: (prompt: EventPayload<'host.authPrompt'>) => string[] | null,
) {
  const server = servers[name]!;
  const ws = join(dir.path, `ws-${name}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(ws, { recursive: true });
  writeFiles(ws, { 'remote.md': '# Remote\n\n```bash\necho "in as $(id -un)"\n```\n' });
  const config = join(ws, 'ssh_config');
  writeFileSync(
    config,
    `Host ${name}\n  HostName ${server.host}\n  Port 2222\n  User root\n  IdentityFile ${key}\n`,
  );
  const known = join(ws, 'known_hosts');
  writeFileSync(known, `[${server.host}]:2222 ${server.hostKeyLine}\n`);
  const h = coreOn(ws, {
    interactive: true,
    ssh: { configFile: config, knownHostsFile: known, agent: '' },
  });
  const prompts: Array<EventPayload<'host.authPrompt'>> = [];
  h.api.on('host.authPrompt', (prompt) => {
    prompts.push(prompt);
    void h.api.call('host.answerAuth', { promptId: prompt.promptId, answers: answer(prompt) });
  });
  const logBefore = server.log().length;
  try {
    const run = await h.api.call('run.start', { runbookId: 'remote.md', host: name });
    const { runbook } = await h.api.call('runbook.open', { runbookId: 'remote.md' });
    const id = runbook.steps[0]!.id;
    let error: string | null = null;
    await h.api.call('run.execute', { runId: run.id, stepId: id }).catch((e: Error) => {
      error = e.message;
    });
    const result = error
      ? null
      : await waitFor('the step', () => {
          const r = h.latest()?.steps[id];
          return r?.status === 'passed' || r?.status === 'failed' ? r : null;
        });
    const written = [
      ...readTree(join(ws, '.data', 'journals')),
      ...readTree(join(ws, '.logs'), 'utf8'),
    ].join('\n');
    return { prompts, result, error, written, sshdLog: server.log().slice(logBefore) };
  } finally {
    h.core.dispose();
  }
}

describe.skipIf(!HAS_SSHD)(
  'keyboard-interactive and password authentication (real sshd + PAM)',
  () => {
    it("shows the server's keyboard-interactive prompt and answers it; the secret is written nowhere", async () => {
      const r = await runStepOn('kbd', () => [SECRET]);
      expect(r.prompts).toHaveLength(1);
      expect(r.prompts[0]).toMatchObject({
        kind: 'keyboard-interactive',
        alias: 'kbd',
        host: '[127.0.0.6]:2222',
        prompts: [{ prompt: 'Password: ', echo: false }],
      });
      expect(r.error, r.sshdLog).toBeNull();
      expect(r.result?.status).toBe('passed');
      expect(r.result?.output).toBe('in as root');
      expect(r.sshdLog).toContain('Accepted keyboard-interactive/pam for root');
      expect(r.written).toContain('in as root');
      expect(r.written).not.toContain(SECRET);
    });

    it('asks for the one-time code after the key was accepted (AuthenticationMethods publickey,keyboard-interactive)', async () => {
      const r = await runStepOn('twofactor', () => [SECRET]);
      expect(r.prompts.map((p) => p.kind)).toEqual(['keyboard-interactive']);
      expect(r.result?.output).toBe('in as root');
      expect(r.sshdLog).toMatch(/Partial publickey for root/);
      expect(r.sshdLog).toContain('Accepted keyboard-interactive/pam for root');
    });

    it('asks for a password last, when the server takes nothing else', async () => {
      const r = await runStepOn('password', () => [SECRET]);
      expect(r.prompts.map((p) => [p.kind, p.title])).toEqual([
        ['password', 'Password for root@password'],
      ]);
      expect(r.result?.output).toBe('in as root');
      expect(r.sshdLog).toContain('Accepted password for root');
      expect(r.written).not.toContain(SECRET);
    });

    it('a wrong answer or a cancelled prompt fails the connection, naming the host', async () => {
      const wrong = await runStepOn('kbd', () => ['not it']);
      expect(wrong.error).toMatch(
        /cannot connect to kbd \(root@127\.0\.0\.6:2222\).*authentication methods failed/,
      );
      const cancelled = await runStepOn('password', () => null);
      expect(cancelled.prompts).toHaveLength(1);
      expect(cancelled.error).toMatch(/cannot connect to password \(root@127\.0\.0\.8:2222\)/);
      expect(cancelled.sshdLog).not.toContain('Accepted');
    });
  },
);
