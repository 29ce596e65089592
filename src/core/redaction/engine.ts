import { Worker } from 'node:worker_threads';
import { RedactingStream, Redactor } from './redactor';
import { plainBatch } from './triggers';

/** A step's output on its way to the journal: redacted batch by batch. */
export interface RedactionStream {
  push(bytes: Uint8Array): Promise<Uint8Array>;
  end(): Promise<Uint8Array>;
}

/** Everything a run writes passes through one of these. */
export interface RedactionEngine {
  addSecret(name: string, value: string): void;
  text(text: string): Promise<string>;
  stream(): RedactionStream;
  dispose(): void;
}

type Pattern = { name: string; pattern: RegExp };

/** In this thread: for tests, the CLI's short runs, and when no worker can start. */
export function localEngine(patterns: Pattern[]): RedactionEngine {
  const redactor = new Redactor({ patterns });
  let secrets = false;
  return {
    addSecret: (name, value) => {
      secrets = true;
      redactor.addSecret(name, value);
    },
    text: (text) => redactor.text(text),
    stream: () => {
      const stream = new RedactingStream(redactor);
      return withPlainPath(
        {
          push: async (bytes) => {
            const out = await stream.push(bytes);
            return { out, holds: stream.holding };
          },
          end: () => stream.end(),
        },
        () => !secrets && patterns.length === 0,
      );
    },
    dispose: () => undefined,
  };
}

type Reply = { id: number; bytes?: Uint8Array; held?: number; text?: string; error?: string };

/**
 * A stream that lets plain batches through in this thread (see plainBatch) and
 * hands the rest to `full`. Bytes held back here (a possible token's first
 * letters) go in front of the next batch, whichever way it takes; while `full`
 * holds something itself, every batch goes to it, so nothing is reordered.
 */
function withPlainPath(
  full: {
    push(bytes: Uint8Array): Promise<{ out: Uint8Array; holds: boolean }>;
    end(): Promise<Uint8Array>;
  },
  plainAllowed: () => boolean,
): RedactionStream {
  let held: Uint8Array = new Uint8Array(0);
  let fullHolds = false;
  /** Whether any batch went to `full`: if none did, it has nothing to flush at the end. */
  let usedFull = false;
  return {
    push: async (bytes) => {
      const joined = held.length ? Buffer.concat([held, bytes]) : bytes;
      held = new Uint8Array(0);
      const plain = !fullHolds && plainAllowed() ? plainBatch(joined) : null;
      if (plain) {
        held = joined.slice(plain.write);
        return joined.subarray(0, plain.write);
      }
      usedFull = true;
      const { out, holds } = await full.push(joined);
      fullHolds = holds;
      return out;
    },
    end: async () => {
      if (held.length) {
        const { out } = await full.push(held);
        held = new Uint8Array(0);
        return Buffer.concat([out, await full.end()]);
      }
      return usedFull ? full.end() : new Uint8Array(0);
    },
  };
}

/**
 * Redaction in a worker thread, shared by every run of a core: secretlint and the
 * searches cost milliseconds a megabyte, which on the main thread would slow the
 * terminals down (a flood is read, shown and journaled there). Output batches go
 * over as transferred buffers. If the worker fails, each engine carries on in this
 * thread (its secrets are mirrored here, so nothing is written unredacted).
 */
export class RedactionWorker {
  private worker: Worker | null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(r: Reply): void; fallback(): void }>();

  constructor(file: string) {
    this.worker = new Worker(file);
    this.worker.unref();
    this.worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error) waiting.fallback();
      else waiting.resolve(reply);
    });
    const fail = (): void => {
      this.worker = null;
      for (const [id, waiting] of this.pending) {
        this.pending.delete(id);
        waiting.fallback();
      }
    };
    this.worker.on('error', fail);
    this.worker.on('exit', fail);
  }

  private request<T>(
    message: Record<string, unknown>,
    read: (reply: Reply) => T,
    fallback: () => Promise<T>,
    transfer: ArrayBuffer[] = [],
  ): Promise<T> {
    const worker = this.worker;
    if (!worker) return fallback();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, {
        resolve: (reply) => resolve(read(reply)),
        fallback: () => fallback().then(resolve, reject),
      });
      worker.postMessage({ ...message, id }, transfer);
    });
  }

  engine(patterns: Pattern[]): RedactionEngine {
    const rid = this.nextId++;
    // The same redactor in this thread: used if the worker goes away.
    const local = new Redactor({ patterns });
    this.worker?.postMessage({
      op: 'create',
      rid,
      patterns: patterns.map((p) => ({
        name: p.name,
        source: p.pattern.source,
        flags: p.pattern.flags,
      })),
    });
    let streams = 0;
    let secrets = false;
    return {
      addSecret: (name, value) => {
        secrets = true;
        local.addSecret(name, value);
        this.worker?.postMessage({ op: 'secret', rid, name, value });
      },
      text: (text) =>
        this.request(
          { op: 'text', rid, text },
          (r) => r.text!,
          () => local.text(text),
        ),
      stream: () => {
        const sid = ++streams;
        const fallback = new RedactingStream(local);
        return withPlainPath(
          {
            push: (bytes) => {
              // A copy the worker may own (the caller's buffer may be a view of a shared pool).
              const copy = new Uint8Array(bytes);
              return this.request(
                { op: 'push', rid, sid, bytes: copy },
                (r) => ({ out: r.bytes!, holds: (r.held ?? 0) > 0 }),
                async () => ({ out: await fallback.push(bytes), holds: fallback.holding }),
                [copy.buffer],
              );
            },
            end: () =>
              this.request(
                { op: 'end', rid, sid },
                (r) => r.bytes!,
                () => fallback.end(),
              ),
          },
          () => !secrets && patterns.length === 0,
        );
      },
      dispose: () => this.worker?.postMessage({ op: 'dispose', rid }),
    };
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = null;
  }
}
