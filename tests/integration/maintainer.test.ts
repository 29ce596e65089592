import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { tempDir, writeFiles } from '../helpers/temp';

describe('the maintainer is remembered between runs', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('starts the next run, in a new process, with the maintainer given last', async () => {
    dir = tempDir('runsheet-maintainer-');
    writeFiles(dir.path, { 'check.md': '# Check\n\n- [ ] Look at the dashboard\n' });
    const first = coreOn(dir.path);
    let defaultName: string;
    try {
      const run = await first.api.call('run.start', { runbookId: 'check.md' });
      defaultName = run.maintainer;
      expect(defaultName).not.toBe('Ada Lovelace');
      await first.api.call('run.setFields', { runId: run.id, maintainer: '  Ada Lovelace ' });
      await first.api.call('run.finish', { runId: run.id });
    } finally {
      first.core.dispose();
    }
    const settings = join(dir.path, '.data', 'settings.yaml');
    expect(readFileSync(settings, 'utf8')).toBe('maintainer: Ada Lovelace\n');

    // A new core on the same data folder: what the app, serve and the CLI read.
    const second = coreOn(dir.path);
    try {
      const run = await second.api.call('run.start', { runbookId: 'check.md' });
      expect(run.maintainer).toBe('Ada Lovelace');
      // Edited after the run (a past run's record): remembered too, other keys kept.
      writeFileSync(settings, 'maintainer: Ada Lovelace\nfuture: kept\n');
      await second.api.call('run.finish', { runId: run.id });
      await second.api.call('run.setFields', { runId: run.id, maintainer: 'Grace Hopper' });
      expect(readFileSync(settings, 'utf8')).toBe('maintainer: Grace Hopper\nfuture: kept\n');
      const next = await second.api.call('run.start', { runbookId: 'check.md' });
      expect(next.maintainer).toBe('Grace Hopper');
      await second.api.call('run.finish', { runId: next.id });
    } finally {
      second.core.dispose();
    }
  });

  it('refuses to start on a settings file it cannot read, naming the file and line', async () => {
    dir = tempDir('runsheet-maintainer-');
    writeFiles(dir.path, { 'check.md': '# Check\n\n- [ ] Look at the dashboard\n' });
    const settings = join(dir.path, '.data', 'settings.yaml');
    mkdirSync(dirname(settings), { recursive: true });
    writeFileSync(settings, 'theme: dark\nmaintainer: [not, a, name]\n');
    const { core, api } = coreOn(dir.path);
    try {
      await expect(api.call('run.start', { runbookId: 'check.md' })).rejects.toThrow(
        `${settings}: line 2: maintainer:`,
      );
      writeFileSync(settings, 'maintainer: Ada\nmaintainer: Grace\n');
      await expect(api.call('run.start', { runbookId: 'check.md' })).rejects.toThrow(
        new RegExp(`^${settings}: .* at line 2, column 1`),
      );
    } finally {
      core.dispose();
    }
  });
});
