/** Small text helpers of the parser: labels from prose, and unique ids. */

/** "Archive the data and record a checksum…: more" -> its first clause, for a short label. */
export function firstSentence(text: string): string {
  const match = /^(.+?)(?:[.:;!?](?:\s|$)|\s[—–]\s)/.exec(text);
  const sentence = (match?.[1] ?? text).trim();
  return sentence.length > 120 ? `${sentence.slice(0, 117)}…` : sentence;
}

/** A paragraph's lines joined into one, trimmed. */
export function oneLine(text: string): string {
  if (!text.includes('\n')) return text.trim();
  return text
    .split('\n')
    .map((l) => l.trim())
    .join(' ')
    .trim();
}

/** Next free suffix per base, so many identical steps stay linear. */
const suffixes = new WeakMap<Set<string>, Map<string, number>>();

/** `base`, or `base-2`, `base-3`…: the first id not yet taken (and now taken). */
export function unique(base: string, taken: Set<string>): string {
  let next = suffixes.get(taken);
  if (!next) suffixes.set(taken, (next = new Map()));
  let id = base;
  for (let n = next.get(base) ?? 2; taken.has(id); n++) {
    id = `${base}-${n}`;
    next.set(base, n + 1);
  }
  taken.add(id);
  return id;
}
