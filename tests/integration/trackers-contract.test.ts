import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';
import { GITHUB_TOKEN as TOKEN } from '../helpers/secrets';

// Contract tests: local servers that check every request GitHub, GitLab and Jira Cloud
// would get (method, path, auth, headers, body) and answer as their REST APIs do.
const CLI = join(__dirname, '../../bin/runsheet.js');

function runCli(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      [script, ...args],
      { env, encoding: 'utf8' },
      (error, stdout, stderr) =>
        resolve({ status: error ? ((error.code as number) ?? 1) : 0, stdout, stderr }),
    ),
  );
}

interface Seen {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

async function fakeApi(
  answer: (request: Seen) => { status: number; body: unknown },
): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      const { status, body } = answer(request);
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

describe('filing a run in GitHub, GitLab and Jira Cloud (contract tests)', () => {
  let dir: ReturnType<typeof tempDir>;
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    dir?.cleanup();
    for (const t of ['GITHUB', 'GITLAB', 'JIRA']) delete process.env[`RUNSHEET_${t}_TOKEN`];
  });

  async function finishedRun(trackersYaml: string) {
    dir = tempDir('runsheet-trackers-');
    writeFiles(dir.path, {
      'deploy.md': `# Deploy\n\n\`\`\`bash\necho "release with ${TOKEN}"\n\`\`\`\n`,
      'trackers.yaml': trackersYaml,
    });
    const h = coreOn(dir.path);
    const run = await h.api.call('run.start', { runbookId: 'deploy.md' });
    const { runbook } = await h.api.call('runbook.open', { runbookId: 'deploy.md' });
    await h.api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id });
    await waitFor('the step', () =>
      h.latest()?.steps[runbook.steps[0]!.id]?.status === 'passed' ? true : null,
    );
    await h.api.call('run.setFields', { runId: run.id, issues: 'none, all green' });
    await h.api.call('run.finish', { runId: run.id });
    return { ...h, run };
  }

  it('GitHub: one POST /repos/{owner}/{repo}/issues with a bearer token, the redacted log as body', async () => {
    const api = await fakeApi(() => ({
      status: 201,
      body: { number: 42, html_url: 'https://github.com/acme/ops/issues/42' },
    }));
    servers.push(api.server);
    const {
      core,
      api: runsheet,
      run,
    } = await finishedRun(`github:\n  repo: acme/ops\n  api: ${api.url}\n`);
    try {
      process.env.RUNSHEET_GITHUB_TOKEN = 'gh-test-token';
      const pushed = await runsheet.call('run.push', { runId: run.id, tracker: 'github' });
      expect(pushed).toEqual({
        status: 'sent',
        tracker: 'github',
        issueId: 42,
        url: 'https://github.com/acme/ops/issues/42',
      });
      expect(api.seen).toHaveLength(1);
      const [req] = api.seen;
      expect(req).toMatchObject({ method: 'POST', path: '/repos/acme/ops/issues' });
      expect(req!.headers.authorization).toBe('Bearer gh-test-token');
      expect(req!.headers['x-github-api-version']).toBe('2022-11-28');
      const body = JSON.parse(req!.body) as { title: string; body: string };
      expect(body.title).toBe(`Maintenance: Deploy — ${run.startedAt.slice(0, 10)}`);
      expect(body.body).toContain('Issues: none, all green');
      expect(body.body).toContain('[REDACTED: github]');
      expect(req!.body).not.toContain(TOKEN);
      // The CLI files it the same way, by the run's journal (run asynchronously: the fake
      // server answers from this process).
      const cli = await runCli(CLI, ['export', run.journalPath, '--to', 'github'], {
        ...process.env,
        RUNSHEET_GITHUB_TOKEN: 'gh-test-token',
      });
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout).toBe('https://github.com/acme/ops/issues/42\n');
      expect(api.seen).toHaveLength(2);
      expect(api.seen[1]!.path).toBe('/repos/acme/ops/issues');
    } finally {
      core.dispose();
    }
  });

  it('GitLab: the log uploaded to the project, then an issue linking it (PRIVATE-TOKEN)', async () => {
    const api = await fakeApi((r) =>
      r.path.endsWith('/uploads')
        ? {
            status: 201,
            body: { markdown: '[log.md](/uploads/abc/log.md)', url: '/uploads/abc/log.md' },
          }
        : { status: 201, body: { iid: 7, web_url: 'https://gitlab.example/ops/infra/-/issues/7' } },
    );
    servers.push(api.server);
    const {
      core,
      api: runsheet,
      run,
    } = await finishedRun(`gitlab:\n  url: ${api.url}\n  project: ops/infra\n`);
    try {
      process.env.RUNSHEET_GITLAB_TOKEN = 'glpat-test';
      const pushed = await runsheet.call('run.push', { runId: run.id, tracker: 'gitlab' });
      expect(pushed).toMatchObject({ status: 'sent', issueId: 7 });
      expect(api.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /api/v4/projects/ops%2Finfra/uploads',
        'POST /api/v4/projects/ops%2Finfra/issues',
      ]);
      for (const r of api.seen) expect(r.headers['private-token']).toBe('glpat-test');
      expect(api.seen[0]!.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
      expect(api.seen[0]!.body).toMatch(/filename="[\d-]+-deploy\.md"/);
      expect(api.seen[0]!.body).toContain('# Maintenance log: Deploy');
      const issue = JSON.parse(api.seen[1]!.body) as { title: string; description: string };
      expect(issue.description).toContain('Full log: [log.md](/uploads/abc/log.md)');
      expect(api.seen.map((r) => r.body).join('')).not.toContain(TOKEN);
    } finally {
      core.dispose();
    }
  });

  it('Jira Cloud: the issue in ADF with basic auth, then the log attached (X-Atlassian-Token)', async () => {
    const api = await fakeApi((r) =>
      r.path === '/rest/api/3/issue'
        ? { status: 201, body: { id: '10042', key: 'OPS-12' } }
        : { status: 200, body: [{ id: '1', filename: 'log.md' }] },
    );
    servers.push(api.server);
    const {
      core,
      api: runsheet,
      run,
    } = await finishedRun(`jira:\n  url: ${api.url}\n  project: OPS\n  email: dana@example.com\n`);
    try {
      process.env.RUNSHEET_JIRA_TOKEN = 'jira-api-token';
      const pushed = await runsheet.call('run.push', { runId: run.id, tracker: 'jira' });
      expect(pushed).toEqual({
        status: 'sent',
        tracker: 'jira',
        issueId: 10042,
        url: `${api.url}/browse/OPS-12`,
      });
      expect(api.seen.map((r) => `${r.method} ${r.path}`)).toEqual([
        'POST /rest/api/3/issue',
        'POST /rest/api/3/issue/OPS-12/attachments',
      ]);
      const basic = `Basic ${Buffer.from('dana@example.com:jira-api-token').toString('base64')}`;
      for (const r of api.seen) expect(r.headers.authorization).toBe(basic);
      expect(api.seen[1]!.headers['x-atlassian-token']).toBe('no-check');
      const fields = (JSON.parse(api.seen[0]!.body) as { fields: Record<string, unknown> }).fields;
      expect(fields).toMatchObject({
        project: { key: 'OPS' },
        summary: `Maintenance: Deploy — ${run.startedAt.slice(0, 10)}`,
        issuetype: { name: 'Task' },
        description: { type: 'doc', version: 1 },
      });
      expect(JSON.stringify(fields.description)).toContain('Issues: none, all green');
      expect(api.seen[1]!.body).toContain('# Maintenance log: Deploy');
      expect(api.seen.map((r) => r.body).join('')).not.toContain(TOKEN);
    } finally {
      core.dispose();
    }
  });

  it('keeps a token only where a keychain is given (the app); serve and the CLI say to use the environment', async () => {
    const api = await fakeApi(() => ({ status: 201, body: { number: 1, html_url: 'x' } }));
    servers.push(api.server);
    const { core, api: runsheet } = await finishedRun(
      `github:\n  repo: acme/ops\n  api: ${api.url}\n`,
    );
    try {
      await expect(
        runsheet.call('tracker.setToken', { tracker: 'github', token: 'gh-1' }),
      ).rejects.toThrow('here tokens come from the environment: set RUNSHEET_GITHUB_TOKEN');
    } finally {
      core.dispose();
    }
    // A core with a keychain (an in-memory one standing in for safeStorage).
    const kept = new Map<string, string>();
    const h = coreOn(dir.path, {
      tokens: (t) => kept.get(t) ?? null,
      saveToken: (t, token) => void kept.set(t, token),
    });
    try {
      expect((await h.api.call('tracker.list', {}))[0]!.hasToken).toBe(false);
      await h.api.call('tracker.setToken', { tracker: 'github', token: 'gh-1' });
      expect((await h.api.call('tracker.list', {}))[0]!.hasToken).toBe(true);
      expect(JSON.stringify(await h.api.call('tracker.list', {}))).not.toContain('gh-1');
    } finally {
      h.core.dispose();
    }
  });

  it('says a refused token plainly and queues when the service is down (5xx)', async () => {
    let status = 401;
    const api = await fakeApi(() => ({ status, body: { message: 'nope' } }));
    servers.push(api.server);
    const {
      core,
      api: runsheet,
      run,
    } = await finishedRun(`github:\n  repo: acme/ops\n  api: ${api.url}\n`);
    try {
      process.env.RUNSHEET_GITHUB_TOKEN = 'bad';
      await expect(runsheet.call('run.push', { runId: run.id, tracker: 'github' })).rejects.toThrow(
        `GitHub at ${api.url} refused the token (HTTP 401)`,
      );
      status = 503;
      const queued = await runsheet.call('run.push', { runId: run.id, tracker: 'github' });
      expect(queued).toEqual({
        status: 'queued',
        tracker: 'github',
        reason: `GitHub at ${api.url} failed (HTTP 503)`,
      });
      expect((await runsheet.call('tracker.list', {}))[0]).toMatchObject({
        name: 'github',
        queued: 1,
        hasToken: true,
      });
      delete process.env.RUNSHEET_GITHUB_TOKEN;
      expect((await runsheet.call('tracker.list', {}))[0]!.hasToken).toBe(false);
    } finally {
      core.dispose();
    }
  });
});
