import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/helpers/temp';
import { cachedHosts, listHosts } from './inventory';

describe('workspace inventory (hosts.yaml)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('names the file and line of a broken hosts.yaml', () => {
    dir = tempDir();
    writeFileSync(
      join(dir.path, 'hosts.yaml'),
      'hosts:\n  web-1: { hostname: 10.0.0.1\n  web-2: {}\n',
    );
    const none = join(dir.path, 'no-ssh-config');
    expect(() => listHosts({ configFile: none, workspaceDir: dir.path })).toThrow(
      new RegExp(`^${join(dir.path, 'hosts.yaml')}: .*line 3`),
    );
  });

  it('reads the files again only after they change', () => {
    dir = tempDir();
    const none = join(dir.path, 'no-ssh-config');
    const file = join(dir.path, 'hosts.yaml');
    writeFileSync(file, 'hosts:\n  web-1: { hostname: 10.0.0.1, groups: [web] }\n');
    const first = cachedHosts({ configFile: none, workspaceDir: dir.path });
    expect(first.map((h) => h.name)).toEqual(['web-1']);
    expect(cachedHosts({ configFile: none, workspaceDir: dir.path })).toBe(first);
    writeFileSync(
      file,
      'hosts:\n  web-1: { hostname: 10.0.0.1 }\n  web-22: { hostname: 10.0.0.2 }\n',
    );
    expect(cachedHosts({ configFile: none, workspaceDir: dir.path }).map((h) => h.name)).toEqual([
      'web-1',
      'web-22',
    ]);
  });
});
