import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyJournal } from '../../src/core/journal/verify';
import { coreOn } from '../helpers/harness';
import { waitFor, writeFiles } from '../helpers/temp';

/**
 * A disk that refuses writes, for real: a small tmpfs that fills up (ENOSPC), and a
 * folder remounted read-only (EROFS). Mounting needs root (CI runs as root); where
 * it is refused, these tests say so and are skipped.
 */
function canMount(): string | null {
  const probe = mkdtempSync(join(tmpdir(), 'runsheet-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe]);
    return null;
  } catch (error) {
    return `mounting a tmpfs is not allowed here (${(error as Error).message.split('\n')[0]}): the disk-fault tests need root`;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

const cannotMount = canMount();
if (cannotMount) console.warn(`skipped: ${cannotMount}`);

const RUNBOOK = [
  '# Disk faults',
  '',
  '- [ ] Print a lot, slowly',
  '',
  '  ```bash',
  "  for i in $(seq 1 400); do head -c 20000 /dev/zero | tr '\\0' x; echo; sleep 0.01; done; sleep 20",
  '  ```',
  '',
  '- [ ] Tick me',
  '',
  '- [ ] Say done',
  '',
  '  ```bash',
  '  echo all good',
  '  ```',
  '',
].join('\n');

describe.skipIf(cannotMount !== null)('disk faults', () => {
  const mounts: string[] = [];
  const dirs: string[] = [];
  afterEach(() => {
    for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function workspace(): string {
    const dir = mkdtempSync(join(tmpdir(), 'runsheet-disk-'));
    dirs.push(dir);
    writeFiles(dir, { 'disk.md': RUNBOOK });
    return dir;
  }

  function mountTmpfs(at: string, size: string): void {
    mkdirSync(at, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', at]);
    mounts.push(at);
  }

  it('a full disk stops the run with the reason, keeps the backend and the journal, and resumes once there is space', async () => {
    const dir = workspace();
    const data = join(dir, 'full');
    mountTmpfs(data, '1m');
    const { core, api, latest } = coreOn(dir, { dataDir: data });
    try {
      const run = await api.call('run.start', { runbookId: 'disk.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'disk.md' });
      const [flood, tick, done] = runbook.steps;
      await api.call('run.execute', { runId: run.id, stepId: flood!.id });
      const faulted = await waitFor(
        'the fault',
        () => (latest()?.storageFault ? latest() : null),
        20_000,
      );
      const journalPath = join(data, 'journals', `${run.id}.jsonl`);
      expect(faulted.storageFault!.message).toMatch(
        /^no space left on the device \(ENOSPC\) writing .*full\/journals\/.*\.(jsonl|out)$/,
      );
      // The step was stopped (not left running for its 20 s sleep), its end naming why.
      const stopped = await waitFor(
        'the stopped step',
        () => {
          const s = latest()?.steps[flood!.id];
          return s && s.status !== 'running' ? s : null;
        },
        10_000,
      );
      expect(stopped.status).not.toBe('passed');
      expect(stopped.detail).toContain('stopped: no space left on the device (ENOSPC)');
      // The backend answers, and refuses what cannot be kept, saying why.
      expect((await api.call('app.info', {})).version).toBe('test');
      await expect(api.call('run.execute', { runId: run.id, stepId: done!.id })).rejects.toThrow(
        /waits until the run can write again: no space left/,
      );
      // A tick now waits in memory, shown.
      const ticked = await api.call('run.setChecked', {
        runId: run.id,
        stepId: tick!.id,
        checked: true,
      });
      expect(ticked.steps[tick!.id]!.status).toBe('checked');
      expect(ticked.storageFault!.unsaved).toBeGreaterThanOrEqual(2);
      // What was written is intact: the chain verifies.
      expect(verifyJournal(journalPath).errors).toEqual([]);
      expect((await api.call('run.retryWrites', { runId: run.id })).storageFault).not.toBeNull();

      // Space again: the waiting changes are written, and the run goes on.
      execFileSync('mount', ['-o', 'remount,size=64m', data]);
      const resumed = await api.call('run.retryWrites', { runId: run.id });
      expect(resumed.storageFault).toBeNull();
      await api.call('run.execute', { runId: run.id, stepId: done!.id });
      await waitFor(
        'the next step',
        () => (latest()?.steps[done!.id]?.status === 'passed' ? true : null),
        20_000,
      );
      await api.call('run.finish', { runId: run.id });
      const { records, errors } = verifyJournal(journalPath);
      expect(errors).toEqual([]);
      const finished = records.find((r) => r.type === 'step.finished' && r.stepId === flood!.id);
      expect(JSON.stringify(finished)).toContain('stopped: no space left on the device (ENOSPC)');
      expect(records.some((r) => r.type === 'step.checked' && r.stepId === tick!.id)).toBe(true);
      const log = readFileSync(latest()!.logPath, 'utf8');
      expect(log).toContain('stopped: no space left on the device (ENOSPC)');
      expect(log).toContain('all good');
    } finally {
      core.dispose();
    }
  });

  it('a run finished while the disk is full stays open until its end and log are written', async () => {
    const dir = workspace();
    const data = join(dir, 'full');
    mountTmpfs(data, '2m');
    const logs = join(data, 'logs');
    const { core, api, latest } = coreOn(dir, { dataDir: data, logDir: logs });
    try {
      const run = await api.call('run.start', { runbookId: 'disk.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'disk.md' });
      await api.call('run.setChecked', {
        runId: run.id,
        stepId: runbook.steps[1]!.id,
        checked: true,
      });
      // Fill the disk to the last byte with something else.
      execFileSync('sh', ['-c', `dd if=/dev/zero of=${data}/filler bs=64k 2>/dev/null; true`]);
      const finished = await api.call('run.finish', { runId: run.id });
      expect(finished.storageFault?.message).toMatch(/^no space left on the device \(ENOSPC\)/);
      const journalPath = join(data, 'journals', `${run.id}.jsonl`);
      // Not closed yet: its writer still holds the journal, the retry still to come.
      expect(existsSync(`${journalPath}.lock`)).toBe(true);
      rmSync(join(data, 'filler'));
      await waitFor('the retry', () => (latest()?.storageFault === null ? true : null), 10_000);
      const { records, errors } = verifyJournal(journalPath);
      expect(errors).toEqual([]);
      expect(records.map((r) => r.type)).toContain('run.finished');
      expect(readFileSync(latest()!.logPath, 'utf8')).toContain('[x] Tick me');
      await waitFor('the close', () => (existsSync(`${journalPath}.lock`) ? null : true), 5_000);
    } finally {
      core.dispose();
    }
  });

  it('a read-only log folder: no run starts (naming the folder); a running one stops, keeps its journal, and writes the log once it can', async () => {
    const dir = workspace();
    const logs = join(dir, 'logs');
    mkdirSync(logs);
    execFileSync('mount', ['--bind', logs, logs]);
    mounts.push(logs);
    execFileSync('mount', ['-o', 'remount,ro,bind', logs]);
    const { core, api, latest } = coreOn(dir, { logDir: logs });
    try {
      await expect(api.call('run.start', { runbookId: 'disk.md' })).rejects.toThrow(
        `the run cannot start: its log folder ${logs} cannot be written: the file system is read-only (EROFS)`,
      );
      execFileSync('mount', ['-o', 'remount,rw,bind', logs]);
      const run = await api.call('run.start', { runbookId: 'disk.md' });
      const { runbook } = await api.call('runbook.open', { runbookId: 'disk.md' });
      const tick = runbook.steps[1]!;
      execFileSync('mount', ['-o', 'remount,ro,bind', logs]);
      const state = await api.call('run.setChecked', {
        runId: run.id,
        stepId: tick.id,
        checked: true,
      });
      expect(state.storageFault?.message).toMatch(
        new RegExp(`^the file system is read-only \\(EROFS\\) writing ${logs}/`),
      );
      // The tick is in the journal (only the log could not be written).
      expect(
        verifyJournal(state.journalPath).records.some(
          (r) => r.type === 'step.checked' && r.stepId === tick.id,
        ),
      ).toBe(true);
      execFileSync('mount', ['-o', 'remount,rw,bind', logs]);
      // Retried by itself within a few seconds.
      await waitFor('the retry', () => (latest()?.storageFault === null ? true : null), 10_000);
      expect(existsSync(latest()!.logPath)).toBe(true);
      expect(readFileSync(latest()!.logPath, 'utf8')).toMatch(/\[x\] Tick me/);
      expect(verifyJournal(state.journalPath).errors).toEqual([]);
    } finally {
      core.dispose();
    }
  });
});
