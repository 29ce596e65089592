/**
 * Ack-based flow control between a session and the renderer that draws it, as
 * VS Code's terminal does: output in flight (sent, not yet drawn) above the high
 * watermark pauses the session, and it resumes once acks bring it below the low
 * one. Capture runs before this, so the journal never waits on the renderer.
 * Without a renderer attached (CLI, tests) nothing is ever paused; a renderer
 * that stops acking for STALL_MS is taken as gone.
 */
export const HIGH_WATERMARK_CHARS = 500_000;
export const LOW_WATERMARK_CHARS = 50_000;
export const STALL_MS = 5_000;

export class FlowControl {
  private inFlight = 0;
  private attached = false;
  private paused = false;
  private stallTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly pause: () => void,
    private readonly resume: () => void,
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  /** A renderer starts drawing this session: count from zero. */
  attach(): void {
    this.attached = true;
    this.inFlight = 0;
    this.setPaused(false);
  }

  detach(): void {
    this.attached = false;
    this.inFlight = 0;
    this.setPaused(false);
  }

  sent(chars: number): void {
    if (!this.attached) return;
    this.inFlight += chars;
    if (!this.paused && this.inFlight > HIGH_WATERMARK_CHARS) this.setPaused(true);
  }

  acked(chars: number): void {
    this.inFlight = Math.max(0, this.inFlight - chars);
    if (this.paused && this.inFlight < LOW_WATERMARK_CHARS) this.setPaused(false);
    else if (this.paused) this.armStall();
  }

  dispose(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = null;
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    if (paused) {
      this.pause();
      this.armStall();
    } else {
      if (this.stallTimer) clearTimeout(this.stallTimer);
      this.stallTimer = null;
      this.resume();
    }
  }

  private armStall(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(() => {
      // No ack for a while: the renderer is gone or hung. Never leave the shell blocked.
      this.attached = false;
      this.inFlight = 0;
      this.setPaused(false);
    }, STALL_MS);
  }
}
