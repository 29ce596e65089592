import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/helpers/temp';
import { listHosts } from './inventory';
import { resolveSshTarget } from './ssh-target';

describe('ssh_config Include', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('expands absolute and globbed includes, in order, also inside a Host block', () => {
    dir = tempDir();
    mkdirSync(join(dir.path, 'conf.d'));
    writeFileSync(
      join(dir.path, 'conf.d', '10-db.conf'),
      'Host db\n  HostName 10.0.0.5\n  User postgres\n',
    );
    writeFileSync(join(dir.path, 'conf.d', '20-web.conf'), 'Host web\n  HostName 10.0.0.6\n');
    writeFileSync(join(dir.path, 'conf.d', 'readme.txt'), 'Host ignored\n');
    writeFileSync(join(dir.path, 'jump.conf'), '  ProxyJump bastion\n');
    const config = join(dir.path, 'config');
    writeFileSync(
      config,
      `Include ${join(dir.path, 'conf.d')}/*.conf\n\nHost bastion\n  HostName 10.0.0.1\n\nHost web\n  Include ${join(dir.path, 'jump.conf')}\n\nHost *\n  User ops\n  Port 2200\n`,
    );
    expect(listHosts({ configFile: config }).map((h) => h.name)).toEqual(['bastion', 'db', 'web']);
    const db = resolveSshTarget('db', { configFile: config });
    expect([db.hostname, db.user, db.port]).toEqual(['10.0.0.5', 'postgres', 2200]);
    const web = resolveSshTarget('web', { configFile: config });
    expect(web.jumps?.map((j) => j.hostname)).toEqual(['10.0.0.1']);
  });
});
