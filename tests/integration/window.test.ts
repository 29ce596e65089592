import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { tempDir, writeFiles } from '../helpers/temp';

const DAYS = ['Sundays', 'Mondays', 'Tuesdays', 'Wednesdays', 'Thursdays', 'Fridays', 'Saturdays'];
/** A window that is open all of today, and one that is closed all of today (this machine's time). */
const today = DAYS[new Date().getDay()]!;
const notToday = DAYS[(new Date().getDay() + 3) % 7]!;

describe("maintenance windows (hosts.yaml or the runbook's table)", () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  function workspace(files: Record<string, string>) {
    dir = tempDir('runsheet-window-');
    const ws = join(dir.path, 'ws');
    mkdirSync(ws);
    writeFiles(ws, files);
    return coreOn(ws, { ssh: { configFile: join(dir.path, 'no-ssh-config') } });
  }

  it('refuses a production run outside its window unless the user goes ahead, and logs that', async () => {
    const { core, api } = workspace({
      'hosts.yaml': `windows:\n  production: ${notToday} 2-6 AM\n  staging: ${today}\n`,
      'patch.md': '---\nenvironment: production\n---\n\n# Patch\n\n- [ ] Drain the node\n',
    });
    try {
      const verdict = await api.call('run.preflight', { runbookId: 'patch.md' });
      expect(verdict).toMatchObject({
        environment: 'production',
        window: `${notToday} 2-6 AM`,
        open: false,
      });
      expect(verdict.source).toMatch(/hosts\.yaml$/);
      expect(verdict.message).toMatch(
        new RegExp(
          `^outside the production maintenance window: "${notToday} 2-6 AM" \\(.*hosts\\.yaml\\); it is now \\w+`,
        ),
      );
      await expect(api.call('run.start', { runbookId: 'patch.md' })).rejects.toThrow(
        /outside the production maintenance window.*Start anyway/,
      );
      const run = await api.call('run.start', { runbookId: 'patch.md', outsideWindow: true });
      expect(run.environment).toBe('production');
      expect(run.outsideWindow).toBe(verdict.message);
      expect(readFileSync(run.logPath, 'utf8')).toContain(
        `Maintenance window: started outside the production maintenance window: "${notToday} 2-6 AM"`,
      );
    } finally {
      core.dispose();
    }
  });

  it("takes the environment from the run's hosts and the window from the runbook's table", async () => {
    const table = [
      '# Ops',
      '',
      '| Environment | Window | Duration | Frequency |',
      '|---|---|---|---|',
      `| Staging | ${today} | 2 hours | Monthly |`,
      `| Production | ${notToday} | 4 hours | Quarterly |`,
      '',
      '- [ ] Check disks',
      '',
    ].join('\n');
    const { core, api } = workspace({
      'hosts.yaml':
        'hosts:\n  web-1: { hostname: 10.9.0.1, environment: staging, groups: [web] }\n  db-1: { hostname: 10.9.0.2, environment: production, groups: [db] }\n',
      'ops.md': table,
    });
    try {
      const staging = await api.call('run.preflight', { runbookId: 'ops.md', host: 'web' });
      expect(staging).toMatchObject({ environment: 'staging', open: true, message: null });
      expect(staging.source).toMatch(/ops\.md:5$/);
      const production = await api.call('run.preflight', { runbookId: 'ops.md', host: 'db-1' });
      expect(production).toMatchObject({ environment: 'production', open: false });
      expect(production.source).toMatch(/ops\.md:6$/);
      const local = await api.call('run.preflight', { runbookId: 'ops.md' });
      expect(local).toMatchObject({ environment: 'local', window: null, open: null });
    } finally {
      core.dispose();
    }
  });
});
