import { afterEach, describe, expect, it } from 'vitest';
import { createActions } from '../../src/renderer/src/state/actions';
import {
  initialState,
  reduce,
  type Action,
  type AppState,
} from '../../src/renderer/src/state/store';
import { coreOn } from '../helpers/harness';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// The renderer's actions over a real core: a field left for the Export button (its blur
// saves it, the click exports) must be in what the export shows, saves and sends.
describe('export after editing a field', () => {
  const dirs: Array<{ cleanup(): void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()));

  it('waits for the field being saved before exporting', async () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFiles(dir.path, { 'care.md': '# Care\n\n- [ ] Look at the graphs\n' });
    const { core, api } = coreOn(dir.path);
    try {
      let state: AppState = initialState;
      const dispatch = (action: Action): void => {
        state = reduce(state, action);
      };
      const actions = createActions(api, dispatch, () => state);
      const run = await api.call('run.start', { runbookId: 'care.md' });
      dispatch({ type: 'select', id: 'care.md' });
      dispatch({ type: 'run', run });
      for (let i = 0; i < 5; i++) {
        const issues = `Grafana alert noise on node-${i}`;
        // Blur, then click, in one go: what a person does.
        actions.setFields(run.id, { issues });
        actions.openExport(run.id);
        const out = await waitFor('the export', () =>
          state.exporting?.result?.format === 'md' ? state.exporting.result.out : null,
        );
        expect(out.content).toContain(issues);
        actions.closeExport();
      }
    } finally {
      await core.dispose();
    }
  });
});
