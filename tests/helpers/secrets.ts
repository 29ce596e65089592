/**
 * The redaction corpus (tests/fixtures/secrets): secret lines and look-alikes,
 * with their {{…}} values generated from a seed, so the repository holds no
 * real-looking key and every run sees the same corpus.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { localEngine } from '../../src/core/redaction/engine';
import { random } from './random';

const FIXTURES = join(__dirname, '..', 'fixtures', 'secrets');

/** A token of GitHub's shape (not a real one): the redactor's github rule finds it. */
export const GITHUB_TOKEN = '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';

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const ALNUM = UPPER + LOWER + DIGITS;
const B64 = ALNUM + '+/';

export interface Expanded {
  text: string;
  /** The generated secrets (or, for look-alikes, values) in the line. */
  values: string[];
}

export function generator(seed: number) {
  const next = random(seed);
  const pick = (set: string, n: number) =>
    Array.from({ length: n }, () => set[Math.floor(next() * set.length)]).join('');
  const password = (symbols: string) => {
    const length = 12 + Math.floor(next() * 9);
    return (
      pick(UPPER + LOWER, 1) + pick(ALNUM + symbols, length - 3) + pick(DIGITS, 1) + pick(LOWER, 1)
    );
  };
  const b64url = (s: string) => Buffer.from(s).toString('base64url');
  const kinds: Record<string, (arg: string) => string> = {
    pw: () => password('!#%+^*~_.=?@-'),
    pwu: () => password('_.~-'),
    akid: () => (next() < 0.7 ? 'AKIA' : 'ASIA') + pick(UPPER + '234567', 16),
    aws: () => pick(B64, 40),
    jwt: () =>
      `${b64url('{"alg":"HS256","typ":"JWT"}')}.${b64url(`{"sub":"${pick(ALNUM, 12)}","iat":${1764669600 + Math.floor(next() * 1e6)}}`)}.${pick(ALNUM + '-_', 43)}`,
    basic: () =>
      Buffer.from(`svc-${pick(LOWER, 5)}:${password('!#%+^*~_.=?@-')}`).toString('base64'),
    b64: (n) => pick(B64, Number(n)),
    alnum: (n) => pick(ALNUM, Number(n)),
    hex: (n) => pick('0123456789abcdef', Number(n)),
    uuid: () => [8, 4, 4, 4, 12].map((n) => pick('0123456789abcdef', n)).join('-'),
    pem: (kind) =>
      [
        `-----BEGIN ${kind}-----`,
        ...Array.from({ length: 5 }, () => pick(B64, 64)),
        `${pick(B64, 20)}==`,
        `-----END ${kind}-----`,
      ].join('\n'),
  };
  return (template: string): Expanded => {
    const values: string[] = [];
    const text = template
      .replace(/\\n/g, '\n')
      .replace(/\{\{(\w+)(?::([^}]+))?\}\}/g, (_, kind: string, arg: string) => {
        const value = kinds[kind]!(arg);
        // A key block's secret is its body: every line between BEGIN and END.
        if (kind === 'pem') values.push(...value.split('\n').slice(1, -1));
        else values.push(value);
        return value;
      });
    return { text, values };
  };
}

export function corpusLines(file: string): string[] {
  return readFileSync(join(FIXTURES, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

/**
 * A text through a run's redaction stream in chunks of `size` bytes, with no secret
 * variables or workspace patterns (so plain batches take the quick path).
 */
export async function throughStream(text: string, size: number): Promise<string> {
  const stream = localEngine([]).stream();
  const bytes = Buffer.from(text);
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size)
    parts.push(await stream.push(bytes.subarray(i, i + size)));
  parts.push(await stream.end());
  return Buffer.concat(parts).toString('utf8');
}
