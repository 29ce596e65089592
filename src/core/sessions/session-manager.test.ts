import { afterEach, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../shared/api/contract';
import { tempDir, waitFor } from '../../../tests/helpers/temp';
import { HELD_CHARS, HIGH_WATERMARK_CHARS } from './flow-control';
import { LocalPtySession } from './local-pty';
import { SessionManager } from './session-manager';

// Real bash in real PTYs: the screen (a renderer attached by a snapshot) never holds a shell back.
describe('sessions and the screen', () => {
  const home = tempDir('runsheet-sessions-');
  let manager: SessionManager | null = null;
  afterEach(() => {
    manager?.dispose();
    manager = null;
  });

  const start = () => {
    const events: Array<{ name: EventName; payload: EventPayload<EventName> }> = [];
    manager = new SessionManager(
      () => new LocalPtySession({ shell: 'bash', env: { ...process.env, HOME: home.path } }),
      (name, payload) => events.push({ name, payload }),
    );
    const open = () => {
      const session = manager!.create();
      let read = 0;
      let tail = '';
      session.shell.session.onDidData((bytes) => {
        read += bytes.length;
        tail = (tail + Buffer.from(bytes).toString('latin1')).slice(-200);
      });
      return { id: session.id, session, read: () => read, tail: () => tail };
    };
    const sentTo = (id: string) =>
      events.filter(
        (
          e,
        ): e is {
          name: 'session.didData' | 'session.didSkip';
          payload: EventPayload<'session.didData'>;
        } =>
          (e.name === 'session.didData' || e.name === 'session.didSkip') &&
          (e.payload as { sessionId: string }).sessionId === id,
      );
    return { open, sentTo };
  };

  it('reads a flood at full speed while the renderer draws nothing, then skips it to the end', async () => {
    const { open, sentTo } = start();
    const flood = open();
    manager!.snapshot(flood.id); // a renderer attaches, and never acks
    const bytes = 20_000_000;
    flood.session.shell.session.write(
      `head -c ${bytes} /dev/zero | tr '\\0' x; printf '\\nflood-%s\\n' done\r`,
    );
    await waitFor(
      'the whole flood read from the shell',
      () => flood.tail().includes('flood-done\r\n'),
      60_000,
    );
    // The renderer was sent what fits under the watermark (and a held tail), nothing after it.
    const chars = sentTo(flood.id).reduce((n, e) => n + e.payload.data.length, 0);
    expect(chars).toBeLessThan(HIGH_WATERMARK_CHARS + HELD_CHARS + 70_000);
    // It draws what it had: it gets the latest screen, the end of the flood, in one go.
    manager!.ack(flood.id, chars);
    const skip = await waitFor('the skip to the end', () => {
      const last = sentTo(flood.id).at(-1)!;
      return last.payload.data.includes('flood-done') && last;
    });
    expect(skip.name).toBe('session.didSkip');
    expect(skip.payload.data.length).toBeLessThan(HELD_CHARS + 70_000);
    expect(skip.payload.data).toContain('flood-done');
    // What it was sent and what it was told was skipped add up to the whole flood.
    const accounted = sentTo(flood.id).reduce(
      (n, e) => n + e.payload.data.length + ((e.payload as { skipped?: number }).skipped ?? 0),
      0,
    );
    expect(accounted).toBeGreaterThan(bytes);
  }, 90_000);

  it('keeps reading a flooding shell while someone types in another one', async () => {
    const { open } = start();
    const flood = open();
    const typing = open();
    manager!.snapshot(flood.id);
    manager!.snapshot(typing.id);
    flood.session.shell.session.write('yes flood flood flood flood\r');
    await waitFor('the flood to start', () => flood.read() > 1_000_000, 30_000);
    // Typing in the other terminal holds the flood back from the screen, not from the journal.
    const before = flood.read();
    for (let i = 0; i < 30; i++) {
      manager!.write(typing.id, 'a');
      manager!.ack(flood.id, 1 << 30); // the flood's renderer draws whatever it gets
      await new Promise((r) => setTimeout(r, 50));
    }
    // Held back (paused) the shell would give no more than a kernel buffer in these 1.5 s.
    expect(flood.read() - before).toBeGreaterThan(1_000_000);
    flood.session.shell.session.write('\x03');
  }, 60_000);
});
