/**
 * Ack-based flow control between a session and the renderer that draws it, as
 * VS Code's terminal does: output in flight (sent, not yet drawn) above the high
 * watermark pauses the session, and it resumes once acks bring it below the low
 * one. Capture runs before this, so the journal never waits on the renderer.
 * Without a renderer attached (CLI, tests) nothing is ever paused; a renderer
 * that stops acking for STALL_MS is taken as gone.
 */
export const HIGH_WATERMARK_CHARS = 100_000;
export const LOW_WATERMARK_CHARS = 5_000;
export const STALL_MS = 5_000;

/**
 * After a keystroke in one session, the others yield this long: a flood in one
 * terminal must not make typing in another lag (echo latency, issue 4).
 */
export const YIELD_MS = 250;

export class FlowControl {
  private inFlight = 0;
  private attached = false;
  /** Paused because the renderer is behind (watermarks). */
  private behind = false;
  /** Paused because someone is typing in another session. */
  private yielding: NodeJS.Timeout | null = null;
  private paused = false;
  private stallTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /** Someone typed in another session: hold this one's output back for a moment. */
  yieldFor(ms = YIELD_MS): void {
    if (this.yielding) clearTimeout(this.yielding);
    this.yielding = setTimeout(() => {
      this.yielding = null;
      this.update();
    }, ms);
    this.update();
  }

  /** A renderer starts drawing this session: count from zero. */
  attach(): void {
    this.attached = true;
    this.inFlight = 0;
    this.setBehind(false);
  }

  detach(): void {
    this.attached = false;
    this.inFlight = 0;
    this.setBehind(false);
  }

  sent(chars: number): void {
    if (!this.attached) return;
    this.inFlight += chars;
    if (!this.behind && this.inFlight > HIGH_WATERMARK_CHARS) this.setBehind(true);
  }

  acked(chars: number): void {
    this.inFlight = Math.max(0, this.inFlight - chars);
    if (this.behind && this.inFlight < LOW_WATERMARK_CHARS) this.setBehind(false);
    else if (this.behind) this.armStall();
  }

  dispose(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    if (this.yielding) clearTimeout(this.yielding);
    this.stallTimer = null;
    this.yielding = null;
  }

  private setBehind(behind: boolean): void {
    this.behind = behind;
    if (behind) this.armStall();
    else {
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
    this.update();
  }

  private update(): void {
    const paused = this.behind || this.yielding !== null;
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) this.pause();
    else this.resume();
  }

  private armStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      // No ack for a while: the renderer is gone or hung. Never leave the shell blocked.
      this.attached = false;
      this.inFlight = 0;
      this.setBehind(false);
    }, STALL_MS);
  }
}
