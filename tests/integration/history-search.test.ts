import { appendFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn, settled } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// kubectl is not installed here: the step defines it, so its command line is the real one.
const DEPLOY = [
  '# Deploy the API',
  '',
  '```bash {name=restart}',
  'kubectl() { echo "deployment $3: $((1 + 2)) of 3 ready"; }; kubectl get deployment api-gateway',
  '```',
  '',
].join('\n');

const DISK = [
  '# Disk check',
  '',
  '```bash {name=check}',
  'echo "volume /srv/spool is 97% full"; exit 3',
  '```',
  '',
  '- [ ] Tell storage',
  '',
].join('\n');

describe('history search: fields, status, host, commands and output (real runs)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('finds runs by the commands they ran, their output, failed steps and host, within a limit', async () => {
    dir = tempDir('runsheet-search-');
    writeFiles(dir.path, { 'deploy.md': DEPLOY, 'disk.md': DISK });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const walk = async (runbookId: string) => {
        const run = await api.call('run.start', { runbookId });
        const { runbook } = await api.call('runbook.open', { runbookId });
        await api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id });
        await waitFor('the step to end', () =>
          latest()?.id === run.id && latest()!.steps[runbook.steps[0]!.id]?.exitCode != null
            ? true
            : null,
        );
        await settled(latest);
        await api.call('run.finish', { runId: run.id });
        return run;
      };
      const deploy = await walk('deploy.md');
      const disk = await walk('disk.md');
      const ids = async (query: string, extra: object = {}) =>
        (await api.call('history.list', { query, ...extra })).map((r) => r.runId);

      // A command's word, found in the journal: where and the line it was on.
      const [hit, ...rest] = await api.call('history.list', { query: 'kubectl' });
      expect(rest).toEqual([]);
      expect(hit).toMatchObject({ runId: deploy.id, match: { where: 'command' } });
      expect(hit!.match!.text).toContain('kubectl get deployment api-gateway');
      // Output as the person saw it (the code says $((1 + 2))).
      const [out] = await api.call('history.list', { query: '"3 of 3 ready"' });
      expect(out).toMatchObject({ runId: deploy.id, match: { where: 'output' } });
      expect(await ids('97% full')).toEqual([disk.id]);
      // Failed runs: by the query's word or by the filter; "failed" alone is also a word.
      expect(await ids('status:failed')).toEqual([disk.id]);
      expect(await ids('', { status: ['failed'] })).toEqual([disk.id]);
      expect(await ids('kubectl status:failed')).toEqual([]);
      expect(await ids('status:finished')).toEqual([disk.id, deploy.id]);
      expect(await ids('status:interrupted status:failed')).toEqual([disk.id]);
      // Host: the machine it ran on (every run here), combined with a word from the journal.
      const host = deploy.host.toLowerCase();
      expect(await ids(`host:${host} deployment`)).toEqual([deploy.id]);
      expect(await ids('host:no-such-host-anywhere')).toEqual([]);
      // A phrase in quotes is one word; case is ignored.
      expect(await ids('"GET DEPLOYMENT"')).toEqual([deploy.id]);
      expect(await ids('"deployment get"')).toEqual([]);
      // The limit: newest first.
      expect(await ids('echo', { limit: 1 })).toEqual([disk.id]);
      expect(await ids('echo')).toEqual([disk.id, deploy.id]);
      // A word nowhere.
      expect(await ids('nothing-like-this')).toEqual([]);
      // An unknown status is refused, naming it.
      await expect(api.call('history.list', { query: 'status:broken' })).rejects.toThrow(
        /"status:broken": not a status \(active, finished, interrupted, failed\)/,
      );
      // The contract refuses a status it does not know.
      await expect(api.call('history.list', { status: ['broken' as 'failed'] })).rejects.toThrow();

      // A garbled line and a huge one at the end of a journal do not stop the search.
      appendFileSync(deploy.journalPath, '{not json\n' + 'x'.repeat(9 * 1024 * 1024) + '\n');
      expect(await ids('kubectl')).toEqual([deploy.id]);
    } finally {
      core.dispose();
    }
  });
});
