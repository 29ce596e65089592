import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';
import { GITHUB_TOKEN as TOKEN } from '../helpers/secrets';

const CLI = join(__dirname, '../../bin/runsheet.js');

describe('export: Markdown, Jira markup, JSON, CSV (redacted)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('exports a real run in every format, saying what was redacted', async () => {
    dir = tempDir('runsheet-export-');
    writeFiles(dir.path, {
      'deploy.md': [
        '# Deploy, "quoted", with | pipes',
        '',
        '- [ ] Announce, in #ops',
        '',
        '```bash {name=release}',
        `echo "pushing with ${TOKEN}"; exit 3`,
        '```',
        '',
      ].join('\n'),
    });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'deploy.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'deploy.md' });
      const [announce, release] = runbook.steps;
      await api.call('run.skip', {
        runId: run.id,
        stepId: announce!.id,
        reason: 'quiet hours, "no" pings',
      });
      await api.call('run.execute', { runId: run.id, stepId: release!.id });
      await waitFor('the release', () =>
        latest()?.steps[release!.id]?.status === 'failed' ? true : null,
      );
      await api.call('run.setFields', { runId: run.id, nextActions: 'Retry after the fix' });
      await api.call('run.finish', { runId: run.id });

      const md = await api.call('run.export', { runId: run.id, format: 'md' });
      expect(md.content).toBe(readFileSync(latest()!.logPath, 'utf8'));
      expect(md.title).toBe(
        `Maintenance: Deploy, "quoted", with | pipes — ${run.startedAt.slice(0, 10)} (1 failed)`,
      );
      expect(md.filename).toMatch(/-deploy\.md$/);
      // The token was redacted when it was written: in the command and in the output.
      expect(md.redactions).toEqual({ github: 2 });
      for (const format of ['md', 'jira', 'json', 'csv'] as const) {
        const e = await api.call('run.export', { runId: run.id, format });
        expect(e.content, format).not.toContain(TOKEN);
      }

      const json = JSON.parse(
        (await api.call('run.export', { runId: run.id, format: 'json' })).content,
      );
      expect(json.run).toMatchObject({
        id: run.id,
        status: 'finished',
        nextActions: 'Retry after the fix',
      });
      expect(
        json.steps.map((s: { name: string; status: string; exitCode: number | null }) => [
          s.name,
          s.status,
          s.exitCode,
        ]),
      ).toEqual([
        ['Announce, in #ops', 'skipped', null],
        ['release', 'failed', 3],
      ]);

      const csv = (await api.call('run.export', { runId: run.id, format: 'csv' })).content;
      const lines = csv.trim().split('\n');
      expect(lines[0]).toBe(
        'run,section,step,line,status,exit_code,duration_ms,host,user,started_at,ended_at,note,' +
          'date,maintainer,task,environment,duration,stepTime,betweenSteps,result,issues,nextActions',
      );
      expect(lines[1]).toContain(`"Announce, in #ops",3,skipped,,`);
      expect(lines[1]).toContain(',"quiet hours, ""no"" pings",');
      expect(lines[1]).toContain(',"0 passed, 1 failed, 1 skipped, 0 not run",');
      expect(lines[1]).toMatch(/,Retry after the fix$/);
      expect(lines[2]).toMatch(/,release,5,failed,3,\d+,/);

      const jira = (await api.call('run.export', { runId: run.id, format: 'jira' })).content;
      expect(jira).toContain('h1. Maintenance log: Deploy, "quoted", with | pipes');
      expect(jira).toContain('||Next Actions|Retry after the fix|');
      expect(jira).toMatch(/\|2\|release\|failed\|3\|/);
      expect(jira).toContain('{code:bash}');

      // The CLI, by journal path, to a file.
      const out = join(dir.path, 'run.md');
      const r = spawnSync(
        process.execPath,
        [CLI, 'export', run.journalPath, '--format', 'md', '--out', out],
        {
          encoding: 'utf8',
        },
      );
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(out, 'utf8')).toBe(md.content);
      expect(r.stderr).toBe('redacted: 2 × github\n');
      const saved = await api.call('run.saveExport', { runId: run.id, format: 'jira' });
      expect(readFileSync(saved.path, 'utf8')).toBe(jira);
    } finally {
      core.dispose();
    }
  });
});
