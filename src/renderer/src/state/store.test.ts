import { describe, expect, it } from 'vitest';
import { initialState, reduce } from './store';
import type { RunState } from '../../../shared/api';

const run = (id: string, runbookId: string, status: RunState['status'] = 'active') =>
  ({ id, runbookId, status, hostSessions: {} }) as unknown as RunState;

describe('renderer store', () => {
  it('ignores run events for runbooks that are not open', () => {
    const state = reduce(initialState, { type: 'select', id: 'a.md' });
    expect(reduce(state, { type: 'run', run: run('r1', 'b.md') }).run).toBeNull();
    expect(reduce(state, { type: 'run', run: run('r1', 'a.md') }).run?.id).toBe('r1');
  });

  it('drops a stale open result after the user picked another runbook', () => {
    let state = reduce(initialState, { type: 'select', id: 'a.md' });
    state = reduce(state, { type: 'select', id: 'b.md' });
    const summary = { id: 'a.md' } as never;
    expect(
      reduce(state, { type: 'opened', summary, runbook: {} as never, run: null }).opened,
    ).toBeNull();
  });

  it('keeps the newer state when an older answer arrives after an event', () => {
    let state = reduce(initialState, { type: 'select', id: 'a.md' });
    const at = (seq: number, vars: Record<string, string>) =>
      ({ ...run('r1', 'a.md'), seq, variables: vars }) as RunState;
    state = reduce(state, { type: 'run', run: at(5, { pod: 'web', ns: 'prod' }) });
    state = reduce(state, { type: 'run', run: at(4, { pod: 'web' }) });
    expect(state.run?.variables).toEqual({ pod: 'web', ns: 'prod' });
    state = reduce(state, { type: 'run', run: at(5, { pod: 'web', ns: 'prod' }) });
    expect(state.run?.seq).toBe(5);
  });

  it('tracks busy steps', () => {
    let state = reduce(initialState, { type: 'busy', stepId: 's', busy: true });
    expect(state.busySteps).toEqual(['s']);
    state = reduce(state, { type: 'busy', stepId: 's', busy: false });
    expect(state.busySteps).toEqual([]);
  });
});
