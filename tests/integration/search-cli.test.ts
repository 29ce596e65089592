import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headlessRun, runsheet } from '../helpers/cli';
import { tempDir, writeFiles } from '../helpers/temp';

const RUNBOOK = [
  '# Nightly',
  '',
  '```bash {name=report}',
  'echo "volume ok"; echo "Disk-Full on /srv"; echo "disk-full again"',
  '```',
  '',
].join('\n');

describe('runsheet search: past runs from the command line', () => {
  let dir: ReturnType<typeof tempDir>;
  let runId: string;
  const search = (...args: string[]) =>
    runsheet(['search', ...args, '--data-dir', join(dir.path, 'data')], dir.path);

  beforeAll(() => {
    dir = tempDir('runsheet-search-cli-');
    writeFiles(dir.path, { 'nightly.md': RUNBOOK });
    const run = headlessRun(dir.path, join(dir.path, 'nightly.md'));
    expect(run.code).toBe(0);
    runId = run.runId;
  }, 60_000);
  afterAll(() => dir?.cleanup());

  it('prints run, step, host and line:text for each line, exit 0', () => {
    const found = search('disk-full');
    expect(found.stderr).toBe('');
    expect(found.code).toBe(0);
    const lines = found.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^${runId}  Nightly › report  \\S+  2:Disk-Full on /srv$`));
    expect(lines[1]!.endsWith('  3:disk-full again')).toBe(true);
  });

  it('--case-sensitive, --limit (more said on stderr), --json', () => {
    expect(search('Disk-Full', '--case-sensitive').stdout.trim().split('\n')).toHaveLength(1);
    const one = search('disk-full', '--limit', '1');
    expect(one.code).toBe(0);
    expect(one.stdout.trim().split('\n')).toHaveLength(1);
    expect(one.stderr).toMatch(/more lines match than the 1 shown/);
    const json = search('volume', 'ok', '--json');
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.stdout) as {
      hits: Array<Record<string, unknown>>;
      more: boolean;
    };
    expect(parsed.more).toBe(false);
    expect(parsed.hits).toEqual([
      expect.objectContaining({
        runId,
        where: 'output',
        stepTitle: 'report',
        line: 1,
        text: 'volume ok',
      }),
    ]);
  });

  it('exit 1 when nothing matches, 2 on an error', () => {
    const none = search('nothing-like-it');
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(search('disk', '--limit', 'many')).toMatchObject({ code: 2 });
    expect(search('disk', '--limit', '0').code).toBe(2);
    const long = search('x'.repeat(201));
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(/^runsheet: /);
  });
});
