import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal, readStepOutput } from '../../src/core/journal/reader';
import { RunHarness } from '../helpers/harness';
import { waitFor } from '../helpers/temp';

const SHELLS = ['/bin/bash', '/usr/bin/zsh', '/usr/bin/dash', '/usr/bin/busybox'].filter((s) =>
  existsSync(s),
);

const fence = (code: string, info = 'sh') => `\`\`\`${info}\n${code}\n\`\`\`\n\n`;

describe.each(SHELLS)('steps in a real %s session', (shell) => {
  let h: RunHarness;
  afterEach(() => h?.dispose());

  it('reports exit codes 0, 1, 127 and 130 from the shell-integration marks', async () => {
    h = await new RunHarness(
      `# Codes\n\n${fence('true')}${fence('false')}${fence('definitely-not-a-command-xyz')}${fence("sh -c 'kill -INT $$'")}`,
      shell,
    ).start();
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push((await h.exec(i)).exitCode);
    expect(codes).toEqual([0, 1, 127, 130]);
    expect(h.latest!.steps[h.step(0).id]!.status).toBe('passed');
    expect(h.latest!.steps[h.step(1).id]!.status).toBe('failed');
  });

  it("ignores marks a step's output prints (no nonce): a forged success still fails, and the next step waits", async () => {
    // The output claims the step ended with 0 (twice, both terminators), then it fails a second later.
    h = await new RunHarness(
      `# Forged\n\n${fence("printf '\\033]133;D;0\\007\\033]133;A\\007\\033]133;B\\033\\\\'\nsleep 1\nfalse")}${fence('echo next')}`,
      shell,
    ).start();
    const forged = await h.exec(0);
    expect([forged.status, forged.exitCode]).toEqual(['failed', 1]);
    expect(forged.durationMs).toBeGreaterThanOrEqual(900);
    expect(forged.detail).toContain('ignored 3 shell-integration marks the output printed');
    const next = await h.exec(1);
    expect([next.status, next.output]).toEqual(['passed', 'next']);
  });

  it('runs heredocs byte for byte and carries cd, exports and functions to the next step', async () => {
    const body = 'line one\n\ttabbed $NOT_EXPANDED `nor this`\n  trailing spaces  \n';
    h = await new RunHarness(
      `# State\n\n${fence(`mkdir -p "$HOME/work" && cd "$HOME/work"\nexport GREETING=hello\ngreet() { echo "$GREETING from $(basename "$PWD")"; }\ncat > quoted.txt <<'EOF'\n${body}EOF\ncat > plain.txt <<EOF\nhome is $HOME\nEOF\ncat > dashed.txt <<-EOF\n\t\tindented\n\tEOF`)}${fence('greet\npwd')}`,
      shell,
    ).start();
    expect((await h.exec(0)).status).toBe('passed');
    const work = join(h.dir.path, 'work');
    expect(readFileSync(join(work, 'quoted.txt'), 'utf8')).toBe(body);
    expect(readFileSync(join(work, 'plain.txt'), 'utf8')).toBe(`home is ${h.dir.path}\n`);
    expect(readFileSync(join(work, 'dashed.txt'), 'utf8')).toBe('indented\n');
    const next = await h.exec(1);
    expect(next.output).toBe(`hello from work\n${work}`);
  });

  it('survives `exit 3` and `set -e` in a step: the step fails, the next shell keeps directory and exports', async () => {
    h = await new RunHarness(
      `# Exit\n\n${fence('cd /tmp && export KEPT=yes')}${fence('exit 3')}${fence('set -e\nfalse\necho not-reached')}${fence('echo "$KEPT in $PWD"')}`,
      shell,
    ).start();
    await h.exec(0);
    const exited = await h.exec(1);
    expect([exited.status, exited.exitCode]).toEqual(['failed', 3]);
    expect(exited.detail).toMatch(/ended its shell/);
    const errexit = await h.exec(2);
    expect(errexit.status).toBe('failed');
    expect(errexit.output ?? '').not.toContain('not-reached');
    const after = await h.exec(3);
    expect([after.status, after.output]).toEqual(['passed', 'yes in /tmp']);
  });

  it("carries on after a step removes Runsheet's own temp folders (a clean-/tmp step)", async () => {
    h = await new RunHarness(
      `# Clean\n\n${fence('rm -rf "${RUNSHEET_STEP_FILE%/*}" "$RUNSHEET_STATE_DIR"')}${fence('echo still here')}`,
      shell,
    ).start();
    // It deletes folders: a destructive step, confirmed as a user would.
    expect((await h.exec(0, { confirmed: true })).status).toBe('passed');
    const next = await h.exec(1);
    expect([next.status, next.output]).toEqual(['passed', 'still here']);
    expect(h.screen).not.toContain('No such file');
  });

  it('lets a step read from the terminal', async () => {
    h = await new RunHarness(
      `# Input\n\n${fence('printf \'Name? \'\nread -r name\necho "hi $name"')}`,
      shell,
    ).start();
    await h.api.call('run.execute', { runId: h.run.id, stepId: h.step(0).id });
    // The terminal also shows the step's script (`printf 'Name? '`) before running it: wait
    // for the printed prompt to be the last thing on screen, or the typed answer's echo can
    // come before the step's output starts and miss it.
    await waitFor('the prompt', () => h.screen.endsWith('Name? '));
    await h.type('Ada\r');
    const result = await h.result(0);
    expect(result.output).toBe('Name? Ada\nhi Ada');
  });

  it('cancels with Ctrl-C (exit 130) and stops a step at its timeout', async () => {
    h = await new RunHarness(
      `# Cancel\n\n${fence('sleep 30')}${fence('sleep 30', 'sh {timeout=1s}')}${fence('echo alive')}`,
      shell,
    ).start();
    await h.api.call('run.execute', { runId: h.run.id, stepId: h.step(0).id });
    await waitFor('the step to run', () => h.latest?.runningStepId);
    await new Promise((r) => setTimeout(r, 300));
    await h.api.call('run.cancel', { runId: h.run.id });
    const cancelled = await h.result(0);
    expect([cancelled.status, cancelled.exitCode]).toEqual(['cancelled', 130]);
    const timedOut = await h.exec(1);
    expect(timedOut.status).toBe('failed');
    expect(timedOut.detail).toBe('timed out after 1.0 s');
    expect(timedOut.durationMs).toBeLessThan(3000);
    expect((await h.exec(2)).output).toBe('alive');
  });
});

describe('bash specifics', () => {
  let h: RunHarness;
  afterEach(() => h?.dispose());

  it('records commands typed by hand between steps, with output and exit code', async () => {
    h = await new RunHarness(`# Manual\n\n${fence('echo step')}`, '/bin/bash').start();
    await h.exec(0);
    await h.type('echo typed-by-hand; (exit 4)\r');
    const state = await waitFor('the manual command', () =>
      h.latest?.manualCommands.length ? h.latest : null,
    );
    expect(state.manualCommands[0]).toMatchObject({
      command: 'echo typed-by-hand; (exit 4)',
      exitCode: 4,
      output: 'typed-by-hand',
    });
    const log = readFileSync(state.logPath, 'utf8');
    expect(log).toContain('## Manual commands');
    expect(log).toContain('`echo typed-by-hand; (exit 4)` — exit 4');
  });

  it('fails a step, naming why, when the shell shows no prompt in time (a startup file that waits)', async () => {
    process.env.RUNSHEET_PROMPT_TIMEOUT_MS = '1500';
    try {
      h = new RunHarness(`# Hang\n\n${fence('echo never')}`, '/bin/bash');
      writeFileSync(join(h.dir.path, '.bashrc'), 'sleep 30\n');
      await h.start();
      await expect(
        h.api.call('run.execute', { runId: h.run.id, stepId: h.step(0).id }),
      ).rejects.toThrow(
        /the shell \(\/bin\/bash\) showed no prompt within 1\.5 s: its startup files/,
      );
      const step = await h.result(0);
      expect(step.status).toBe('failed');
      expect(step.detail).toContain('showed no prompt within 1.5 s');
    } finally {
      delete process.env.RUNSHEET_PROMPT_TIMEOUT_MS;
    }
  });

  it.each(['emacs', 'vi'])(
    "runs steps without the typed-command capture (its subshells are for people's commands) in %s mode",
    async (mode) => {
      h = new RunHarness(`# Keys\n\n${fence('echo one')}${fence('echo two')}`, '/bin/bash');
      writeFileSync(join(h.dir.path, '.bashrc'), `set -o ${mode}\n`);
      await h.start();
      expect((await h.exec(0)).output).toBe('one');
      expect((await h.exec(1)).output).toBe('two');
      // 633;E carries a typed command line: the capture that prints it ran for neither step.
      expect(h.raw).not.toContain('\x1b]633;E');
      await h.type('echo by-hand\r');
      await waitFor('the typed command', () => h.latest?.manualCommands.length);
      expect(h.raw).toContain('\x1b]633;E;echo by-hand;n=');
      expect(h.raw).toMatch(/633;E;echo by-hand;n=[0-9a-f]{32}/);
      expect((await h.exec(0)).output).toBe('one');
      expect(h.raw.split('\x1b]633;E')).toHaveLength(2);
    },
  );

  it('drives vim by keys and reads the result from the file vim wrote', async () => {
    h = await new RunHarness(
      `# Vim\n\n${fence('vim -u NONE -N -n "$HOME/note.txt"\ncat "$HOME/note.txt"')}`,
      '/bin/bash',
    ).start();
    await h.api.call('run.execute', { runId: h.run.id, stepId: h.step(0).id });
    // '[New]' is vim's own message (the script shown before it also names note.txt).
    await waitFor('vim to draw', () => h.screen.includes('[New]'));
    await h.type('ihello from vim\x1b');
    await h.type(':wq\r');
    const result = await h.result(0);
    expect(result.status).toBe('passed');
    expect(readFileSync(join(h.dir.path, 'note.txt'), 'utf8')).toBe('hello from vim\n');
    expect(result.output).toMatch(/hello from vim$/);
  });

  it('captures a 200 MB output completely: bytes in the journal = bytes produced', async () => {
    h = await new RunHarness(
      `# Flood\n\n${fence("head -c 200000000 /dev/zero | tr '\\\\0' x")}`,
      '/bin/bash',
    ).start();
    const result = await h.exec(0, {}, 120_000);
    expect(result.status).toBe('passed');
    expect(result.outputBytes).toBe(200_000_000);
    const journal = readJournal(h.latest!.journalPath);
    expect(journal.errors).toEqual([]);
    expect(readStepOutput(h.latest!.journalPath, h.step(0).id, journal.records).length).toBe(
      200_000_000,
    );
  }, 180_000);
});
