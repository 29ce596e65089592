import { createHmac, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../../tests/helpers/temp';
import { keygen } from '../../../tests/helpers/sshd';
import { appendKnownHost, checkHostKey, fingerprint, hostMatches } from './known-hosts';

describe('known_hosts', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  const makeKey = (name: string) => {
    keygen(join(dir.path, name));
    const [type, key] = readFileSync(join(dir.path, `${name}.pub`), 'utf8')
      .trim()
      .split(' ');
    return { type: type!, key: key!, pub: join(dir.path, `${name}.pub`) };
  };

  it('prints fingerprints exactly as ssh-keygen -lf does', () => {
    dir = tempDir();
    const k = makeKey('a');
    const printed = spawnSync('ssh-keygen', ['-lf', k.pub], { encoding: 'utf8' }).stdout.split(
      ' ',
    )[1];
    expect(fingerprint(k.key)).toBe(printed);
  });

  it('reads @cert-authority lines as CA keys, never as a host key (a host known only by its CA is unknown)', () => {
    dir = tempDir();
    const ca = makeKey('ca');
    const host = makeKey('host');
    const file = join(dir.path, 'known_hosts');
    writeFileSync(file, `@cert-authority *.example.org ${ca.type} ${ca.key}\n`);
    // ssh2 negotiates plain host keys only, so the CA cannot vouch for this one:
    // unknown (asked about), as OpenSSH treats a plain key of a CA-only host.
    expect(checkHostKey([file], 'db.example.org', 22, host.type, host.key)).toEqual({
      kind: 'unknown',
    });
    // Nor does the CA's own key pass as the host's key.
    expect(checkHostKey([file], 'db.example.org', 22, ca.type, ca.key)).toEqual({
      kind: 'unknown',
    });
    writeFileSync(file, `db.example.org ${host.type} ${host.key}\n`, { flag: 'a' });
    expect(checkHostKey([file], 'db.example.org', 22, host.type, host.key)).toEqual({
      kind: 'known',
      file,
      line: 2,
    });
  });

  it('matches plain, [host]:port, patterns with negation, and hashed entries', () => {
    expect(hostMatches('db1,db2', 'db2', 22)).toBe(true);
    expect(hostMatches('[127.0.0.2]:2222', '127.0.0.2', 2222)).toBe(true);
    expect(hostMatches('127.0.0.2', '127.0.0.2', 2222)).toBe(false);
    expect(hostMatches('*.prod.example,!bastion.prod.example', 'web.prod.example', 22)).toBe(true);
    expect(hostMatches('*.prod.example,!bastion.prod.example', 'bastion.prod.example', 22)).toBe(
      false,
    );
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[127.0.0.3]:2222').digest('base64');
    expect(hostMatches(`|1|${salt.toString('base64')}|${hash}`, '127.0.0.3', 2222)).toBe(true);
    expect(hostMatches(`|1|${salt.toString('base64')}|${hash}`, '127.0.0.4', 2222)).toBe(false);
  });

  it('says known, unknown, changed (naming file and line) and revoked', () => {
    dir = tempDir();
    const good = makeKey('good');
    const evil = makeKey('evil');
    const file = join(dir.path, 'known_hosts');
    writeFileSync(
      file,
      `# comment\nother ${good.type} ${good.key}\n[127.0.0.2]:2222 ${good.type} ${good.key}\n`,
    );
    expect(checkHostKey([file], '127.0.0.2', 2222, good.type, good.key)).toEqual({
      kind: 'known',
      file,
      line: 3,
    });
    expect(checkHostKey([file], '127.0.0.9', 2222, good.type, good.key)).toEqual({
      kind: 'unknown',
    });
    expect(checkHostKey([file], '127.0.0.2', 2222, evil.type, evil.key)).toEqual({
      kind: 'changed',
      file,
      line: 3,
      knownType: good.type,
    });
    writeFileSync(
      file,
      `@revoked * ${good.type} ${good.key}\n[127.0.0.2]:2222 ${good.type} ${good.key}\n`,
    );
    expect(checkHostKey([file], '127.0.0.2', 2222, good.type, good.key)).toEqual({
      kind: 'revoked',
      file,
      line: 1,
    });
  });

  it('appends accepted keys in OpenSSH format that ssh-keygen -F finds', () => {
    dir = tempDir();
    const k = makeKey('k');
    const file = join(dir.path, 'known_hosts');
    appendKnownHost(file, '127.0.0.2', 2222, k.type, k.key);
    const found = spawnSync('ssh-keygen', ['-F', '[127.0.0.2]:2222', '-f', file], {
      encoding: 'utf8',
    });
    expect(found.status).toBe(0);
    expect(checkHostKey([file], '127.0.0.2', 2222, k.type, k.key).kind).toBe('known');
  });
});
