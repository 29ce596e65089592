import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'rolldown';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acquireLock, lockPathOf, releaseLock } from '../../src/core/journal/lock';
import { readJournal } from '../../src/core/journal/reader';
import { cutTornTail } from '../../src/core/journal/store';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// What a damaged journal, a crash's tail, racing processes and racing clicks do to
// the records: found in review, each reproduced here against real files and processes.
let dir: ReturnType<typeof tempDir>;
afterEach(() => dir?.cleanup());

/** A finished run of a two-item runbook; its journal path and its log. */
async function finishedRun(path: string) {
  writeFiles(path, { 'a.md': '# A\n\n- [ ] one\n- [ ] two\n' });
  const { core, api, latest } = coreOn(path);
  try {
    const run = await api.call('run.start', { runbookId: 'a.md' });
    const { runbook } = await api.call('runbook.open', { runbookId: 'a.md' });
    await api.call('run.setChecked', {
      runId: run.id,
      stepId: runbook.steps[0]!.id,
      checked: true,
    });
    await api.call('run.finish', { runId: run.id });
    return { run, journal: run.journalPath, log: latest()!.logPath };
  } finally {
    core.dispose();
  }
}

describe('damage and crash tails', () => {
  it('never appends to, repairs or re-logs a journal damaged in the middle, and says so', async () => {
    dir = tempDir('runsheet-damaged-');
    const { run, journal, log } = await finishedRun(dir.path);
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[1] = lines[1]!.replace('"checked":true', '"checked":false'); // an edit after the fact
    writeFileSync(journal, lines.join('\n'));
    const damaged = readFileSync(journal, 'utf8');
    const logged = readFileSync(log, 'utf8');
    for (let start = 0; start < 3; start++) {
      const { core, api } = coreOn(dir.path);
      try {
        const [listed] = await api.call('history.list', {});
        expect(listed!.runId).toBe(run.id);
        await expect(api.call('run.resume', { runId: run.id })).rejects.toThrow(
          /journal of run .* is damaged, so nothing more is written to it: .*:2: checksum mismatch/,
        );
        await expect(api.call('run.setFields', { runId: run.id, issues: 'x' })).rejects.toThrow(
          /is damaged/,
        );
      } finally {
        core.dispose();
      }
    }
    expect(readFileSync(journal, 'utf8')).toBe(damaged);
    expect(readFileSync(log, 'utf8')).toBe(logged);
    expect(existsSync(lockPathOf(journal))).toBe(false);
  });

  it('cuts what a crash leaves (half a line, zeros) but not an edited last record', async () => {
    dir = tempDir('runsheet-tails-');
    const { journal } = await finishedRun(dir.path);
    const whole = readFileSync(journal, 'utf8');
    // Zeros where the last write should be (a power loss with delayed allocation).
    appendFileSync(journal, Buffer.alloc(300));
    expect(cutTornTail(journal).cut).toBe(300);
    expect(readFileSync(journal, 'utf8')).toBe(whole);
    appendFileSync(journal, '{"type":"run.fields","issues":"half');
    expect(cutTornTail(journal).cut).toBeGreaterThan(0);
    expect(readFileSync(journal, 'utf8')).toBe(whole);
    // A complete last line that parses but does not check out: an edit, kept as evidence.
    const lines = whole.trimEnd().split('\n');
    lines[lines.length - 1] = lines[lines.length - 1]!.replace('run.finished', 'run.fields');
    const edited = `${lines.join('\n')}\n`;
    writeFileSync(journal, edited);
    const { cut, damaged } = cutTornTail(journal);
    expect(cut).toBe(0);
    expect(damaged?.[0]).toMatch(/:\d+: (checksum mismatch|not a journal record)/);
    expect(readFileSync(journal, 'utf8')).toBe(edited);
    expect(readJournal(journal).torn).toBe(false);
  });
});

describe('one writer per journal', () => {
  let bundle: string;
  beforeAll(async () => {
    // The lock module as plain JavaScript, for processes that race for one lock.
    const out = tempDir('runsheet-lock-bundle-');
    bundle = join(out.path, 'lock.mjs');
    await build({
      input: join(__dirname, '../../src/core/journal/lock.ts'),
      platform: 'node',
      output: { file: bundle, format: 'esm' },
      write: true,
    });
  });

  it('lets exactly one of many processes take over a stale lock, and never shows it empty', async () => {
    dir = tempDir('runsheet-lock-race-');
    for (let round = 0; round < 5; round++) {
      const journal = join(dir.path, `r${round}.jsonl`);
      // Left by a writer that died (a process id that is not running).
      const dead = spawnSync(
        process.execPath,
        ['-e', 'process.stdout.write(String(process.pid))'],
        {
          encoding: 'utf8',
        },
      ).stdout;
      writeFileSync(lockPathOf(journal), dead);
      const racer = `import { acquireLock } from ${JSON.stringify(bundle)};
        const got = acquireLock(${JSON.stringify(journal)});
        process.stdout.write(got ? 'won' : 'lost');
        // Alive (holding what it won) until every racer has answered: a winner that exited
        // early would leave a stale lock a slow starter may rightly take over.
        process.stdin.on('end', () => process.exit(0));
        process.stdin.resume();`;
      const children = Array.from({ length: 6 }, () =>
        spawn(process.execPath, ['--input-type=module', '-e', racer], {
          stdio: ['pipe', 'pipe', 'inherit'],
        }),
      );
      const answers = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve) => {
              let out = '';
              child.stdout.on('data', (d: Buffer) => {
                out += d.toString();
                if (out === 'won' || out === 'lost') resolve(out);
              });
              child.on('exit', () => resolve(out));
            }),
        ),
      );
      for (const child of children) child.stdin.end();
      await Promise.all(
        children.map(
          (c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r))),
        ),
      );
      expect(answers.filter((a) => a === 'won')).toHaveLength(1);
      expect(
        readdirSync(dir.path).filter((f) => f.includes('.tmp') || f.endsWith('.takeover')),
      ).toEqual([]);
    }
  });

  it('is not re-entrant: a second holder in the same process is refused', () => {
    dir = tempDir('runsheet-lock-self-');
    const journal = join(dir.path, 'x.jsonl');
    expect(acquireLock(journal)).toBe(true);
    expect(acquireLock(journal)).toBe(false);
    releaseLock(journal);
    expect(existsSync(lockPathOf(journal))).toBe(false);
    expect(acquireLock(journal)).toBe(true);
    releaseLock(journal);
  });

  it('two Resume clicks at once get one resumed run, and the journal keeps one writer', async () => {
    dir = tempDir('runsheet-double-resume-');
    writeFiles(dir.path, { 'a.md': '# A\n\n- [ ] one\n' });
    const first = coreOn(dir.path);
    const run = await first.api.call('run.start', { runbookId: 'a.md' });
    first.core.dispose();
    const { core, api } = coreOn(dir.path);
    try {
      const [a, b] = await Promise.all([
        api.call('run.resume', { runId: run.id }),
        api.call('run.resume', { runId: run.id }),
      ]);
      expect(a.status).toBe('active');
      expect(b.seq).toBe(a.seq);
      const { records, errors } = readJournal(run.journalPath);
      expect(errors).toEqual([]);
      expect(records.filter((r) => r.type === 'run.resumed')).toHaveLength(1);
      expect(existsSync(lockPathOf(run.journalPath))).toBe(true);
      await api.call('run.finish', { runId: run.id });
      expect(existsSync(lockPathOf(run.journalPath))).toBe(false);
    } finally {
      core.dispose();
    }
  });
});

describe('one step at a time', () => {
  it('refuses a second step started while the first is still starting, and Cancel reaches the first', async () => {
    dir = tempDir('runsheet-two-clicks-');
    writeFiles(dir.path, {
      'a.md':
        '# A\n\n```bash {name=long}\nsleep 30\n```\n\n```bash {name=other}\necho other\n```\n\n```bash {hosts=,}\necho nowhere\n```\n',
    });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'a.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'a.md' });
      const [long, other, nowhere] = runbook.steps;
      const firstCall = api.call('run.execute', { runId: run.id, stepId: long!.id });
      await expect(api.call('run.execute', { runId: run.id, stepId: other!.id })).rejects.toThrow(
        'another step is still running',
      );
      await firstCall;
      await api.call('run.cancel', { runId: run.id });
      const ended = await waitFor('the cancel', () =>
        latest()?.steps[long!.id]?.status === 'cancelled' ? latest() : null,
      );
      expect(ended.steps[other!.id]!.status).toBe('pending');
      // A step whose hosts name no host does not "pass" without running.
      await expect(api.call('run.execute', { runId: run.id, stepId: nowhere!.id })).rejects.toThrow(
        'its hosts name no host of the inventory',
      );
      expect(latest()!.steps[nowhere!.id]).toMatchObject({ status: 'failed', exitCode: null });
    } finally {
      core.dispose();
    }
  });
});
