import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  FlowControl,
  HELD_CHARS,
  HIGH_WATERMARK_CHARS,
  LOW_WATERMARK_CHARS,
  WINDOW_BUDGET_CHARS,
  WINDOW_MS,
  YIELD_MS,
} from './flow-control';

/** A FlowControl and what it sent the renderer, in order. */
function make() {
  const sent: Array<{ data: string; skipped?: number }> = [];
  const flow = new FlowControl({
    data: (data) => sent.push({ data }),
    skip: (data, skipped) => sent.push({ data, skipped }),
  });
  const chars = () => sent.reduce((n, s) => n + s.data.length, 0);
  return { flow, sent, chars };
}

describe('flow control', () => {
  afterEach(() => vi.useRealTimers());

  it('sends every chunk as it comes when no renderer draws the session', () => {
    const { flow, sent } = make();
    for (let i = 0; i < 20; i++) flow.push('x'.repeat(HIGH_WATERMARK_CHARS));
    flow.yieldFor();
    flow.push('after a keystroke');
    expect(sent).toHaveLength(21);
    expect(sent.at(-1)).toEqual({ data: 'after a keystroke' });
  });

  it('holds output back from a renderer above the high watermark and sends it whole below the low one', () => {
    vi.useFakeTimers();
    const { flow, sent, chars } = make();
    flow.attach();
    // A slow renderer: within the screen's budget each window, but not drawing it.
    flow.push('a'.repeat(WINDOW_BUDGET_CHARS));
    vi.advanceTimersByTime(WINDOW_MS);
    flow.push('a'.repeat(HIGH_WATERMARK_CHARS + 1 - WINDOW_BUDGET_CHARS));
    flow.push('b');
    expect(flow.isHolding).toBe(true);
    flow.push('c');
    vi.advanceTimersByTime(WINDOW_MS);
    expect(chars()).toBe(HIGH_WATERMARK_CHARS + 1);
    flow.acked(HIGH_WATERMARK_CHARS + 1 - LOW_WATERMARK_CHARS);
    expect(sent).toHaveLength(2); // still at the low watermark
    flow.acked(1);
    // The held chunks in one message, nothing skipped.
    expect(sent.at(-1)).toEqual({ data: 'bc' });
    flow.dispose();
  });

  it('sends the screen no more than its budget per window, however fast it draws', () => {
    vi.useFakeTimers();
    const { flow, chars } = make();
    flow.attach();
    for (let i = 0; i < 20; i++) {
      flow.push('x'.repeat(8 * 1024));
      flow.acked(1 << 30); // drawn at once
    }
    expect(chars()).toBeLessThanOrEqual(WINDOW_BUDGET_CHARS + 8 * 1024);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(chars()).toBe(20 * 8 * 1024); // the rest, whole: it was short
    flow.dispose();
  });

  it('skips ahead to the latest output when a renderer falls far behind, counting what it skipped', () => {
    vi.useFakeTimers();
    const { flow, sent } = make();
    flow.attach();
    flow.push('a'.repeat(HIGH_WATERMARK_CHARS + 1));
    // Ten times what is held, in lines, then the end of the flood.
    const line = `${'y'.repeat(99)}\n`;
    const chunk = line.repeat(100);
    const chunks = Math.ceil((HELD_CHARS * 10) / chunk.length);
    for (let i = 0; i < chunks; i++) flow.push(chunk);
    flow.push('flood-done\n');
    expect(sent).toHaveLength(1);
    flow.acked(HIGH_WATERMARK_CHARS + 1);
    vi.advanceTimersByTime(WINDOW_MS);
    const skip = sent[1]!;
    expect(skip.skipped).toBeGreaterThan(HELD_CHARS * 8);
    // The latest screen and recent scrollback: about HELD_CHARS, from a line start, to the end.
    expect(skip.data.length).toBeGreaterThanOrEqual(HELD_CHARS - line.length);
    expect(skip.data.length).toBeLessThan(HELD_CHARS + chunk.length);
    expect(skip.data.startsWith('y'.repeat(99))).toBe(true);
    expect(skip.data.endsWith('\nflood-done\n')).toBe(true);
    // Nothing lost and nothing twice: what was skipped plus what was sent is all of it.
    expect(skip.skipped! + skip.data.length).toBe(chunks * chunk.length + 'flood-done\n'.length);
    // The tail counts as in flight: the next output waits until it is drawn (and the interval is over).
    flow.push('next');
    vi.advanceTimersByTime(WINDOW_MS);
    expect(sent).toHaveLength(2);
    flow.acked(skip.data.length);
    expect(sent.at(-1)).toEqual({ data: 'next' });
  });

  it('holds no more than a bounded tail for a renderer that stopped acking', () => {
    vi.useFakeTimers();
    const { flow, sent } = make();
    flow.attach();
    for (let i = 0; i < 2000; i++) flow.push('z'.repeat(64 * 1024)); // 128 MiB, never acked
    vi.advanceTimersByTime(60_000);
    expect(sent).toHaveLength(2);
    // It comes back: it gets the tail, not the 128 MiB.
    flow.acked(1 << 30);
    expect(sent[2]!.data.length).toBeLessThanOrEqual(HELD_CHARS + 64 * 1024);
    expect(
      sent[2]!.skipped! + sent[2]!.data.length + sent[0]!.data.length + sent[1]!.data.length,
    ).toBe(2000 * 64 * 1024);
  });

  it('brings a renderer that keeps falling behind up to date a few times a second, not as fast as it draws', () => {
    vi.useFakeTimers();
    const { flow, sent } = make();
    flow.attach();
    const flood = () => {
      for (let i = 0; i < 10; i++) flow.push('f'.repeat(64 * 1024));
    };
    flood();
    flow.acked(1 << 30);
    vi.advanceTimersByTime(WINDOW_MS);
    expect(sent.at(-1)!.skipped).toBeGreaterThan(0);
    const first = sent.length;
    // Drawn at once, and the flood goes on: nothing is sent until the interval is over.
    flow.acked(1 << 30);
    flow.push('small');
    expect(sent).toHaveLength(first);
    flood();
    flow.push('latest');
    expect(sent).toHaveLength(first);
    vi.advanceTimersByTime(WINDOW_MS - 1);
    expect(sent).toHaveLength(first);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(first + 1);
    expect(sent.at(-1)!.skipped).toBeGreaterThan(0);
    expect(sent.at(-1)!.data.endsWith('latest')).toBe(true);
    // The flood is over: what comes after the next interval is sent whole, and then live.
    flow.acked(1 << 30);
    flow.push('prompt$ ');
    vi.advanceTimersByTime(WINDOW_MS);
    expect(sent.at(-1)).toEqual({ data: 'prompt$ ' });
    flow.push('ls');
    expect(sent.at(-1)).toEqual({ data: 'ls' });
    flow.dispose();
  });

  it('counts output in flight before it goes out: a renderer that acks at once is never left behind', () => {
    // The in-process transport delivers an event, and the renderer's ack, before `out` returns.
    vi.useFakeTimers();
    let received = 0;
    const draw = (data: string, skipped = 0) => {
      received += skipped + data.length;
      flow.acked(data.length);
    };
    const flow: FlowControl = new FlowControl({ data: (d) => draw(d), skip: (d, n) => draw(d, n) });
    flow.attach();
    const chunk = `${'z'.repeat(4095)}\n`;
    const total = chunk.length * 2000;
    for (let i = 0; i < 2000; i++) {
      flow.push(chunk);
      if (i % 100 === 0) vi.advanceTimersByTime(WINDOW_MS);
    }
    vi.advanceTimersByTime(WINDOW_MS * 4);
    // Every character reached the screen or was counted as skipped (before the fix, an ack
    // counted ahead of its output left the flow "behind" for good and the rest held).
    expect(received).toBe(total);
  });

  it('sends what is held when the session ends, however far behind the renderer is', () => {
    const { flow, sent } = make();
    flow.attach();
    flow.push('a'.repeat(HIGH_WATERMARK_CHARS + 1));
    flow.push('exit\n');
    flow.flush();
    expect(sent.at(-1)).toEqual({ data: 'exit\n' });
  });

  it('starts counting again when a renderer attaches (its snapshot has what was held)', () => {
    const { flow, sent } = make();
    flow.attach();
    flow.push('a'.repeat(HIGH_WATERMARK_CHARS + 1));
    flow.push('held');
    flow.attach();
    flow.push('live');
    expect(sent.map((s) => s.data.slice(0, 4))).toEqual(['aaaa', 'live']);
    flow.detach();
    flow.push('b'.repeat(HIGH_WATERMARK_CHARS * 2));
    flow.push('still live');
    expect(sent.at(-1)).toEqual({ data: 'still live' });
  });
});

describe('input priority', () => {
  afterEach(() => vi.useRealTimers());

  it("holds a session's output back from the screen after a keystroke elsewhere, then sends it", () => {
    vi.useFakeTimers();
    const { flow, sent } = make();
    flow.attach();
    flow.yieldFor(40);
    flow.push('one ');
    flow.yieldFor(40); // more typing extends the hold
    vi.advanceTimersByTime(39);
    flow.push('two');
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual([{ data: 'one two' }]);
    flow.push('three');
    expect(sent.at(-1)).toEqual({ data: 'three' });
  });

  it('keeps holding after the yield while the renderer is still behind', () => {
    vi.useFakeTimers();
    const { flow, sent } = make();
    flow.attach();
    flow.push('a'.repeat(HIGH_WATERMARK_CHARS + 1));
    flow.yieldFor();
    flow.push('held');
    vi.advanceTimersByTime(YIELD_MS);
    expect(sent).toHaveLength(1);
    flow.acked(HIGH_WATERMARK_CHARS);
    expect(sent.at(-1)).toEqual({ data: 'held' });
    flow.dispose();
  });
});
