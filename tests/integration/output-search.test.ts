import { appendFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { outputPathOf } from '../../src/core/journal/reader';
import { runOutput, stepText } from '../../src/core/journal/step-output';
import { coreOn, settled } from '../helpers/harness';
import { GITHUB_TOKEN } from '../helpers/secrets';
import { keygen, startSshd, type TestSshd } from '../helpers/sshd';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// The token is split in the runbook so only the output carries it whole (and the redactor cuts it).
const [TOKEN_HEAD, TOKEN_TAIL] = [GITHUB_TOKEN.slice(0, 10), GITHUB_TOKEN.slice(10)];

const EMIT = [
  '# Emit',
  '',
  '```bash {name=emit}',
  'seq 1 5',
  'echo "the NEEDLE-42 was here"',
  "printf 'colour \\033[31mRED-MARK\\033[0m end\\n'",
  "printf 'progress 10%%\\rdone 100%%\\n'",
  `t=${TOKEN_HEAD}; echo "deploy token \${t}${TOKEN_TAIL}"`,
  'echo "dup dup dup"',
  'for i in $(seq 1 30); do echo "repeat-line $i"; done',
  "head -c 70000 /dev/zero | tr '\\0' x; echo LONGEND",
  'echo "after-long"',
  "printf 'multi \\033[1mAB\\033[0m\\033[4;32mCD\\033[0m end\\n'",
  '```',
  '',
  '- [ ] Tell the team',
  '',
  '```bash {name=later}',
  'echo "second step"',
  '```',
  '',
].join('\n');

// Past the first windows of the scan: lines are counted in windows read again.
const OTHER =
  '# Other\n\n```bash {name=other}\necho "the needle-42 again"; seq 1 400000; echo big-marker; seq 1 10; echo big-marker again\n```\n';

/** The lines `runsheet output` prints of a step (one host). */
async function textLines(journal: string, stepId: string): Promise<string[]> {
  const step = runOutput(journal).steps.find((s) => s.stepId === stepId)!;
  let text = '';
  for await (const piece of stepText(journal, step.parts)) text += piece;
  return text.split('\n');
}

describe('output search: every past run, real runs through the core', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('finds lines of output as shown, notes, skip reasons and fields; case, limit, redaction', async () => {
    dir = tempDir('runsheet-output-search-');
    writeFiles(dir.path, { 'emit.md': EMIT, 'other.md': OTHER });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'emit.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'emit.md' });
      const [emit, check, later] = runbook.steps;
      await api.call('run.execute', { runId: run.id, stepId: emit!.id });
      await waitFor('the step', () => (latest()?.steps[emit!.id]?.exitCode != null ? true : null));
      await settled(latest);
      await api.call('run.setChecked', {
        runId: run.id,
        stepId: check!.id,
        checked: true,
        note: 'told them\nnote-marker: on call agreed',
      });
      await api.call('run.skip', {
        runId: run.id,
        stepId: later!.id,
        reason: 'skip-marker: no time',
      });
      await api.call('run.setFields', { runId: run.id, issues: 'issue-marker in the fields' });
      await api.call('run.finish', { runId: run.id });

      const other = await api.call('run.start', { runbookId: 'other.md' });
      const otherStep = (await api.call('runbook.open', { runbookId: 'other.md' })).runbook
        .steps[0]!;
      await api.call('run.execute', { runId: other.id, stepId: otherStep.id });
      await waitFor('the other step', () =>
        latest()?.id === other.id && latest()!.steps[otherStep.id]?.exitCode != null ? true : null,
      );
      await settled(latest);
      await api.call('run.finish', { runId: other.id });

      const search = (text: string, extra: object = {}) =>
        api.call('history.searchOutput', { text, ...extra });
      const lines = await textLines(run.journalPath, emit!.id);
      const lineOf = (text: string) => lines.findIndex((l) => l.includes(text)) + 1;

      // Both runs, newest first, case ignored: run, step, host, line (as `runsheet output` numbers it).
      const needle = await search('needle-42');
      expect(needle.more).toBe(false);
      expect(needle.hits.map((h) => h.runId)).toEqual([other.id, run.id]);
      const [, hit] = needle.hits;
      expect(hit).toMatchObject({
        runbookTitle: 'Emit',
        where: 'output',
        stepId: emit!.id,
        stepTitle: 'emit',
        host: run.host,
        line: lineOf('the NEEDLE-42 was here'),
        text: 'the NEEDLE-42 was here',
        start: 4,
        end: 13,
      });
      expect(hit!.line).toBe(6); // after seq 1 5
      // Case-sensitive: only the line with it as typed.
      expect((await search('NEEDLE-42', { caseSensitive: true })).hits.map((h) => h.runId)).toEqual(
        [run.id],
      );
      expect((await search('needle-42', { caseSensitive: true })).hits.map((h) => h.runId)).toEqual(
        [other.id],
      );

      // Far into a step's output (2.6 MB): numbered as `runsheet output` prints it.
      const big = await search('big-marker');
      const otherLines = await textLines(other.journalPath, otherStep.id);
      expect(big.hits.map((h) => h.line)).toEqual([400_002, 400_013]);
      expect(big.hits.map((h) => otherLines[h.line - 1])).toEqual([
        'big-marker',
        'big-marker again',
      ]);

      // Escape sequences are what the terminal did: the text is found, their bytes are not.
      const red = await search('red-mark');
      expect(red.hits).toHaveLength(1);
      expect(red.hits[0]).toMatchObject({ text: 'colour RED-MARK end', start: 7, end: 15 });
      expect((await search('[31m')).hits).toEqual([]);
      // Across colour changes, as the terminal showed it.
      expect((await search('colour red-mark end')).hits[0]).toMatchObject({
        line: lineOf('colour RED-MARK end'),
        text: 'colour RED-MARK end',
        start: 0,
        end: 19,
      });
      expect((await search('multi abcd end')).hits[0]).toMatchObject({
        line: lineOf('multi ABCD end'),
        text: 'multi ABCD end',
      });
      expect((await search('bcd')).hits[0]!.text).toBe('multi ABCD end');
      // Overwritten by \r: the terminal did not show it at the end.
      expect((await search('progress 10')).hits).toEqual([]);
      expect((await search('done 100%')).hits[0]!.line).toBe(lineOf('done 100%'));

      // A redacted secret is not found by its value; its marker is.
      expect((await search(GITHUB_TOKEN)).hits).toEqual([]);
      expect((await search(TOKEN_TAIL.slice(0, 12))).hits).toEqual([]);
      expect((await search('[REDACTED: github]')).hits[0]).toMatchObject({
        line: lineOf('deploy token'),
        text: 'deploy token [REDACTED: github]',
      });

      // One hit per line.
      expect((await search('dup')).hits).toHaveLength(1);
      // The limit, and "more".
      const limited = await search('repeat-line', { limit: 10 });
      expect(limited.hits).toHaveLength(10);
      expect(limited.more).toBe(true);
      const all = await search('repeat-line');
      expect(all.more).toBe(false);
      expect(all.hits.map((h) => h.line)).toEqual(
        Array.from({ length: 30 }, (_, i) => lineOf(`repeat-line ${i + 1}`)),
      );
      // A line longer than the scan keeps whole: cut around the match, numbered right after.
      const long = await search('longend');
      expect(long.hits).toHaveLength(1);
      expect(long.hits[0]!.text).toMatch(/^…x+LONGEND$/);
      expect(long.hits[0]!.text.length).toBeLessThanOrEqual(241);
      expect(long.hits[0]!.line).toBe(lineOf('LONGEND'));
      expect((await search('after-long')).hits[0]!.line).toBe(lineOf('after-long'));
      expect((await search('x'.repeat(150))).hits).toHaveLength(1);

      // Notes, skip reasons and fields, with their step and line.
      expect((await search('note-marker')).hits).toEqual([
        expect.objectContaining({
          runId: run.id,
          where: 'note',
          stepId: check!.id,
          host: null,
          line: 2,
          text: 'note-marker: on call agreed',
        }),
      ]);
      expect((await search('SKIP-MARKER')).hits).toEqual([
        expect.objectContaining({ where: 'skip', stepId: later!.id, stepTitle: 'later' }),
      ]);
      expect((await search('issue-marker')).hits).toEqual([
        expect.objectContaining({
          where: 'issues',
          stepId: null,
          text: 'issue-marker in the fields',
        }),
      ]);
      expect((await search('nowhere-at-all')).hits).toEqual([]);

      // Input is validated.
      for (const bad of [
        { text: '' },
        { text: 'x'.repeat(201) },
        { text: 'two\nlines' },
        { text: 'a', limit: 0 },
        { text: 'a', limit: 5000 },
        { text: 'a', extra: true },
      ])
        await expect(api.call('history.searchOutput', bad as { text: string })).rejects.toThrow();

      // A run going on: what it prints next is found by the next search (its journal grew).
      const again = await api.call('run.start', { runbookId: 'other.md' });
      expect((await search('needle-42')).hits.map((h) => h.runId)).toEqual([other.id, run.id]);
      await api.call('run.execute', { runId: again.id, stepId: otherStep.id });
      await waitFor('the step run again', () =>
        latest()?.id === again.id && latest()!.steps[otherStep.id]?.exitCode != null ? true : null,
      );
      await settled(latest);
      expect((await search('needle-42')).hits.map((h) => h.runId)).toEqual([
        again.id,
        other.id,
        run.id,
      ]);
      await api.call('run.finish', { runId: again.id });
      rmSync(again.journalPath);

      // A damaged journal tail, and a run whose .out file is gone: the rest is still searched.
      appendFileSync(run.journalPath, '{not json\n');
      rmSync(outputPathOf(other.journalPath));
      expect((await search('needle-42')).hits.map((h) => h.runId)).toEqual([run.id]);
      writeFileSync(outputPathOf(run.journalPath), 'short');
      expect((await search('note-marker')).hits).toHaveLength(1);
      expect((await search('needle-42')).hits).toEqual([]);
    } finally {
      core.dispose();
    }
  });
});

// Two real OpenSSH servers (addresses of their own, away from the other suites' fleet).
const HAS_SSHD = existsSync('/usr/sbin/sshd');

describe.skipIf(!HAS_SSHD)('output search: a fan-out step, each host apart', () => {
  let fleet: ReturnType<typeof tempDir>;
  let servers: TestSshd[] = [];
  let clientKey: string;
  beforeAll(async () => {
    fleet = tempDir('runsheet-search-fleet-');
    clientKey = join(fleet.path, 'client_ed25519');
    keygen(clientKey);
    servers = await Promise.all(
      [71, 72].map((n) =>
        startSshd(join(fleet.path, `sshd-${n}`), `127.0.0.${n}`, 2222, clientKey),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    fleet?.cleanup();
  });

  it('returns the host each line came from', async () => {
    const ws = join(fleet.path, 'ws');
    mkdirSync(ws);
    writeFiles(ws, {
      'hosts.yaml':
        'hosts:\n  pair-71: { hostname: 127.0.0.71, groups: [pair] }\n  pair-72: { hostname: 127.0.0.72, groups: [pair] }\n',
      'fan.md':
        '# Fan\n\n```bash {name=fan hosts=pair}\necho start; echo "fan-marker $((6 * 7))"\n```\n',
    });
    const config = join(fleet.path, 'ssh_config');
    writeFileSync(config, `Host pair-*\n  User root\n  Port 2222\n  IdentityFile ${clientKey}\n`);
    const { core, api, latest } = coreOn(ws, {
      ssh: {
        configFile: config,
        knownHostsFile: join(fleet.path, 'known_hosts'),
        acceptNewHostKeys: true,
      },
    });
    try {
      const run = await api.call('run.start', { runbookId: 'fan.md' });
      const id = (await api.call('runbook.open', { runbookId: 'fan.md' })).runbook.steps[0]!.id;
      await api.call('run.execute', { runId: run.id, stepId: id });
      await waitFor('the fan-out', () => latest()?.steps[id]?.status === 'passed', 60_000);
      await api.call('run.finish', { runId: run.id });
      const { hits } = await api.call('history.searchOutput', { text: 'FAN-MARKER 42' });
      expect(hits.map((h) => [h.host, h.stepId, h.line, h.text]).sort()).toEqual([
        ['pair-71', id, 2, 'fan-marker 42'],
        ['pair-72', id, 2, 'fan-marker 42'],
      ]);
    } finally {
      core.dispose();
    }
  }, 90_000);
});
