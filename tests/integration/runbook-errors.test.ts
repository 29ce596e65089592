/**
 * Issue 14, point 6: a step stopped by an error in its runbook never runs, in a real shell: the
 * core refuses it with the error's line and words and records nothing, Run from here stops
 * before it, the other steps run; a block cut from an unclosed fence runs only once confirmed,
 * and the checklist item after it is never a command. `runsheet run` refuses the same.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { coreOn, RunHarness, settled } from '../helpers/harness';
import { tempDir, writeFiles } from '../helpers/temp';

const CLI = join(__dirname, '../../bin/runsheet.js');

const BLOCKED = [
  '# Errors stop steps', //                 1
  '', //                                    2
  '```bash {name=first}', //                3
  'echo one > "$HOME/one.txt"', //          4
  '```', //                                 5
  '', //                                    6
  '```bash {timeout=banana}', //            7
  'echo two > "$HOME/two.txt"', //          8
  '```', //                                 9
  '', //                                   10
  '```bash {name=third}', //               11
  'echo three > "$HOME/three.txt"', //     12
  '```', //                                13
  '',
].join('\n');

const UNCLOSED = [
  '# Unclosed', //                          1
  '', //                                    2
  '```bash', //                             3
  'echo cut > "$HOME/cut.txt"', //          4
  '- [ ] Item after the fence', //          5
  '',
].join('\n');

/** The records of a run's journal, by type. */
function records(journalPath: string, type: string): Array<Record<string, unknown>> {
  return readFileSync(journalPath, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.type === type);
}

describe('the plan', () => {
  it('says which step cannot run and why; the other steps carry no such field', async () => {
    const dir = tempDir('runsheet-errors-plan-');
    writeFiles(dir.path, { 'blocked.md': BLOCKED });
    const { core, api } = coreOn(dir.path);
    try {
      const plan = await api.call('run.plan', { runbookId: 'blocked.md', variables: {} });
      expect(plan.steps.map((s) => [s.line, s.blocked])).toEqual([
        [3, undefined],
        [
          7,
          expect.stringMatching(
            /^the step at line 7 cannot run until the runbook is fixed: line 7: fence attribute timeout=banana/,
          ),
        ],
        [11, undefined],
      ]);
      // Absent, not null: the plans of runbooks without errors hash as before.
      expect('blocked' in plan.steps[0]!).toBe(false);
    } finally {
      core.dispose();
      dir.cleanup();
    }
  });
});

describe('a step an error stops, in a real shell', () => {
  let h: RunHarness | undefined;
  afterEach(() => h?.dispose());

  it('is refused with the line and the value, records nothing, and the other steps run', async () => {
    h = await new RunHarness(BLOCKED, 'bash').start();
    const home = h.dir.path;
    const blocked = h.step(1);
    await expect(
      h.api.call('run.execute', { runId: h.run.id, stepId: blocked.id }),
    ).rejects.toThrow(
      /the step at line 7 cannot run until the runbook is fixed: line 7: fence attribute timeout=banana is not valid \(expected a duration/,
    );
    // Run from here from the first step: it runs, then stops before the blocked one.
    await h.api.call('run.execute', { runId: h.run.id, stepId: h.step(0).id, andFollowing: true });
    const state = await settled(() => h!.latest);
    expect(state.steps[h.step(0).id]?.status).toBe('passed');
    expect(state.steps[blocked.id]?.status).toBe('pending');
    expect(state.steps[h.step(2).id]?.status).toBe('pending');
    expect(existsSync(join(home, 'one.txt'))).toBe(true);
    expect(existsSync(join(home, 'two.txt'))).toBe(false);
    expect(existsSync(join(home, 'three.txt'))).toBe(false);
    // A step after it still runs by itself.
    expect((await h.exec(2)).status).toBe('passed');
    expect(readFileSync(join(home, 'three.txt'), 'utf8')).toBe('three\n');
    expect(existsSync(join(home, 'two.txt'))).toBe(false);
    const started = records(state.journalPath, 'step.started').map((r) => r.stepId);
    expect(started).toEqual([h.step(0).id, h.step(2).id]);
  });

  it('a block cut from an unclosed fence asks; once confirmed, only the cut code runs', async () => {
    h = await new RunHarness(UNCLOSED, 'bash').start();
    const cut = h.step(0);
    expect(cut.code).toBe('echo cut > "$HOME/cut.txt"\n');
    expect(h.runbook.steps.map((s) => [s.kind, s.line])).toEqual([
      ['command', 3],
      ['check', 5],
    ]);
    await expect(h.api.call('run.execute', { runId: h.run.id, stepId: cut.id })).rejects.toThrow(
      /confirmation needed: line 3: the code fence opened here is never closed; Runsheet ended the block at line 4, before the checklist item on line 5/,
    );
    expect(existsSync(join(h.dir.path, 'cut.txt'))).toBe(false);
    const result = await h.exec(0, { confirmed: true });
    expect(result.status).toBe('passed');
    expect(result.exitCode).toBe(0);
    expect(result.failedCommands).toEqual([]);
    expect(h.screen).not.toMatch(/command not found|\b127\b/);
    const confirmed = records(h.latest!.journalPath, 'step.confirmed');
    expect(confirmed).toHaveLength(1);
    expect(JSON.stringify(confirmed[0])).toContain('never closed');
  });
});

// Each test starts the CLI twice; a loaded machine takes a while to start Node.
describe('runsheet run', { timeout: 120_000 }, () => {
  const dir = tempDir('runsheet-errors-cli-');
  afterAll(() => dir.cleanup());
  const run = (name: string, source: string, ...args: string[]) => {
    writeFiles(dir.path, { [name]: source });
    const file = join(dir.path, name);
    const r = spawnSync(
      process.execPath,
      [
        CLI,
        'run',
        file,
        '--data-dir',
        join(dir.path, `data-${name}`),
        '--log-dir',
        join(dir.path, 'logs'),
        ...args,
      ],
      { encoding: 'utf8', input: '', env: { ...process.env, HOME: dir.path }, timeout: 60_000 },
    );
    return { file, code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('refuses a runbook whose error stops a step, naming file:line; nothing runs', () => {
    const r = run('blocked.md', BLOCKED);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `${r.file}:7: fence attribute timeout=banana is not valid (expected a duration`,
    );
    expect(existsSync(join(dir.path, 'one.txt'))).toBe(false);
    expect(existsSync(join(dir.path, 'data-blocked.md', 'journals'))).toBe(false);
    // Leaving the step out runs the others.
    const some = run('blocked.md', BLOCKED, '--step', 'first', '--step', 'third');
    expect(some.code, some.stderr).toBe(0);
    expect(some.stdout).toContain('2 passed, 0 failed');
    expect(existsSync(join(dir.path, 'two.txt'))).toBe(false);
  });

  it('inspect lists each error as error: file:line and exits 1', () => {
    writeFiles(dir.path, { 'inspect.md': BLOCKED });
    const file = join(dir.path, 'inspect.md');
    const r = spawnSync(process.execPath, [CLI, 'inspect', file], {
      encoding: 'utf8',
      env: { ...process.env, HOME: dir.path },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`error: ${file}:7: fence attribute timeout=banana is not valid`);
  });

  it('runs a cut block only with --yes, and never the checklist item after it', () => {
    const refused = run('unclosed.md', UNCLOSED);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('pass --yes to run them');
    expect(refused.stderr).toContain(
      `${refused.file}:3: the code fence opened here is never closed`,
    );
    expect(existsSync(join(dir.path, 'cut.txt'))).toBe(false);
    const yes = run('unclosed.md', UNCLOSED, '--yes');
    expect(yes.code, yes.stderr).toBe(0);
    expect(readFileSync(join(dir.path, 'cut.txt'), 'utf8')).toBe('cut\n');
    expect(yes.stdout).toContain('1 passed, 0 failed');
    expect(yes.stdout).not.toMatch(/command not found|exit 127/);
  });
});
