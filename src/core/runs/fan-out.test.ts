import { describe, expect, it } from 'vitest';
import { Emitter } from '../../shared/util/event';
import type { JournalEntry } from '../../shared/log/journal-records';
import type { Step } from '../../shared/runbook/types';
import type { ManagedSession } from '../sessions/session-manager';
import { runFanOut } from './fan-out';

// The concurrency bound is engine logic: exercised here with stand-in shells that
// take a while and count how many run at once. Real hosts: tests/integration/fan-out.test.ts.
describe('fan-out concurrency', () => {
  it('never runs more than `concurrency` hosts at once, and runs them all', async () => {
    let inFlight = 0;
    let most = 0;
    const session = (): ManagedSession =>
      ({
        id: 'x',
        dispose: () => undefined,
        shell: {
          run: async () => {
            inFlight += 1;
            most = Math.max(most, inFlight);
            const output = new Emitter<Uint8Array>();
            const done = new Promise((resolve) =>
              setTimeout(() => {
                inFlight -= 1;
                resolve({ exitCode: 0, shellExited: false, startedAt: 0, endedAt: 1 });
              }, 20),
            );
            return { onDidOutput: output.event, done };
          },
          session: {
            cols: 80,
            target: { kind: 'ssh', host: 'h', user: 'u', shell: 'bash' },
            connectionLost: false,
            failure: null,
          },
        },
      }) as unknown as ManagedSession;
    const records: JournalEntry[] = [];
    const result = await runFanOut({
      step: { id: 's' } as Step,
      code: 'true',
      hosts: Array.from({ length: 12 }, (_, i) => `h${i}`),
      concurrency: 3,
      session,
      record: (e) => records.push(e),
      appendOutput: async () => null,
    });
    expect(most).toBe(3);
    expect(records.filter((r) => r.type === 'step.host.finished')).toHaveLength(12);
    expect(result).toMatchObject({
      status: 'passed',
      exitCode: 0,
      detail: '12 hosts: 12 passed, 0 failed, 0 unreachable',
    });
  });
});
