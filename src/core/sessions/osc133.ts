/**
 * Streaming parser for OSC 133 shell-integration marks (FinalTerm's
 * semantic prompts, as used by VS Code, iTerm2 and WezTerm):
 *   ESC ] 133 ; A BEL   prompt start        ESC ] 133 ; B BEL   prompt end
 *   ESC ] 133 ; C BEL   command output     ESC ] 133 ; D ; n BEL   command done, exit n
 * and Runsheet's own ESC ] 133 ; F ; line ; n BEL (a command of a step failed with n).
 * ST (ESC \) is accepted as terminator too. Marks split across chunks are
 * carried over; all other bytes pass through untouched, in order.
 */
export type Osc133Mark = (
  | { kind: 'A' | 'B' }
  /** VS Code's OSC 633;E: the command line about to run (escaped as \\, \x3b, \xNN). */
  | { kind: 'E'; commandLine: string }
  /** `tag` is Runsheet's own parameter (`C;runsheet=<script>`) marking where a step's output starts. */
  | { kind: 'C'; tag: string | null }
  | { kind: 'D'; exitCode: number | null }
  /**
   * Runsheet's own: a command of the running step failed (`F;<line>;<status>`), `line`
   * being its 1-based line in the step's code. Printed by the integration's ERR trap
   * (bash, zsh, busybox) or by the lines it adds for dash (integration/instrument.ts).
   */
  | { kind: 'F'; line: number; exitCode: number }
) & {
  /**
   * The `n=<nonce>` parameter Runsheet's integration adds to every mark (as VS Code does
   * for OSC 633): a secret of the session, so output that prints marks cannot forge them.
   */
  nonce: string | null;
};

export type Segment = { type: 'data'; bytes: Uint8Array } | { type: 'mark'; mark: Osc133Mark };

const PREFIX = Uint8Array.from(Buffer.from('\x1b]133;'));
/** OSC 633 (VS Code's extension of 133) has the same length; only E is read from it. */
const PREFIX_633 = Uint8Array.from(Buffer.from('\x1b]633;'));
const ESC = 0x1b;
const BEL = 0x07;
/** A mark longer than this is not one of ours: pass it through as data. */
const MAX_MARK = 8192;

export class Osc133Parser {
  private carry: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Segment[] {
    const buf = this.carry.length ? concat(this.carry, chunk) : chunk;
    this.carry = new Uint8Array(0);
    const out: Segment[] = [];
    let dataStart = 0;
    let i = buf.indexOf(ESC);
    while (i !== -1 && i < buf.length) {
      const match = matchPrefix(buf, i);
      if (match === 'partial') {
        this.carry = buf.slice(i);
        break;
      }
      if (match === 'yes') {
        const end = findTerminator(buf, i + PREFIX.length);
        if (end === -1) {
          if (buf.length - i < MAX_MARK) {
            this.carry = buf.slice(i);
            break;
          }
        } else {
          if (i > dataStart) out.push({ type: 'data', bytes: buf.subarray(dataStart, i) });
          const is633 = buf[i + 2] === 0x36;
          const body = Buffer.from(buf.subarray(i + PREFIX.length, end.at)).toString(
            is633 ? 'utf8' : 'latin1',
          );
          const mark = is633 ? parse633(body) : parseBody(body);
          if (mark) out.push({ type: 'mark', mark });
          dataStart = end.at + end.length;
          i = buf.indexOf(ESC, dataStart);
          continue;
        }
      }
      i = buf.indexOf(ESC, i + 1);
    }
    const dataEnd = this.carry.length ? buf.length - this.carry.length : buf.length;
    if (dataEnd > dataStart) out.push({ type: 'data', bytes: buf.subarray(dataStart, dataEnd) });
    return out;
  }
}

function matchPrefix(buf: Uint8Array, at: number): 'yes' | 'no' | 'partial' {
  let a = true;
  let b = true;
  for (let k = 0; k < PREFIX.length; k++) {
    if (at + k >= buf.length) return a || b ? 'partial' : 'no';
    a &&= buf[at + k] === PREFIX[k];
    b &&= buf[at + k] === PREFIX_633[k];
    if (!a && !b) return 'no';
  }
  return 'yes';
}

function nonceOf(parts: string[]): string | null {
  const found = parts.find((p) => p.startsWith('n='));
  return found ? found.slice(2) : null;
}

function parse633(body: string): Osc133Mark | null {
  if (!body.startsWith('E;')) return null;
  const parts = body.slice(2).split(';');
  const raw = parts[0] ?? '';
  const commandLine = raw.replace(/\\(\\|x([0-9a-fA-F]{2}))/g, (_m, what: string, hex?: string) =>
    hex ? String.fromCharCode(parseInt(hex, 16)) : what,
  );
  return { kind: 'E', commandLine, nonce: nonceOf(parts.slice(1)) };
}

function findTerminator(buf: Uint8Array, from: number): { at: number; length: number } | -1 {
  const limit = Math.min(buf.length, from + MAX_MARK);
  for (let k = from; k < limit; k++) {
    if (buf[k] === BEL) return { at: k, length: 1 };
    if (buf[k] === ESC && k + 1 < buf.length && buf[k + 1] === 0x5c) return { at: k, length: 2 };
  }
  return -1;
}

function parseBody(body: string): Osc133Mark | null {
  const [kind, ...rest] = body.split(';');
  const nonce = nonceOf(rest);
  const params = rest.filter((p) => !p.startsWith('n='));
  const arg = params[0];
  if (kind === 'A' || kind === 'B') return { kind, nonce };
  if (kind === 'C') return { kind, tag: arg?.startsWith('runsheet=') ? arg.slice(9) : null, nonce };
  if (kind === 'D') {
    const code = arg === undefined || arg === '' ? null : Number.parseInt(arg, 10);
    return { kind: 'D', exitCode: code === null || Number.isNaN(code) ? null : code, nonce };
  }
  if (kind === 'F') {
    const line = Number(params[0]);
    const exitCode = Number(params[1]);
    if (!Number.isInteger(line) || line < 1 || !Number.isInteger(exitCode)) return null;
    return { kind: 'F', line, exitCode, nonce };
  }
  return null;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
