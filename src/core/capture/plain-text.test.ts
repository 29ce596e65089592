import { describe, expect, it } from 'vitest';
import { renderPlainText, renderWithEmulator } from './plain-text';

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('plain text of terminal output', () => {
  it('gives what the emulator gives, for plain lines and everything near them', async () => {
    const next = random(7);
    const plain = ['a', 'Z', '0', ' ', '  ', '\t', '\r\n', '\r\n', '-', '~'];
    const other = ['é', '\n', '\r', '\x1b[1m', '\b', '界'];
    let plainCases = 0;
    for (let n = 0; n < 1500; n++) {
      const cols = 20 + Math.floor(next() * 30);
      let text = '';
      // Up to several rows at the narrowest width: long plain lines wrap, and join again.
      const length = Math.floor(next() * 300);
      for (let i = 0; i < length; i++) {
        // Mostly plain characters, so long plain lines reach the wrap edge; now and then not.
        const r = next();
        text +=
          r < 0.75
            ? 'x'
            : r < 0.99
              ? plain[Math.floor(next() * plain.length)]!
              : other[Math.floor(next() * other.length)]!;
      }
      if (/^[\x20-\x7e\t]*(\r\n[\x20-\x7e\t]*)*$/.test(text)) plainCases++;
      const bytes = Buffer.from(text);
      expect(await renderPlainText(bytes, cols), JSON.stringify({ text, cols })).toBe(
        await renderWithEmulator(bytes, cols),
      );
    }
    // Both paths were compared many times.
    expect(plainCases).toBeGreaterThan(300);
    expect(plainCases).toBeLessThan(1400);
  });

  it('collapses progress bars and applies colours through the emulator', async () => {
    expect(await renderPlainText(Buffer.from('10%\r50%\r100%\r\ndone\r\n'), 80)).toBe('100%\ndone');
    expect(await renderPlainText(Buffer.from('\x1b[31mred\x1b[0m\tok\r\n'), 80)).toBe('red     ok');
  });
});
