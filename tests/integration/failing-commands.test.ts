import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { readJournal } from '../../src/core/journal/reader';
import { RunHarness } from '../helpers/harness';

const SHELLS = ['/bin/bash', '/usr/bin/zsh', '/usr/bin/dash', '/usr/bin/busybox'].filter((s) =>
  existsSync(s),
);

/** A step whose middle commands fail and whose last passes (line 6 of the file is its first line). */
const MIDDLE = [
  'echo first',
  'grep foo /nonexistent-runsheet-file',
  'cat <<EOF | tr a-z A-Z',
  'heredoc body',
  'EOF',
  'definitely-not-a-command-xyz',
  'if false; then echo never; fi',
  'false || true',
  'echo "status before: $?"',
  'echo last',
].join('\n');

describe.each(SHELLS)('failing commands inside a multi-line step, in a real %s', (shell) => {
  let h: RunHarness;
  afterEach(() => h?.dispose());

  it('records each failing line and its status; the step passes with failing commands', async () => {
    h = await new RunHarness(
      `# Middle\n\nThe check.\n\n\`\`\`sh\n${MIDDLE}\n\`\`\`\n\n\`\`\`sh {errexit=true}\necho a\nfalse\necho not-reached\n\`\`\`\n`,
      shell,
    ).start();
    const result = await h.exec(0);
    expect([result.status, result.exitCode]).toEqual(['passed', 0]);
    expect(result.failedCommands).toEqual([
      {
        line: 7,
        stepLine: 2,
        command: 'grep foo /nonexistent-runsheet-file',
        exitCode: 2,
      },
      { line: 11, stepLine: 6, command: 'definitely-not-a-command-xyz', exitCode: 127 },
    ]);
    // Conditions and the left side of || are not failures; $? is left as the shell had it.
    expect(result.output).toContain('HEREDOC BODY');
    expect(result.output).toContain('status before: 0');
    expect(result.output).not.toContain('__runsheet');
    // The journal keeps them, and so does the log.
    const records = readJournal(h.latest!.journalPath).records;
    const finished = records.find((r) => r.type === 'step.finished');
    expect(finished && 'failedCommands' in finished && finished.failedCommands).toHaveLength(2);
    const log = readFileSync(h.latest!.logPath, 'utf8');
    expect(log).toContain(
      'passed with 2 failing commands: line 7 `grep foo /nonexistent-runsheet-file` exited 2; line 11 `definitely-not-a-command-xyz` exited 127',
    );

    // Under errexit the first failing command ends the step and fails it; the shell lives on.
    const strict = await h.exec(1);
    expect([strict.status, strict.exitCode]).toEqual(['failed', 1]);
    expect(strict.failedCommands.map((f) => [f.line, f.command])).toEqual([[20, 'false']]);
    expect(strict.output ?? '').not.toContain('not-reached');
    expect(strict.detail ?? '').not.toMatch(/ended its shell/);
  });

  it('ignores failed-command marks the output prints without the nonce', async () => {
    h = await new RunHarness(
      `# Forged\n\n\`\`\`sh\nprintf '\\033]133;F;1;9\\007'\necho done\n\`\`\`\n`,
      shell,
    ).start();
    const result = await h.exec(0);
    expect([result.status, result.failedCommands]).toEqual(['passed', []]);
    expect(result.detail).toContain('ignored 1 shell-integration mark');
  });
});
