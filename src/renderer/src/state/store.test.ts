import { describe, expect, it } from 'vitest';
import { initialState, needsAttention, reduce } from './store';
import type { DueItem, RunState, RunSummary } from '../../../shared/api';

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

  it('follows the open runbook on disk: renamed, deleted (during a run too), unreadable', () => {
    const summary = (id: string, error: string | null = null) =>
      ({ id, title: id, error }) as never;
    const open = (id: string) => {
      const state = reduce(initialState, { type: 'select', id });
      return reduce(state, {
        type: 'opened',
        summary: summary(id),
        runbook: {} as never,
        run: null,
      });
    };
    const change = (
      runbooks: string[],
      removed: Array<{ id: string; renamedTo: string | null }> = [],
      added: string[] = [],
      broken: Record<string, string> = {},
    ) => ({
      type: 'workspace' as const,
      change: {
        runbooks: runbooks.map((id) => summary(id, broken[id] ?? null)),
        added,
        removed,
      },
    });

    // Renamed with nothing running: the view follows, no notice.
    let state = reduce(
      open('a.md'),
      change(['b.md'], [{ id: 'a.md', renamedTo: 'b.md' }], ['b.md']),
    );
    expect(state.selectedId).toBe('b.md');
    expect(state.opened).toMatchObject({ summary: { id: 'b.md' }, problem: null });
    expect(state.runbooks.map((r) => r.id)).toEqual(['b.md']);

    // Deleted: kept, with a notice.
    state = reduce(open('a.md'), change(['c.md'], [{ id: 'a.md', renamedTo: null }]));
    expect(state.selectedId).toBe('a.md');
    expect(state.opened?.problem).toEqual({ kind: 'deleted', movedTo: null });
    // Read again (restored): the notice goes.
    state = reduce(state, {
      type: 'opened',
      summary: summary('a.md'),
      runbook: {} as never,
      run: null,
    });
    expect(state.opened?.problem).toBeNull();

    // Renamed during a run: the run stays on its runbook, the notice says where the file went.
    state = reduce(open('a.md'), { type: 'run', run: run('r1', 'a.md') });
    state = reduce(state, change(['b.md'], [{ id: 'a.md', renamedTo: 'b.md' }], ['b.md']));
    expect(state.selectedId).toBe('a.md');
    expect(state.opened?.problem).toEqual({ kind: 'deleted', movedTo: 'b.md' });

    // Opened after the file went (a reload of the page during the run).
    state = reduce(reduce(initialState, { type: 'select', id: 'a.md' }), {
      type: 'opened',
      summary: summary('a.md'),
      runbook: {} as never,
      run: run('r1', 'a.md'),
      deleted: true,
    });
    expect(state.opened?.problem).toEqual({ kind: 'deleted', movedTo: null });

    // Unreadable: said, what was read stays; an edit on disk clears it.
    state = reduce(open('a.md'), change(['a.md'], [], [], { 'a.md': 'a.md:1: not UTF-8' }));
    expect(state.opened?.problem).toEqual({ kind: 'unreadable', error: 'a.md:1: not UTF-8' });
    state = reduce(state, { type: 'reloaded', summary: summary('a.md'), runbook: {} as never });
    expect(state.opened?.problem).toBeNull();

    // Closed: back to the overview.
    state = reduce(state, { type: 'closeRunbook' });
    expect(state).toMatchObject({ selectedId: null, opened: null, view: 'home' });
  });

  it('tracks busy steps', () => {
    let state = reduce(initialState, { type: 'busy', stepId: 's', busy: true });
    expect(state.busySteps).toEqual(['s']);
    state = reduce(state, { type: 'busy', stepId: 's', busy: false });
    expect(state.busySteps).toEqual([]);
  });

  it("keeps a finished run's tab, read-only, until it is closed or the runbook runs again", () => {
    const live = (id: string, runbookId: string, sessionId: string, status = 'active') =>
      ({ ...run(id, runbookId, status as RunState['status']), sessionId, seq: 1 }) as RunState;
    let state = reduce(initialState, { type: 'select', id: 'a.md' });
    state = reduce(state, { type: 'run', run: live('r1', 'a.md', 's1') });
    state = reduce(state, { type: 'run', run: live('o1', 'b.md', 'o-s1') });
    // The finished state has no shell any more: the tab stays, marked ended.
    state = reduce(state, {
      type: 'run',
      run: { ...live('r1', 'a.md', '', 'finished'), sessionId: null },
    });
    expect(Object.values(state.shells).map((t) => t.sessionId)).toEqual(['s1', 'o-s1']);
    expect(state.ended.s1).toBe('run finished · read-only');
    // Its shell's exit, announced after, does not change what the tab says.
    state = reduce(state, { type: 'shellEnded', sessionId: 's1', why: 'exited 129' });
    expect(state.ended.s1).toBe('run finished · read-only');
    // A live tab is not closed; an ended one is.
    expect(reduce(state, { type: 'closeShell', sessionId: 'o-s1' }).shells).toBe(state.shells);
    expect(Object.keys(reduce(state, { type: 'closeShell', sessionId: 's1' }).shells)).toEqual([
      'o1',
    ]);
    // A new run of the same runbook replaces the finished run's tab; other runbooks' stay.
    state = reduce(state, { type: 'run', run: live('r2', 'a.md', 's2') });
    expect(Object.values(state.shells).map((t) => t.sessionId)).toEqual(['o-s1', 's2']);
  });

  it('opens on the overview for an interrupted or active run or an overdue item, not for one never done', () => {
    const item = (status: DueItem['status']) => ({ status }) as DueItem;
    const summary = (status: RunSummary['status']) => ({ status }) as RunSummary;
    expect(needsAttention([item('never'), item('due-soon'), item('ok')], [])).toBe(false);
    expect(needsAttention([item('overdue')], [])).toBe(true);
    expect(needsAttention([], [summary('interrupted')])).toBe(true);
    expect(needsAttention([], [summary('active')])).toBe(true);
    expect(needsAttention([], [summary('finished')])).toBe(false);
  });

  it('keeps the status filter when only the words change', () => {
    let state = reduce(initialState, { type: 'query', query: 'kubectl', status: 'failed' });
    state = reduce(state, { type: 'query', query: 'kubectl rollout' });
    expect(state.overview).toMatchObject({ query: 'kubectl rollout', status: 'failed' });
    state = reduce(state, { type: 'query', query: 'kubectl rollout', status: '' });
    expect(state.overview.status).toBe('');
  });
});
