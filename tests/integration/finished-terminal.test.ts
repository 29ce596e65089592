import { afterEach, describe, expect, it } from 'vitest';
import { RunHarness } from '../helpers/harness';
import { waitFor } from '../helpers/temp';

describe("a finished run's terminal", () => {
  let h: RunHarness;
  afterEach(() => h?.dispose());

  it('keeps its output readable after Finish, and takes no more input', async () => {
    h = await new RunHarness(
      '# Greet\n\n```bash\necho "before finish: $((6 * 7))"\n```\n\n- [ ] Look\n',
    ).start();
    expect((await h.exec(0)).status).toBe('passed');
    const sessionId = h.run.sessionId!;
    await waitFor('the output', () => h.screen.includes('before finish: 42'));
    await h.api.call('run.finish', { runId: h.run.id });

    // The shell is gone; what it showed is still there for the tab that shows it.
    const after = await h.api.call('session.snapshot', { sessionId });
    expect(after.data).toContain('before finish: 42');
    expect(after.seq).toBeGreaterThan(0);
    await expect(h.api.call('session.write', { sessionId, data: 'ls\r' })).rejects.toThrow(
      `terminal session ${sessionId} has ended: it is read-only`,
    );
    // Resizing the read-only view and acknowledging what it drew are harmless.
    await h.api.call('session.resize', { sessionId, cols: 100, rows: 30 });
    await h.api.call('session.ack', { sessionId, chars: after.data.length });
  });
});
