import { describe, expect, it } from 'vitest';
import { cleanPaste } from './paste';

describe('cleanPaste', () => {
  it('takes out bracketed-paste markers and control characters, keeping tabs and line ends', () => {
    expect(cleanPaste('touch x\x1b[201~\x0f')).toEqual({ text: 'touch x', removed: 7 });
    expect(cleanPaste('a\x1b[200~b\x03c\x7f\x9bd')).toEqual({ text: 'abcd', removed: 9 });
    expect(cleanPaste('one\ttwo\r\nthree\n')).toEqual({ text: 'one\ttwo\r\nthree\n', removed: 0 });
    expect(cleanPaste('émoji 🚀 ü')).toEqual({ text: 'émoji 🚀 ü', removed: 0 });
  });
});
