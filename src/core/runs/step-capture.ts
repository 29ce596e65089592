import { captureCutLine } from '../../shared/log/output-cut';
import { renderPlainText } from '../capture/plain-text';
import type { RedactionStream } from '../redaction/engine';

/** Output is journaled in batches at most this old, so a crash loses at most this much. */
const OUTPUT_BATCH_MS = 100;

/** Pending output above this is journaled at once: a burst never piles up in memory, and each synchronous write stays short (keystrokes of other terminals wait behind it). */
const BATCH_BYTES = 1024 * 1024;

/** Raw bytes kept in memory for the plain-text rendering; everything is in the journal. */
const TEXT_TAIL_BYTES = 2 * 1024 * 1024;

/**
 * Captures one step's output before it is displayed: every byte goes to the
 * journal (batched ≤ 100 ms or 1 MB), and the last 2 MB are kept to render the
 * plain text a person saw. Memory stays bounded however much a step prints.
 */
export class StepCapture {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private tail: Uint8Array[] = [];
  private tailBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Bytes written to the journal (after redaction). */
  bytes = 0;

  private writing: Promise<unknown> = Promise.resolve();

  /**
   * `redact` sees every byte before it is journaled or kept for the text: what
   * is written is what it lets through (a possible secret's start waits for
   * the next batch, or the end).
   */
  constructor(
    private readonly journal: (chunks: Uint8Array[]) => unknown,
    private readonly redact?: RedactionStream,
  ) {}

  push(chunk: Uint8Array): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= BATCH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), OUTPUT_BATCH_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const redact = this.redact;
    if (!redact) {
      this.keep(chunks);
      this.journal(chunks);
      return;
    }
    // In order: each batch is redacted and written after the one before it.
    this.writing = this.writing.then(async () =>
      this.write(await redact.push(Buffer.concat(chunks))),
    );
  }

  private write(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.keep([bytes]);
    this.journal([bytes]);
  }

  private keep(chunks: Uint8Array[]): void {
    for (const chunk of chunks) {
      this.tail.push(chunk);
      this.tailBytes += chunk.length;
      this.bytes += chunk.length;
    }
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= TEXT_TAIL_BYTES) {
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  /** Flushes the journal and renders the text; a cut start is said in the text. */
  async finish(cols: number): Promise<string> {
    this.flush();
    const redact = this.redact;
    if (redact) this.writing = this.writing.then(async () => this.write(await redact.end()));
    await this.writing;
    const text = await renderPlainText(Buffer.concat(this.tail), cols);
    const cut = this.bytes - this.tailBytes;
    return cut > 0 ? `${captureCutLine(cut)}\n${text}` : text;
  }
}
