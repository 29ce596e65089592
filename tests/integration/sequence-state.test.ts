import { afterEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/shared/api';
import { RunHarness, settled } from '../helpers/harness';

// A reader of the run's state (the CLI, the window, tests) takes "nothing running and
// nothing queued" as the end of a Run from here. Between two steps the state must never
// say so while the next one is still being started: the CLI once finished a run in that
// gap and was refused ("a step is still running"). The last step here is long (its text
// is redacted before it starts), so its gap is wider than the state's 30 ms publish interval.
const STEPS = 8;
const RUNBOOK = [
  '# Quick steps',
  '',
  ...Array.from({ length: STEPS }, (_, i) => [
    `\`\`\`bash {name=s${i}}`,
    `echo step ${i}`,
    // A long step takes its time to be redacted before it starts: the gap is wide.
    ...Array.from(
      { length: 1500 },
      (_, n) => `# note ${n}: the quick brown fox jumps over the dog`,
    ),
    '```',
    '',
  ]).flat(),
].join('\n');

describe('Run from here, as its state is published', () => {
  let harness: RunHarness | null = null;
  afterEach(() => harness?.dispose());

  it('never shows nothing running and nothing queued before its last step has ended', async () => {
    harness = await new RunHarness(RUNBOOK).start();
    const { api, run } = harness;
    const seen: RunState[] = [];
    api.on('run.didChange', (state) => seen.push(state));
    const ids = harness.runbook.steps.map((s) => s.id);
    await api.call('run.execute', { runId: run.id, stepId: ids[0]!, andFollowing: true });
    const end = await settled(() => harness!.latest);
    console.log(
      seen
        .map(
          (s) =>
            `${s.runningStepId?.slice(-2) ?? '--'}/${s.queued.length}/${ids.filter((id) => s.steps[id]?.status === 'passed').length}`,
        )
        .join(' '),
    );
    expect(ids.map((id) => end.steps[id]?.status)).toEqual(ids.map(() => 'passed'));
    const gaps = seen.filter(
      (s) =>
        s.runningStepId === null &&
        s.queued.length === 0 &&
        s.steps[ids[STEPS - 1]!]?.status !== 'passed',
    );
    // How many steps had passed at each such moment: none may exist after the sequence began.
    const began = seen.findIndex((s) => s.runningStepId !== null);
    expect(
      gaps
        .filter((s) => seen.indexOf(s) > began)
        .map((s) => ids.filter((id) => s.steps[id]?.status === 'passed').length),
    ).toEqual([]);
    // And the run can be finished the moment it looks settled.
    expect((await api.call('run.finish', { runId: run.id })).status).toBe('finished');
  });
});
