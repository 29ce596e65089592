import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/core/journal/reader';
import { cutTornTail } from '../../src/core/journal/store';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// The built CLI (npm test builds before vitest runs).
const CLI = join(__dirname, '../../bin/runsheet.js');

const runbook = (side: string) =>
  [
    '# Nightly copy',
    '',
    '```bash',
    '# A timestamp (ns) every 10 ms, for a long time; each also goes to a file of its own.',
    `for i in $(seq 3000); do date +%s%N | tee -a ${side}; sleep 0.01; done`,
    '```',
    '',
    '```bash',
    'echo "after the crash"',
    '```',
    '',
  ].join('\n');

describe('a crash mid-step (kill -9 of the process running it)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('loses nothing older than 100 ms, leaves no corrupt record, and the run resumes as interrupted', async () => {
    dir = tempDir('runsheet-crash-');
    const ws = join(dir.path, 'ws');
    const data = join(dir.path, 'data');
    writeFiles(dir.path, {});
    spawnSync('mkdir', ['-p', ws]);
    const side = join(dir.path, 'printed.txt');
    writeFiles(ws, { 'nightly.md': runbook(side) });
    const child = spawn(
      process.execPath,
      [CLI, 'run', join(ws, 'nightly.md'), '--data-dir', data, '--log-dir', join(dir.path, 'logs')],
      { stdio: 'ignore', env: { ...process.env, HOME: dir.path } },
    );
    const journals = join(data, 'journals');
    const out = () => {
      try {
        const name = readdirSync(journals).find((f) => f.endsWith('.out'));
        return name ? join(journals, name) : null;
      } catch {
        return null;
      }
    };
    // Let it print for a while, then kill it without warning.
    await waitFor(
      'output in the journal',
      () => (out() && statSync(out()!).size > 2000 ? true : null),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 700));
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const journal = join(
      journals,
      readdirSync(journals).find((f) => f.endsWith('.jsonl'))!,
    );
    const { records, errors } = readJournal(journal);
    expect(errors).toEqual([]);
    expect(records.some((r) => r.type === 'run.finished')).toBe(false);
    // Everything the step printed more than 100 ms before the kill is in the journal.
    const stamps = (text: string) =>
      text
        .split(/\r?\n/)
        .filter((l) => /^\d{19}$/.test(l))
        .map((l) => Number(BigInt(l) / 1_000_000n));
    const journaled = new Set(stamps(readFileSync(out()!, 'utf8')));
    const printed = stamps(readFileSync(side, 'utf8'));
    const old = printed.filter((t) => t < killedAt - 100);
    expect(old.length).toBeGreaterThan(50);
    expect(old.filter((t) => !journaled.has(t))).toEqual([]);

    // A new process: the run is listed as interrupted, and resumes with that step marked so.
    const { core, api, latest } = coreOn(ws, { dataDir: data, logDir: join(dir.path, 'logs') });
    try {
      const [listed] = await api.call('history.list', {});
      expect(listed).toMatchObject({ runbookId: 'nightly.md', status: 'interrupted', done: 0 });
      const { state: readOnly } = await api.call('run.open', { runId: listed!.runId });
      expect(readOnly.readOnly).toBe(true);
      expect(readOnly.status).toBe('interrupted');
      const { runbook } = await api.call('runbook.open', { runbookId: 'nightly.md' });
      const [long, next] = runbook.steps;
      expect(readOnly.steps[long!.id]!.status).toBe('interrupted');
      expect(readOnly.steps[long!.id]!.outputBytes).toBeGreaterThan(2000);

      const resumed = await api.call('run.resume', { runId: listed!.runId });
      expect(resumed.status).toBe('active');
      expect(resumed.steps[long!.id]).toMatchObject({ status: 'interrupted', exitCode: null });
      expect(resumed.runningStepId).toBeNull();
      await api.call('run.execute', { runId: resumed.id, stepId: next!.id });
      await waitFor('the next step', () =>
        latest()?.steps[next!.id]?.status === 'passed' ? true : null,
      );
      await api.call('run.finish', { runId: resumed.id });
      const after = readJournal(journal);
      expect(after.errors).toEqual([]);
      expect(after.records.map((r) => r.type)).toContain('run.resumed');
      const log = readFileSync(latest()!.logPath, 'utf8');
      expect(log).toMatch(
        /\*\*Nightly copy\*\* — interrupted, .*the app stopped while this step ran/,
      );
      expect(log).toMatch(/Issues: Nightly copy interrupted/);
      expect(log).toContain('after the crash');
    } finally {
      core.dispose();
    }
  }, 60_000);

  it('after kill -9 mid-step, the next command writes the Markdown log as interrupted, with the output so far', async () => {
    dir = tempDir('runsheet-crash-log-');
    const ws = join(dir.path, 'ws');
    const data = join(dir.path, 'data');
    const logs = join(dir.path, 'logs');
    spawnSync('mkdir', ['-p', ws]);
    writeFiles(ws, { 'nightly.md': runbook(join(dir.path, 'printed.txt')) });
    const child = spawn(
      process.execPath,
      [CLI, 'run', join(ws, 'nightly.md'), '--data-dir', data, '--log-dir', logs],
      { stdio: 'ignore', env: { ...process.env, HOME: dir.path } },
    );
    const journals = join(data, 'journals');
    const outFile = () => readdirSync(journals).find((f) => f.endsWith('.out'));
    await waitFor(
      'output in the journal',
      () => {
        try {
          const name = outFile();
          return name && statSync(join(journals, name)).size > 2000 ? true : null;
        } catch {
          return null;
        }
      },
      20_000,
    );
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const logName = readdirSync(logs).find((f) => f.endsWith('.md'))!;
    expect(readFileSync(join(logs, logName), 'utf8')).toContain('Duration: in progress');

    // Any command that reads records runs the recovery pass first.
    const history = spawnSync(
      process.execPath,
      [CLI, 'history', '--workspace', ws, '--data-dir', data, '--log-dir', logs],
      { encoding: 'utf8', env: { ...process.env, HOME: dir.path } },
    );
    expect(history.status).toBe(0);
    expect(history.stdout).toMatch(/interrupted/);
    const log = readFileSync(join(logs, logName), 'utf8');
    expect(log).not.toContain('in progress');
    expect(log).toMatch(/\| interrupted \|/);
    expect(log).toMatch(/Duration: [\d.]+ s \(interrupted\)/);
    expect(log).toMatch(/Issues: Nightly copy interrupted/);
    // The output the journal holds, as far as the step got.
    const printed = readFileSync(join(journals, outFile()!), 'utf8')
      .split(/\r?\n/)
      .filter((l) => /^\d{19}$/.test(l));
    expect(printed.length).toBeGreaterThan(10);
    expect(log).toContain(printed[printed.length - 1]!);
    expect(log).toContain(printed[0]!);
    // The journal says so too, once: a second command changes nothing.
    const journal = join(
      journals,
      readdirSync(journals).find((f) => f.endsWith('.jsonl'))!,
    );
    const { records, errors } = readJournal(journal);
    expect(errors).toEqual([]);
    expect(records.filter((r) => r.type === 'run.interrupted')).toHaveLength(1);
    // History times the run to its last activity before the stop, not to the recovery.
    const listed = spawnSync(
      process.execPath,
      [CLI, 'history', '--json', '--workspace', ws, '--data-dir', data, '--log-dir', logs],
      { encoding: 'utf8', env: { ...process.env, HOME: dir.path } },
    );
    const [summary] = JSON.parse(listed.stdout) as Array<{
      lastActivityAt: string;
      durationMs: number;
    }>;
    const beforeStop = records[records.length - 2]!.ts;
    expect(summary!.lastActivityAt).toBe(beforeStop);
    expect(summary!.durationMs).toBe(Date.parse(beforeStop) - Date.parse(records[0]!.ts));
    const before = readFileSync(journal, 'utf8');
    spawnSync(process.execPath, [CLI, 'due', '--workspace', ws, '--data-dir', data], {
      env: { ...process.env, HOME: dir.path },
    });
    expect(readFileSync(journal, 'utf8')).toBe(before);
  }, 60_000);

  it('cuts a torn last record (half a line) and keeps everything before it', () => {
    dir = tempDir('runsheet-torn-');
    const { core, api } = coreOn(dir.path, {});
    writeFiles(dir.path, { 'a.md': '# A\n\n- [ ] one\n- [ ] two\n' });
    return (async () => {
      try {
        const run = await api.call('run.start', { runbookId: 'a.md' });
        const { runbook } = await api.call('runbook.open', { runbookId: 'a.md' });
        await api.call('run.setChecked', {
          runId: run.id,
          stepId: runbook.steps[0]!.id,
          checked: true,
        });
        const path = run.journalPath;
        const whole = readFileSync(path, 'utf8');
        core.dispose();
        appendFileSync(path, '{"type":"step.checked","stepId":"x","chec');
        const { records, cut } = cutTornTail(path);
        expect(cut).toBe(41);
        expect(readFileSync(path, 'utf8')).toBe(whole);
        expect(records.map((r) => r.type)).toEqual(['run.started', 'step.checked']);
      } finally {
        core.dispose();
      }
    })();
  });

  it('runsheet verify finds an edit made after the fact, naming the line', async () => {
    dir = tempDir('runsheet-verify-');
    writeFiles(dir.path, { 'b.md': '# B\n\n```bash\necho checksum me\n```\n' });
    const { core, api, latest } = coreOn(dir.path, {});
    let journal: string;
    try {
      const run = await api.call('run.start', { runbookId: 'b.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'b.md' });
      await api.call('run.execute', { runId: run.id, stepId: runbook.steps[0]!.id });
      await waitFor('the step', () =>
        latest()?.steps[runbook.steps[0]!.id]?.status === 'passed' ? true : null,
      );
      await api.call('run.finish', { runId: run.id });
      journal = run.journalPath;
    } finally {
      core.dispose();
    }
    const verify = () =>
      spawnSync(process.execPath, [CLI, 'verify', journal], { encoding: 'utf8' });
    const clean = verify();
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/intact — \d+ records/);
    // Change "passed" to "failed" in the step's result: the checksum no longer matches.
    const lines = readFileSync(journal, 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"type":"step.finished"'));
    lines[at] = lines[at]!.replace('"status":"passed"', '"status":"failed"');
    writeFileSync(journal, lines.join('\n'));
    const edited = verify();
    expect(edited.status).toBe(1);
    expect(edited.stdout).toContain(`${journal}:${at + 1}: checksum mismatch`);
    // Put it back, then change one byte of the raw output instead.
    lines[at] = lines[at]!.replace('"status":"failed"', '"status":"passed"');
    writeFileSync(journal, lines.join('\n'));
    const outFile = journal.replace(/\.jsonl$/, '.out');
    writeFileSync(outFile, readFileSync(outFile, 'utf8').replace('checksum me', 'checksum ME'));
    const bytes = verify();
    expect(bytes.status).toBe(1);
    expect(bytes.stdout).toMatch(/output bytes \d+\.\.\d+ in .*\.out were changed or are missing/);
  });
});
