import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { HAS_REDMINE, startRedmine, type TestRedmine } from '../helpers/redmine';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';
import { GITHUB_TOKEN as TOKEN } from '../helpers/secrets';

// A real Redmine (Debian's, sqlite) on 127.0.0.1:3939 for this file.
const CLI = join(__dirname, '../../bin/runsheet.js');
let redmine: TestRedmine;

beforeAll(async () => {
  if (HAS_REDMINE) redmine = await startRedmine(3939);
}, 180_000);
afterAll(async () => redmine?.stop());

interface Issue {
  issue: {
    id: number;
    subject: string;
    description: string;
    attachments: Array<{ filename: string; content_url: string; filesize: number }>;
  };
}

describe.skipIf(!HAS_REDMINE)('export to a real Redmine', () => {
  it('creates an issue with the redacted log attached; offline, it queues and sends later', async () => {
    const dir = tempDir('runsheet-redmine-ws-');
    writeFiles(dir.path, {
      'patch.md': `# Patch the web tier\n\n- [ ] Drain web-1\n\n\`\`\`bash\necho "using ${TOKEN}"\n\`\`\`\n`,
      // Nothing listens on 3940: the tracker is "offline" until trackers.yaml points at 3939.
      'trackers.yaml': 'redmine:\n  url: http://127.0.0.1:3940\n  project: ops\n',
    });
    process.env.RUNSHEET_REDMINE_TOKEN = redmine.apiKey;
    const { core, api, latest } = coreOn(dir.path);
    try {
      expect(await api.call('tracker.list', {})).toEqual([
        {
          name: 'redmine',
          url: 'http://127.0.0.1:3940',
          project: 'ops',
          hasToken: true,
          queued: 0,
        },
      ]);
      const run = await api.call('run.start', { runbookId: 'patch.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'patch.md' });
      await api.call('run.execute', { runId: run.id, stepId: runbook.steps[1]!.id });
      await waitFor('the step', () =>
        latest()?.steps[runbook.steps[1]!.id]?.status === 'passed' ? true : null,
      );
      await api.call('run.setFields', {
        runId: run.id,
        issues: 'web-1 drained slowly',
        nextActions: 'Check the LB timeout',
      });
      await api.call('run.finish', { runId: run.id });

      const queued = await api.call('run.push', { runId: run.id, tracker: 'redmine' });
      expect(queued).toMatchObject({ status: 'queued', tracker: 'redmine' });
      expect(queued.status === 'queued' && queued.reason).toMatch(
        /Redmine at http:\/\/127\.0\.0\.1:3940 did not answer \(ECONNREFUSED\)/,
      );
      const queueDir = join(dir.path, '.data', 'export-queue');
      expect(readdirSync(queueDir)).toHaveLength(1);
      // The token never lands in the queue.
      expect(JSON.stringify(readdirSync(queueDir).map((f) => f))).not.toContain(redmine.apiKey);

      // The tracker is back: the next push sends what waited, then this one.
      writeFiles(dir.path, {
        'trackers.yaml': `redmine:\n  url: ${redmine.url}\n  project: ops\n`,
      });
      const sent: string[] = [];
      api.on('export.didSend', (e) => sent.push(e.url));
      const pushed = await api.call('run.push', { runId: run.id, tracker: 'redmine' });
      expect(pushed.status).toBe('sent');
      expect(sent).toHaveLength(1);
      expect(readdirSync(queueDir)).toHaveLength(0);

      for (const url of [...sent, pushed.status === 'sent' ? pushed.url : '']) {
        const id = Number(url.split('/').pop());
        const { issue } = await redmine.get<Issue>(`/issues/${id}.json?include=attachments`);
        expect(issue.subject).toBe(
          `Maintenance: Patch the web tier — ${run.startedAt.slice(0, 10)}`,
        );
        expect(issue.description).toContain('Issues: web-1 drained slowly');
        expect(issue.description).toContain('Next Actions: Check the LB timeout');
        expect(issue.description).not.toContain(TOKEN);
        expect(issue.attachments).toHaveLength(1);
        expect(issue.attachments[0]!.filename).toMatch(/-patch\.md$/);
        const attached = await fetch(issue.attachments[0]!.content_url, {
          headers: { 'X-Redmine-API-Key': redmine.apiKey },
        }).then((r) => r.text());
        expect(attached).toContain('echo "using [REDACTED: github]"');
        expect(attached).not.toContain(TOKEN);
      }

      // A wrong key is refused, said plainly, and not queued.
      process.env.RUNSHEET_REDMINE_TOKEN = 'not-a-key';
      await expect(api.call('run.push', { runId: run.id, tracker: 'redmine' })).rejects.toThrow(
        `Redmine at ${redmine.url} refused the API key (HTTP 401)`,
      );
      // The CLI, with the environment's token.
      const cli = spawnSync(process.execPath, [CLI, 'export', run.journalPath, '--to', 'redmine'], {
        encoding: 'utf8',
        env: { ...process.env, RUNSHEET_REDMINE_TOKEN: redmine.apiKey },
      });
      expect(cli.status, cli.stderr).toBe(0);
      expect(cli.stdout).toMatch(new RegExp(`^${redmine.url}/issues/\\d+\\n$`));
    } finally {
      delete process.env.RUNSHEET_REDMINE_TOKEN;
      core.dispose();
      dir.cleanup();
    }
  }, 120_000);
});
