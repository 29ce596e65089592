import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../runbook/parse';
import { isDone, runbookTargets, stepName, stepsFrom, stepsNotDone } from './rules';

const runbook = parseRunbook(
  [
    '# Deploy',
    '',
    '- [ ] Announce the window',
    '',
    '```bash {name=build}',
    'make build',
    '```',
    '',
    '```bash {name=seed excludeFromRunAll=true}',
    'make seed',
    '```',
    '',
    '```yaml',
    'replicas: 3',
    '```',
    '',
    '```bash {name=deploy confirm=true}',
    'make deploy',
    '```',
    '',
  ].join('\n'),
);
const ids = (steps: Array<{ attrs: { name?: string }; text: string }>) =>
  steps.map((s) => s.attrs.name ?? s.text);
const [announce, build, seed, , deploy] = runbook.steps;

describe('the rules core and renderer share', () => {
  it('"Run from here": the step, then later runnable steps not done and not excluded', () => {
    expect(ids(stepsFrom(runbook, null, build!))).toEqual(['build', 'deploy']);
    // A step excluded from "run all" still runs when it is the one asked for.
    expect(ids(stepsFrom(runbook, null, seed!))).toEqual(['seed', 'deploy']);
    // A check item starts nothing after itself but the runnable steps.
    expect(ids(stepsFrom(runbook, null, announce!))).toEqual([
      'Announce the window',
      'build',
      'deploy',
    ]);
    const done = { steps: { [deploy!.id]: { status: 'passed' } } } as never;
    expect(ids(stepsFrom(runbook, done, build!))).toEqual(['build']);
    expect(ids(stepsFrom(runbook, null, build!, new Set([build!.id])))).toEqual(['build']);
  });

  it('done is passed, checked, skipped or done by hand; a runbook targets host, hosts or targets', () => {
    expect(['passed', 'checked', 'skipped', 'manual'].every(isDone)).toBe(true);
    expect(
      ['failed', 'pending', 'running', 'cancelled', 'interrupted', 'unknown'].some(isDone),
    ).toBe(false);
    expect(runbookTargets({ frontmatter: { host: 'web-1' } })).toBe('web-1');
    expect(runbookTargets({ frontmatter: { hosts: ['web-1', 'web-2'] } })).toBe('web-1,web-2');
    expect(runbookTargets({ frontmatter: { targets: 'fleet' } })).toBe('fleet');
    expect(runbookTargets({ frontmatter: {} })).toBeNull();
  });

  it('Finish asks about the steps a person can act on that are not done, in order', () => {
    const state = {
      steps: {
        [announce!.id]: { status: 'checked' },
        [build!.id]: { status: 'failed' },
        [seed!.id]: { status: 'skipped' },
      },
    } as never;
    // The YAML block is not runnable (nothing to do there); deploy has no result yet.
    expect(stepsNotDone(runbook, state).map(stepName)).toEqual(['build', 'deploy']);
    expect(stepsNotDone(runbook, { steps: {} }).map((s) => s.line)).toEqual([3, 5, 9, 17]);
  });
});
