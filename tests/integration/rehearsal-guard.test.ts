/**
 * Rehearsals stay rehearsals: on a non-production target a "Run from here" holds each
 * destructive step until it is confirmed on its own (`rehearsal=safe` steps are not
 * held), and a rehearsal on production asks for the typed name for every step.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/shared/model';
import { coreOn, settled } from '../helpers/harness';
import { tempDir, writeFiles } from '../helpers/temp';

const DRILL = (at: string) =>
  [
    '# Restore drill',
    '',
    '```bash {name=prepare}',
    `cd ${at} && mkdir -p scratch/a scratch/b && echo prepared`,
    '```',
    '',
    '```bash {name=wipe-a}',
    'rm -rf scratch/a',
    '```',
    '',
    '```bash {name=check}',
    'test ! -e scratch/a && echo a-gone',
    '```',
    '',
    '```bash {name=wipe-b rehearsal=safe}',
    'rm -rf scratch/b',
    '```',
    '',
    '```bash {name=done}',
    'echo drill-done',
    '```',
    '',
  ].join('\n');

describe('guardrails in a rehearsal', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  const setup = () => {
    dir = tempDir('runsheet-rehearsal-guard-');
    writeFiles(dir.path, { 'drill.md': DRILL(dir.path) });
    return coreOn(dir.path);
  };
  const statuses = (s: RunState, ids: string[]) => ids.map((id) => s.steps[id]?.status);

  it('holds each destructive step until it is confirmed; rehearsal=safe ones run on', async () => {
    const { core, api, latest } = setup();
    try {
      const run = await api.call('run.start', {
        runbookId: 'drill.md',
        rehearsal: { target: 'staging', rtoMs: 60_000 },
      });
      const ids = Object.keys(run.steps);
      const [prepare, wipeA, , wipeB] = ids;
      await api.call('run.execute', { runId: run.id, stepId: prepare!, andFollowing: true });
      let state = await settled(latest);
      expect(statuses(state, ids)).toEqual(['passed', 'pending', 'pending', 'pending', 'pending']);
      expect(state.heldStepId).toBe(wipeA);
      expect(existsSync(join(dir.path, 'scratch', 'a'))).toBe(true);

      // The held step asks on its own.
      await expect(
        api.call('run.execute', { runId: run.id, stepId: wipeA!, andFollowing: true }),
      ).rejects.toThrow(/confirmation needed: line \d+: deletes scratch\/a/);
      await api.call('run.execute', {
        runId: run.id,
        stepId: wipeA!,
        andFollowing: true,
        confirmed: true,
      });
      state = await settled(latest);
      expect(statuses(state, ids)).toEqual(['passed', 'passed', 'passed', 'passed', 'passed']);
      expect(state.heldStepId).toBeNull();
      expect(existsSync(join(dir.path, 'scratch', 'b'))).toBe(false);
      // Only wipe-a was confirmed: wipe-b is rehearsal=safe.
      expect(state.confirmations.map((c) => c.steps.map((s) => s.stepId))).toEqual([[wipeA]]);
      expect(wipeB).toBeDefined();
      const log = readFileSync(state.logPath, 'utf8');
      expect(log).toMatch(
        /confirmed, in local:\n {2}- line \d+: deletes scratch\/a and everything under it/,
      );
    } finally {
      core.dispose();
    }
  });

  it('on a production target, every step needs the typed name', async () => {
    const { core, api, latest } = setup();
    try {
      const run = await api.call('run.start', {
        runbookId: 'drill.md',
        rehearsal: { target: 'production', rtoMs: 60_000 },
      });
      const prepare = Object.keys(run.steps)[0]!;
      await expect(api.call('run.execute', { runId: run.id, stepId: prepare })).rejects.toThrow(
        /this runs in production: type "production" to confirm \(a rehearsal step\)/,
      );
      await expect(
        api.call('run.execute', {
          runId: run.id,
          stepId: prepare,
          confirmed: true,
          typed: 'staging',
        }),
      ).rejects.toThrow(/type "production" to confirm/);
      await api.call('run.execute', {
        runId: run.id,
        stepId: prepare,
        confirmed: true,
        typed: 'production',
      });
      const state = await settled(latest);
      expect(state.steps[prepare]!.status).toBe('passed');
      expect(state.confirmations[0]).toMatchObject({
        typed: 'production',
        environment: 'production',
        steps: [],
      });
    } finally {
      core.dispose();
    }
  });
});
