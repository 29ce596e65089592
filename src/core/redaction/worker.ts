import { parentPort } from 'node:worker_threads';
import { RedactingStream, Redactor } from './redactor';

// The redaction worker (see engine.ts): one Redactor per run, one stream per step output.
const redactors = new Map<number, Redactor>();
const streams = new Map<string, RedactingStream>();

type Message =
  | { op: 'create'; rid: number; patterns: Array<{ name: string; source: string; flags: string }> }
  | { op: 'secret'; rid: number; name: string; value: string }
  | { op: 'text'; rid: number; id: number; text: string }
  | { op: 'push'; rid: number; sid: number; id: number; bytes: Uint8Array }
  | { op: 'end'; rid: number; sid: number; id: number }
  | { op: 'dispose'; rid: number };

parentPort!.on('message', (message: Message) => {
  void handle(message).catch((error: unknown) => {
    if ('id' in message) parentPort!.postMessage({ id: message.id, error: String(error) });
  });
});

async function handle(message: Message): Promise<void> {
  switch (message.op) {
    case 'create':
      redactors.set(
        message.rid,
        new Redactor({
          patterns: message.patterns.map((p) => ({
            name: p.name,
            pattern: new RegExp(p.source, p.flags),
          })),
        }),
      );
      return;
    case 'secret':
      redactors.get(message.rid)?.addSecret(message.name, message.value);
      return;
    case 'text': {
      const text = await redactors.get(message.rid)!.text(message.text);
      parentPort!.postMessage({ id: message.id, text });
      return;
    }
    case 'push': {
      const key = `${message.rid}:${message.sid}`;
      let stream = streams.get(key);
      if (!stream) streams.set(key, (stream = new RedactingStream(redactors.get(message.rid)!)));
      const bytes = await stream.push(message.bytes);
      const out = new Uint8Array(bytes);
      parentPort!.postMessage({ id: message.id, bytes: out, held: stream.holding ? 1 : 0 }, [
        out.buffer,
      ]);
      return;
    }
    case 'end': {
      const key = `${message.rid}:${message.sid}`;
      const stream = streams.get(key) ?? new RedactingStream(redactors.get(message.rid)!);
      streams.delete(key);
      const out = new Uint8Array(await stream.end());
      parentPort!.postMessage({ id: message.id, bytes: out }, [out.buffer]);
      return;
    }
    case 'dispose':
      redactors.delete(message.rid);
      for (const key of [...streams.keys()])
        if (key.startsWith(`${message.rid}:`)) streams.delete(key);
      return;
  }
}
