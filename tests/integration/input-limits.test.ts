/**
 * Runbooks are read as written or refused, naming the file (and line): no silent U+FFFD
 * in a command, no binary file as prose, no file outside the workspace through a symlink,
 * no runbook so large it takes the window down.
 */
import { spawnSync } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { tempDir, writeFiles } from '../helpers/temp';

const CLI = join(__dirname, '../../bin/runsheet.js');

describe('what a runbook file may be', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('refuses Latin-1, binary, symlinked-out and oversized files, naming them; lists the rest', async () => {
    dir = tempDir('runsheet-input-');
    writeFiles(dir.path, { 'good.md': '# Good\n\n- [ ] fine\n', 'real.md': '# Real\n' });
    writeFileSync(
      join(dir.path, 'latin1.md'),
      Buffer.from('# Caf\xe9\n\n```bash\necho caf\xe9\n```\n', 'latin1'),
    );
    writeFileSync(join(dir.path, 'blob.md'), Buffer.from([0x23, 0x20, 0x00, 0xff, 0x10, 0x00]));
    writeFileSync(join(dir.path, 'huge.md'), Buffer.alloc(11 * 1024 * 1024, 0x61));
    symlinkSync('/etc/passwd', join(dir.path, 'passwd.md'));
    symlinkSync(join(dir.path, 'real.md'), join(dir.path, 'alias.md'));
    const { core, api } = coreOn(dir.path);
    try {
      const listed = await api.call('workspace.list', {});
      const ids = listed.map((r) => r.id).sort();
      // A binary file is not listed; symlinks are not listed (a link is not a runbook file).
      expect(ids).toEqual(['good.md', 'huge.md', 'latin1.md', 'real.md']);
      expect(listed.find((r) => r.id === 'latin1.md')!.description).toBe(
        `Cannot be opened: ${join(dir.path, 'latin1.md')}:1: not UTF-8 (save the file as UTF-8; a byte on this line is not)`,
      );
      expect(listed.find((r) => r.id === 'huge.md')!.description).toContain(
        'is 11.0 MB; runbooks up to 10 MB are opened',
      );
      const open = (runbookId: string) => api.call('runbook.open', { runbookId });
      await expect(open('latin1.md')).rejects.toThrow(/latin1\.md:1: not UTF-8/);
      await expect(open('blob.md')).rejects.toThrow(/blob\.md is a binary file, not Markdown/);
      await expect(open('passwd.md')).rejects.toThrow(
        /passwd\.md points outside the workspace \(\/etc\/passwd\)/,
      );
      await expect(open('huge.md')).rejects.toThrow(/huge\.md is 11\.0 MB/);
      // A link to a file inside the workspace opens.
      expect((await open('alias.md')).runbook.title).toBe('Real');
    } finally {
      core.dispose();
    }
    const r = spawnSync(process.execPath, [CLI, 'inspect', join(dir.path, 'latin1.md')], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${join(dir.path, 'latin1.md')}:1: not UTF-8`);
  });
});
