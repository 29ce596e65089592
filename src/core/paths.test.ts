import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../tests/helpers/temp';
import { resolveDirs } from './paths';

describe('where logs go', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());
  const env = (extra: Record<string, string> = {}) => ({ HOME: '/home/x', ...extra });

  it("puts a workspace's logs beside its runbooks, or where its runsheet.yaml says", () => {
    dir = tempDir();
    const bundled = join(dir.path, 'app-runbooks');
    const data = join(dir.path, 'data');
    // The bundled runbooks (inside the app): the app's data folder.
    expect(resolveDirs({ bundledRunbooks: bundled, dataDir: data }, env()).logDir).toBe(
      join(data, 'maintenance-logs'),
    );
    // A workspace of the user's: maintenance-logs/ beside the runbooks, as the seeds keep them.
    const ws = join(dir.path, 'ops');
    expect(
      resolveDirs({ bundledRunbooks: bundled, dataDir: data, workspaceDir: ws }, env()).logDir,
    ).toBe(join(ws, 'maintenance-logs'));
    // Set per workspace.
    writeFileSync(join(dir.path, 'runsheet.yaml'), 'logDir: docs/maintenance-logs\n');
    expect(
      resolveDirs({ bundledRunbooks: bundled, dataDir: data, workspaceDir: dir.path }, env())
        .logDir,
    ).toBe(join(dir.path, 'docs', 'maintenance-logs'));
    // The environment and the command line still win.
    expect(
      resolveDirs(
        { bundledRunbooks: bundled, dataDir: data, workspaceDir: dir.path },
        env({ RUNSHEET_LOG_DIR: '/srv/logs' }),
      ).logDir,
    ).toBe('/srv/logs');
    writeFileSync(join(dir.path, 'runsheet.yaml'), 'logDir: [oops\n');
    expect(() =>
      resolveDirs({ bundledRunbooks: bundled, dataDir: data, workspaceDir: dir.path }, env()),
    ).toThrow(`${join(dir.path, 'runsheet.yaml')}: `);
  });
});
