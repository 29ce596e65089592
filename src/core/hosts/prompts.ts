import { randomBytes } from 'node:crypto';

/** Unanswered questions get their fallback after this long: a connection never waits forever. */
const ANSWER_TIMEOUT_MS = 120_000;

/**
 * Questions for the user (any connected window): an event goes out with a fresh
 * prompt id, an answer comes back through a method call naming it. No answer in
 * time, or the core shutting down, gives the question's fallback (a refusal).
 */
export class Prompts {
  private readonly pending = new Map<
    string,
    { kind: string; resolve: (answer: unknown) => void; fallback: unknown; timer: NodeJS.Timeout }
  >();

  /**
   * `send` emits the question with its id; the promise settles with the answer
   * or `fallback`. Only an answer of the same `kind` settles it.
   */
  ask<T>(kind: string, send: (promptId: string) => void, fallback: T): Promise<T> {
    const promptId = randomBytes(8).toString('hex');
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => this.answer(kind, promptId, fallback), ANSWER_TIMEOUT_MS);
      this.pending.set(promptId, {
        kind,
        resolve: resolve as (answer: unknown) => void,
        fallback,
        timer,
      });
      send(promptId);
    });
  }

  /** Settles a question; unknown, already answered or other-kind ids are ignored. */
  answer(kind: string, promptId: string, value: unknown): void {
    const prompt = this.pending.get(promptId);
    if (!prompt || prompt.kind !== kind) return;
    this.pending.delete(promptId);
    clearTimeout(prompt.timer);
    prompt.resolve(value);
  }

  dispose(): void {
    for (const [id, prompt] of [...this.pending]) this.answer(prompt.kind, id, prompt.fallback);
  }
}
