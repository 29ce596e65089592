import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { headlessRun, runsheet } from '../helpers/cli';
import { tempDir, writeFiles } from '../helpers/temp';
import { GITHUB_TOKEN as TOKEN } from '../helpers/secrets';

// `runsheet bundle`: one archive an auditor checks with standard tools (tar,
// sha256sum, ssh-keygen) and `runsheet verify` checks whole; one byte edited
// anywhere is found. A real run, real files, OpenSSH's ssh-keygen.
const RUNBOOK = [
  '# Audited',
  '',
  '```bash {name=count}',
  'seq 1 500',
  '```',
  '',
  '```bash {name=token}',
  // Split in the runbook's text: the token only exists in the step's output.
  `echo "deploy token ${TOKEN.slice(0, 10)}""${TOKEN.slice(10)}"`,
  '```',
  '',
].join('\n');

let dir: ReturnType<typeof tempDir>;
let journal = '';
let runId = '';
const sh = (cmd: string, args: string[], cwd?: string, input = '') =>
  spawnSync(cmd, args, { cwd, encoding: 'utf8', input, timeout: 60_000 });

/** Unpacks `bundle` into a fresh folder; the run's folder inside it. */
function unpack(bundle: string, name: string): string {
  const into = join(dir.path, name);
  mkdirSync(into);
  expect(sh('tar', ['-xzf', bundle, '-C', into]).status).toBe(0);
  return join(into, runId);
}

beforeAll(() => {
  dir = tempDir('runsheet-bundle-');
  writeFiles(dir.path, { 'audited.md': RUNBOOK });
  const run = headlessRun(dir.path, join(dir.path, 'audited.md'));
  expect(run.code).toBe(0);
  journal = run.journal;
  runId = run.runId;
  expect(
    sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ops', '-f', join(dir.path, 'key')])
      .status,
  ).toBe(0);
  writeFileSync(
    join(dir.path, 'allowed_signers'),
    `ops@example.org ${readFileSync(join(dir.path, 'key.pub'), 'utf8')}`,
  );
}, 120_000);

afterAll(() => dir?.cleanup());

describe('runsheet bundle and verify', () => {
  it('writes one archive that tar, sha256sum -c and ssh-keygen -Y verify check without Runsheet', () => {
    const bundle = join(dir.path, 'signed.tar.gz');
    const made = runsheet(
      ['bundle', journal, '--out', bundle, '--sign', join(dir.path, 'key')],
      dir.path,
    );
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('8 files, signed');
    const folder = unpack(bundle, 'plain-tools');
    expect(readdirSync(folder).sort()).toEqual([
      'README.txt',
      'SHA256SUMS',
      'SHA256SUMS.sig',
      'journal.jsonl',
      'journal.out',
      'log.md',
      'recording.cast',
      'runbooks',
    ]);
    const sums = sh('sha256sum', ['-c', 'SHA256SUMS'], folder);
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    expect(sums.stdout.trim().split('\n')).toHaveLength(6);
    const manifest = readFileSync(join(folder, 'SHA256SUMS'), 'utf8');
    const signature = sh(
      'ssh-keygen',
      [
        '-Y',
        'verify',
        '-f',
        join(dir.path, 'allowed_signers'),
        '-I',
        'ops@example.org',
        '-n',
        'runsheet-bundle',
        '-s',
        'SHA256SUMS.sig',
      ],
      folder,
      manifest,
    );
    expect(signature.status, signature.stderr).toBe(0);
    // Redacted as in the journal: the token is in no file of the bundle.
    for (const file of ['journal.jsonl', 'journal.out', 'log.md', 'recording.cast'])
      expect(readFileSync(join(folder, file), 'utf8')).not.toContain(TOKEN);
    expect(readFileSync(join(folder, 'log.md'), 'utf8')).toContain('[REDACTED: github]');

    const verified = runsheet(
      [
        'verify',
        bundle,
        '--allowed-signers',
        join(dir.path, 'allowed_signers'),
        '--identity',
        'ops@example.org',
      ],
      dir.path,
    );
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/intact/);
    expect(verified.stdout).toMatch(/hash chain/);
    expect(verified.stdout).toMatch(/Good "runsheet-bundle" signature for ops@example.org/);
  });

  it('finds one byte edited in any file, and a file edited with its sum made again', () => {
    const bundle = join(dir.path, 'unsigned.tar.gz');
    expect(
      runsheet(['bundle', runId, '--out', bundle, '--data-dir', join(dir.path, 'data')], dir.path)
        .code,
    ).toBe(0);
    const files = [
      'journal.jsonl',
      'journal.out',
      'log.md',
      'recording.cast',
      'README.txt',
      'SHA256SUMS',
    ];
    for (const [i, file] of files.entries()) {
      const folder = unpack(bundle, `edit-${i}`);
      const path = join(folder, file);
      const bytes = readFileSync(path);
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
      writeFileSync(path, bytes);
      const edited = join(dir.path, `edited-${i}.tar.gz`);
      expect(sh('tar', ['-czf', edited, '-C', join(folder, '..'), runId]).status).toBe(0);
      const r = runsheet(['verify', edited], dir.path);
      expect(r.code, `${file}: ${r.stdout}`).toBe(1);
      expect(r.stdout, file).toMatch(/problem/);
      // sha256sum alone sees it too (except in the manifest itself, which it reads).
      if (file !== 'SHA256SUMS')
        expect(sh('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], folder).status).not.toBe(0);
    }
    // An editor who also makes SHA256SUMS again: the chain, the recording and the log still tell.
    for (const [i, file] of ['journal.out', 'recording.cast', 'log.md'].entries()) {
      const folder = unpack(bundle, `resum-${i}`);
      const path = join(folder, file);
      const text = readFileSync(path, 'utf8');
      writeFileSync(path, text.replace('250', '251'));
      const sums = sh(
        'sh',
        [
          '-c',
          "find . -type f ! -name SHA256SUMS | sed 's|^\\./||' | sort | xargs sha256sum > SHA256SUMS",
        ],
        folder,
      );
      expect(sums.status).toBe(0);
      expect(sh('sha256sum', ['-c', '--quiet', 'SHA256SUMS'], folder).status).toBe(0);
      const edited = join(dir.path, `resummed-${i}.tar.gz`);
      expect(sh('tar', ['-czf', edited, '-C', join(folder, '..'), runId]).status).toBe(0);
      const r = runsheet(['verify', edited], dir.path);
      expect(r.code, `${file}: ${r.stdout}`).toBe(1);
      expect(r.stdout).toContain(
        file === 'journal.out' ? 'were changed or are missing' : `${file}: not the`,
      );
    }
  }, 240_000);

  it('refuses an archive that would write outside its folder or holds links', () => {
    const evil = join(dir.path, 'evil');
    mkdirSync(join(evil, runId), { recursive: true });
    writeFileSync(join(evil, runId, 'SHA256SUMS'), '');
    expect(sh('ln', ['-s', '/etc/passwd', join(evil, runId, 'journal.jsonl')]).status).toBe(0);
    const archive = join(dir.path, 'evil.tar.gz');
    expect(sh('tar', ['-czf', archive, '-C', evil, runId]).status).toBe(0);
    const r = runsheet(['verify', archive], dir.path);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/journal\.jsonl: not a file of a run bundle \(refused\)/);
  });

  it('bundles a runbook text that holds a secret with it redacted, and says what verify cannot check', () => {
    // The token written into the runbook itself: the log shows the command redacted, and so
    // must the bundle's copy of the runbook (it was copied as it was: the token was in it).
    const ws = join(dir.path, 'literal');
    mkdirSync(ws);
    writeFiles(ws, {
      'literal.md': `# Literal\n\n\`\`\`bash {name=use}\nexport DEPLOY_TOKEN=${TOKEN}\necho set\n\`\`\`\n`,
    });
    const run = headlessRun(ws, join(ws, 'literal.md'));
    expect(run.code).toBe(0);
    const bundle = join(dir.path, 'literal.tar.gz');
    const made = runsheet(['bundle', run.journal, '--out', bundle], ws);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/held secrets: bundled with them redacted/);
    const into = join(dir.path, 'literal-unpacked');
    mkdirSync(into);
    expect(sh('tar', ['-xzf', bundle, '-C', into]).status).toBe(0);
    const folder = join(into, run.runId);
    const runbooks = readdirSync(join(folder, 'runbooks'));
    expect(runbooks).toHaveLength(1);
    expect(runbooks[0]).toMatch(/^[0-9a-f]{64}\.redacted\.md$/);
    const files = ['README.txt', 'journal.jsonl', 'journal.out', 'log.md', 'recording.cast'];
    for (const file of [...files, `runbooks/${runbooks[0]}`])
      expect(readFileSync(join(folder, file), 'utf8'), file).not.toContain(TOKEN);
    expect(readFileSync(join(folder, 'runbooks', runbooks[0]!), 'utf8')).toMatch(
      /export DEPLOY_TOKEN=\[REDACTED: [^\]]+\]/,
    );
    expect(readFileSync(join(folder, 'README.txt'), 'utf8')).toMatch(/held secrets/);
    const sums = sh('sha256sum', ['-c', 'SHA256SUMS'], folder);
    expect(sums.status, sums.stdout + sums.stderr).toBe(0);
    const verified = runsheet(['verify', bundle], ws);
    expect(verified.code, verified.stdout).toBe(0);
    expect(verified.stdout).toMatch(/intact/);
    expect(verified.stdout).toMatch(/not checked: one runbook text \(bundled redacted/);
    expect(verified.stdout).not.toMatch(/checked the (log|runbook texts)/);
  }, 120_000);
});
