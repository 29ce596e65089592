import { describe, expect, it } from 'vitest';
import { Osc133Parser, type Segment } from './osc133';

const text = (segments: Segment[]) =>
  segments
    .map((s) =>
      s.type === 'data'
        ? Buffer.from(s.bytes).toString()
        : `<${s.mark.kind}${'exitCode' in s.mark ? s.mark.exitCode : ''}>`,
    )
    .join('');

describe('OSC 133 parser', () => {
  it('finds marks and passes other bytes through, in order', () => {
    const p = new Osc133Parser();
    const out = p.push(
      Buffer.from('a\x1b]133;A\x07$ \x1b]133;B\x07ls\r\n\x1b]133;C\x07out\x1b]133;D;2\x1b\\z'),
    );
    expect(text(out)).toBe('a<A>$ <B>ls\r\n<C>out<D2>z');
  });

  it('joins marks split across chunks at every byte', () => {
    const input = 'x\x1b]133;D;130\x07y\x1b[31mred\x1b[0m';
    for (let cut = 1; cut < input.length; cut++) {
      const p = new Osc133Parser();
      const out = [
        ...p.push(Buffer.from(input.slice(0, cut))),
        ...p.push(Buffer.from(input.slice(cut))),
      ];
      expect(text(out)).toBe('x<D130>y\x1b[31mred\x1b[0m');
    }
  });

  it('leaves other OSC sequences alone', () => {
    const p = new Osc133Parser();
    expect(text(p.push(Buffer.from('\x1b]0;title\x07\x1b]1337;x\x07')))).toBe(
      '\x1b]0;title\x07\x1b]1337;x\x07',
    );
  });

  it("reads Runsheet's failed-command marks (line, status, nonce) and drops malformed ones as unknown", () => {
    const p = new Osc133Parser();
    const marks = p
      .push(
        Buffer.from(
          '\x1b]133;F;12;1;n=abc\x07x\x1b]133;F;0;1;n=abc\x07\x1b]133;F;3;q;n=abc\x07\x1b]133;F;4;127\x07',
        ),
      )
      .filter((s) => s.type === 'mark')
      .map((s) => s.mark);
    expect(marks).toEqual([
      { kind: 'F', line: 12, exitCode: 1, nonce: 'abc' },
      { kind: 'F', line: 4, exitCode: 127, nonce: null },
    ]);
  });
});
