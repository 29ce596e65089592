import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectLogTemplate } from '../helpers/log';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// The built CLI (npm test builds before vitest runs).
const CLI = join(__dirname, '../../bin/runsheet.js');

function cli(args: string[], home: string) {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    input: '', // stdin is not a terminal: the CLI must never prompt
    env: { ...process.env, HOME: home },
    timeout: 60_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('runsheet run (headless)', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('runs getting-started end to end with --json and writes the same log format', () => {
    dir = tempDir();
    const logs = join(dir.path, 'logs');
    const r = cli(
      [
        'run',
        'runbooks/getting-started.md',
        '--json',
        // It deletes its own demo folder: a destructive step, allowed here.
        '--allow-destructive',
        '--log-dir',
        logs,
        '--data-dir',
        join(dir.path, 'data'),
      ],
      dir.path,
    );
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const steps = lines.slice(0, -1);
    expect(steps.map((s) => [s.status, s.exitCode])).toEqual([
      ['passed', 0],
      ['passed', 0],
      ['passed', 0],
      ['failed', 2],
      ['passed', 0],
      ['passed', 0],
    ]);
    for (const s of steps)
      expect(Object.keys(s)).toEqual(['id', 'status', 'exitCode', 'durationMs', 'host', 'output']);
    expect(String(steps[4]!.output)).toMatch(/restore verified: 6 files match/);
    const { summary } = lines[lines.length - 1] as {
      summary: {
        passed: number;
        failed: number;
        logPath: string;
        journalPath: string;
        times: Record<'totalMs' | 'stepMs' | 'betweenMs' | 'interruptedMs', number>;
      };
    };
    expect([summary.passed, summary.failed]).toEqual([5, 1]);
    const { totalMs, stepMs, betweenMs, interruptedMs } = summary.times;
    expect(stepMs + betweenMs + interruptedMs).toBe(totalMs);
    // Run from here over six steps: nearly all of the run is step time, none of it counted twice.
    expect(stepMs).toBeGreaterThan(0);
    expect(stepMs).toBeLessThanOrEqual(totalMs);
    expect(interruptedMs).toBe(0);
    expect(r.code).toBe(1); // a step failed
    const log = readFileSync(summary.logPath, 'utf8');
    expectLogTemplate(log, {
      task: 'Getting started: a backup-and-restore rehearsal (getting-started.md)',
      environment: 'local',
    });
    expect(log).toMatch(/failed, exit 2, [\d.]+ s/);
    expect(existsSync(summary.journalPath)).toBe(true);
  });

  it('never prompts without a terminal: missing values and confirmations fail, naming them', () => {
    dir = tempDir();
    writeFiles(dir.path, {
      'ops.md':
        '# Ops\n\n```bash\necho "restart <service>"\n```\n\n```bash {confirm=true name=reboot}\necho rebooting\n```\n',
    });
    const file = join(dir.path, 'ops.md');
    const logs = ['--log-dir', join(dir.path, 'logs'), '--data-dir', join(dir.path, 'data')];
    const missing = cli(['run', file, ...logs], dir.path);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing values for <service> (line 3; --var 'service=…')");
    const unconfirmed = cli(['run', file, '--var', 'service=nginx', ...logs], dir.path);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('steps at line 7 ask for confirmation; pass --yes');
    const ok = cli(['run', file, '--var', 'service=nginx', '--yes', ...logs], dir.path);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('restart nginx');
    expect(ok.stdout).toContain('2 passed, 0 failed, 0 not run');
    // The run's time, split as the app splits it.
    expect(ok.stdout).toMatch(/\ntime: [\d.]+ s · steps [\d.]+ s · between [\d.]+ s\n/);
    const only = cli(['run', file, '--step', 'reboot', '--yes', '--json', ...logs], dir.path);
    expect(only.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('gives the same statuses as "Run from here" in the app, with a failing continueOnError step', async () => {
    dir = tempDir();
    writeFiles(dir.path, {
      'deploy.md': [
        '# Deploy',
        '',
        '```bash {name=warm-cache continueOnError=true}',
        'echo "cache cold"; exit 4',
        '```',
        '',
        '```bash {name=migrate}',
        'echo "migrations applied"',
        '```',
        '',
        '```bash {name=smoke}',
        'echo "smoke test: 502"; exit 1',
        '```',
        '',
        '```bash {name=announce}',
        'echo "announced"',
        '```',
        '',
      ].join('\n'),
    });
    const data = join(dir.path, 'data');
    const r = cli(['run', join(dir.path, 'deploy.md'), '--json', '--data-dir', data], dir.path);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ran = lines.slice(0, -1).map((l) => [l.status, l.exitCode]);
    expect(ran).toEqual([
      ['failed', 4],
      ['passed', 0],
      ['failed', 1],
    ]);
    expect(lines[lines.length - 1]).toMatchObject({ summary: { passed: 1, failed: 2, notRun: 1 } });
    const runId = String(
      (lines[lines.length - 1] as { summary: { journalPath: string } }).summary.journalPath,
    )
      .split('/')
      .pop()!
      .replace(/\.jsonl$/, '');
    const exported = cli(['export', runId, '--format', 'json', '--data-dir', data], dir.path);
    const cliStatuses = (
      JSON.parse(exported.stdout) as { steps: Array<{ status: string }> }
    ).steps.map((s) => s.status);

    // The app: "Run from here" on the first step.
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'deploy.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'deploy.md' });
      await api.call('run.execute', {
        runId: run.id,
        stepId: runbook.steps[0]!.id,
        andFollowing: true,
      });
      const state = await waitFor(
        'the sequence to stop',
        () => {
          const s = latest();
          return s &&
            s.runningStepId === null &&
            s.queued.length === 0 &&
            s.steps[runbook.steps[2]!.id]!.status === 'failed'
            ? s
            : null;
        },
        30_000,
      );
      const appStatuses = runbook.steps.map((s) => state.steps[s.id]!.status);
      expect(appStatuses).toEqual(['failed', 'passed', 'failed', 'pending']);
      expect(cliStatuses).toEqual(appStatuses);
    } finally {
      core.dispose();
    }
  });
});
