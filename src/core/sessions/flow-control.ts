/**
 * Flow control between a session and the renderer that draws it. The screen never
 * slows a step down: the session is never paused for it. Capture runs before this
 * and the shell is read at full speed; what is gated is only what goes to the
 * renderer. It is sent at most a budget per window (see WINDOW_MS), and nothing while
 * output in flight (sent, not yet acked as drawn) is above the high watermark. Held
 * output goes out once the window ends and acks bring it below the low watermark:
 * whole when it is short, or else its last HELD_CHARS with the count of characters
 * skipped before them (the journal has every byte). A renderer that stalls or is gone
 * costs this bounded tail. Without a renderer attached (CLI, tests) every chunk goes
 * out as it comes.
 */
export const HIGH_WATERMARK_CHARS = 100_000;
/** At most the renderer's ack batch (TerminalView's ACK_BATCH_CHARS), so a drawn-up screen always releases. */
export const LOW_WATERMARK_CHARS = 5_000;
/** Output kept for a renderer that is behind: what it is shown when it catches up (screen and recent scrollback). */
export const HELD_CHARS = 128 * 1024;
/**
 * The screen is sent at most WINDOW_BUDGET_CHARS of output per WINDOW_MS (about 3,400
 * lines a second), however fast the renderer acks: painting a terminal costs CPU beyond
 * what acks measure (the compositor, and the GPU where there is none), and a screen
 * drawing a flood as fast as it can would take the CPU the step needs. Output beyond the
 * budget is held until the window ends, so a flood shows its latest output a few times
 * a second.
 */
export const WINDOW_MS = 250;
export const WINDOW_BUDGET_CHARS = 64 * 1024;
/** A skip's tail starts after its first line break when one is this near the start (no half line, rarely half an escape). */
const LINE_START_WITHIN = 8 * 1024;

/**
 * After a keystroke in one session, the others' output is held back from the
 * renderer this long (their shells keep running): a flood in one terminal must
 * not make typing in another lag (echo latency, issue 4).
 */
export const YIELD_MS = 250;

export interface FlowOutput {
  /** Output for the renderer, in order, nothing left out. */
  data(data: string): void;
  /** The renderer missed `skipped` characters; `data` is the output after them (the latest screen). */
  skip(data: string, skipped: number): void;
}

export class FlowControl {
  private inFlight = 0;
  private attached = false;
  /** The renderer is behind (watermarks). */
  private behind = false;
  /** Someone is typing in another session. */
  private yielding: NodeJS.Timeout | null = null;
  /** Output not sent yet, oldest first, at most about HELD_CHARS; `skipped` counts what was dropped before it. */
  private held: string[] = [];
  private heldChars = 0;
  private skipped = 0;
  /** The current budget window (see WINDOW_MS) and what was sent in it. */
  private window: NodeJS.Timeout | null = null;
  private windowChars = 0;

  constructor(private readonly out: FlowOutput) {}

  /** Whether output is being held back from the renderer now. */
  get isHolding(): boolean {
    return (
      this.attached &&
      (this.behind || this.yielding !== null || this.windowChars > WINDOW_BUDGET_CHARS)
    );
  }

  /** A chunk of output (already captured): to the renderer now, or held for it. */
  push(data: string): void {
    if (!this.attached) return this.out.data(data);
    if (this.isHolding) return this.hold(data);
    this.send(data);
  }

  /** Someone typed in another session: hold this one's output back from the screen for a moment. */
  yieldFor(ms = YIELD_MS): void {
    if (!this.attached) return;
    if (this.yielding) clearTimeout(this.yielding);
    this.yielding = setTimeout(() => {
      this.yielding = null;
      this.release();
    }, ms);
  }

  /** A renderer starts drawing this session from a snapshot (which has everything held): count from zero. */
  attach(): void {
    this.attached = true;
    this.reset();
  }

  detach(): void {
    this.attached = false;
    this.reset();
  }

  acked(chars: number): void {
    this.inFlight = Math.max(0, this.inFlight - chars);
    if (this.behind && this.inFlight < LOW_WATERMARK_CHARS) {
      this.behind = false;
      this.release();
    }
  }

  /** The session ends: whatever is held goes out now (the renderer draws a closed session at leisure). */
  flush(): void {
    this.dispose();
    this.behind = false;
    this.release();
  }

  dispose(): void {
    if (this.yielding) clearTimeout(this.yielding);
    if (this.window) clearTimeout(this.window);
    this.yielding = null;
    this.window = null;
    this.windowChars = 0;
  }

  // Counted in flight before it goes out: a renderer may ack it before `out` returns
  // (the in-process transport delivers synchronously), and an ack counted first was lost.
  private send(data: string): void {
    this.sent(data.length);
    this.out.data(data);
  }

  private sent(chars: number): void {
    this.inFlight += chars;
    if (this.inFlight > HIGH_WATERMARK_CHARS) this.behind = true;
    this.windowChars += chars;
    this.window ??= setTimeout(() => {
      this.window = null;
      this.windowChars = 0;
      this.release();
    }, WINDOW_MS);
  }

  private hold(data: string): void {
    this.held.push(data);
    this.heldChars += data.length;
    // Whole chunks are dropped, so a surrogate pair is never split.
    while (this.held.length > 1 && this.heldChars - this.held[0]!.length >= HELD_CHARS) {
      const dropped = this.held.shift()!;
      this.heldChars -= dropped.length;
      this.skipped += dropped.length;
    }
  }

  private release(): void {
    if (this.isHolding || this.held.length === 0) return;
    let data = this.held.join('');
    let skipped = this.skipped;
    this.held = [];
    this.heldChars = 0;
    this.skipped = 0;
    if (skipped === 0) return this.send(data);
    const lineEnd = data.indexOf('\n');
    if (lineEnd >= 0 && lineEnd < LINE_START_WITHIN && lineEnd < data.length - 1) {
      skipped += lineEnd + 1;
      data = data.slice(lineEnd + 1);
    }
    this.sent(data.length);
    this.out.skip(data, skipped);
  }

  private reset(): void {
    if (this.window) clearTimeout(this.window);
    this.window = null;
    this.windowChars = 0;
    this.inFlight = 0;
    this.behind = false;
    this.held = [];
    this.heldChars = 0;
    this.skipped = 0;
  }
}
