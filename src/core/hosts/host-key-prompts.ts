import { randomBytes } from 'node:crypto';
import type { EventSink } from '../../shared/api/contract';
import type { HostKeyQuestion } from './ssh-target';

/** Unanswered questions are refused after this long: a connection never waits forever. */
const ANSWER_TIMEOUT_MS = 120_000;

/**
 * Asks the user (any connected window) whether to trust an unknown host key:
 * a `host.keyPrompt` event out, a `host.answerKey` call back. No answer in time
 * means no.
 */
export class HostKeyPrompts {
  private readonly pending = new Map<
    string,
    { resolve: (accept: boolean) => void; timer: NodeJS.Timeout }
  >();

  constructor(private readonly emit: EventSink) {}

  ask(question: HostKeyQuestion): Promise<boolean> {
    const promptId = randomBytes(8).toString('hex');
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.answer(promptId, false), ANSWER_TIMEOUT_MS);
      this.pending.set(promptId, { resolve, timer });
      this.emit('host.keyPrompt', { promptId, ...question });
    });
  }

  answer(promptId: string, accept: boolean): void {
    const prompt = this.pending.get(promptId);
    if (!prompt) return;
    this.pending.delete(promptId);
    clearTimeout(prompt.timer);
    prompt.resolve(accept);
  }

  dispose(): void {
    for (const id of [...this.pending.keys()]) this.answer(id, false);
  }
}
