import { afterEach, describe, expect, it, vi } from 'vitest';
import { FlowControl, HIGH_WATERMARK_CHARS, LOW_WATERMARK_CHARS, STALL_MS } from './flow-control';

describe('flow control', () => {
  afterEach(() => vi.useRealTimers());

  const make = () => {
    const calls: string[] = [];
    const flow = new FlowControl(
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    return { flow, calls };
  };

  it('never pauses a session nobody draws', () => {
    const { flow, calls } = make();
    flow.sent(HIGH_WATERMARK_CHARS * 10);
    expect(calls).toEqual([]);
  });

  it('pauses above the high watermark and resumes below the low one', () => {
    const { flow, calls } = make();
    flow.attach();
    flow.sent(HIGH_WATERMARK_CHARS);
    expect(calls).toEqual([]);
    flow.sent(1);
    expect(calls).toEqual(['pause']);
    flow.acked(HIGH_WATERMARK_CHARS - LOW_WATERMARK_CHARS);
    expect(calls).toEqual(['pause']); // still at the low watermark
    flow.acked(2);
    expect(calls).toEqual(['pause', 'resume']);
    flow.dispose();
  });

  it('resumes a paused session when its renderer stops acking', () => {
    vi.useFakeTimers();
    const { flow, calls } = make();
    flow.attach();
    flow.sent(HIGH_WATERMARK_CHARS + 1);
    vi.advanceTimersByTime(STALL_MS - 1);
    expect(calls).toEqual(['pause']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['pause', 'resume']);
    // Detached by the stall: more output does not pause it again.
    flow.sent(HIGH_WATERMARK_CHARS * 2);
    expect(calls).toEqual(['pause', 'resume']);
  });
});

describe('input priority', () => {
  afterEach(() => vi.useRealTimers());

  it('yields for a moment after a keystroke elsewhere, then resumes', () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const flow = new FlowControl(
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    flow.yieldFor(40);
    flow.yieldFor(40); // more typing extends the pause, without a second pause call
    expect(calls).toEqual(['pause']);
    vi.advanceTimersByTime(39);
    expect(calls).toEqual(['pause']);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['pause', 'resume']);
  });

  it('stays paused after the yield while the renderer is still behind', () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    const flow = new FlowControl(
      () => calls.push('pause'),
      () => calls.push('resume'),
    );
    flow.attach();
    flow.sent(HIGH_WATERMARK_CHARS + 1);
    flow.yieldFor(40);
    vi.advanceTimersByTime(40);
    expect(calls).toEqual(['pause']);
    flow.acked(HIGH_WATERMARK_CHARS);
    expect(calls).toEqual(['pause', 'resume']);
    flow.dispose();
  });
});
