// Redaction against hostile output (issue 13): text built to make the detectors slow
// (long lines dense with triggers, escapes, key-block openers), each against the same
// size of ordinary log text redacted in the same run. A step's output goes through one
// redaction worker shared by every run, so one slow batch would hold up all of them.
// Target: every hostile input within 10x of the ordinary text of its size, and under 1 s.
import { test } from 'vitest';
import { Redactor } from '../src/core/redaction/redactor';
import { record } from './results';

const LOG_LINE =
  '2026-12-02T10:00:00.123Z INFO [main] GET /api/v1/items?id=12345 200 1534ms user=ops host=db-1.internal\n';

const HOSTILE: Array<[string, string]> = [
  ['base64 signature run', 'UEFTUw'],
  ['URL schemes', 'redis://'],
  ['URL escapes', '%41 '],
  ['JSON escapes', '\\"'],
  ['AWS key id prefixes', 'AKIA'],
  ['password: (no newline)', 'password: '],
  ['password=x;', 'password=x;'],
  ['Basic ', 'Basic '],
  ['key block openers', '-----BEGIN PRIVATE KEY-----\n'],
];

const SIZE = 400_000;

async function ms(text: string): Promise<number> {
  const start = performance.now();
  await new Redactor().text(text);
  return performance.now() - start;
}

test('redaction of hostile output against ordinary output of the same size', async () => {
  const ordinary = LOG_LINE.repeat(Math.ceil(SIZE / LOG_LINE.length)).slice(0, SIZE);
  const base = Math.min(await ms(ordinary), await ms(ordinary), await ms(ordinary));
  console.log(`\nordinary log text, ${SIZE / 1000} kB: ${base.toFixed(0)} ms`);
  for (const [name, unit] of HOSTILE) {
    const text = unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);
    const took = Math.min(await ms(text), await ms(text));
    // Two targets: within 10x of ordinary text, and under 1 s.
    const baseline = { name: 'ordinary log text', value: base, unit: 'ms' };
    const method = `${SIZE / 1000} kB, best of 2 (ordinary: best of 3)`;
    record({
      figure: `redaction: ${name} vs ordinary`,
      value: took,
      unit: 'ms',
      baseline,
      target: { op: '<=', value: 10, on: 'ratio' },
      method,
    });
    record({
      figure: `redaction: ${name}`,
      value: took,
      unit: 'ms',
      baseline,
      target: { op: '<=', value: 1000, on: 'value' },
      method,
    });
  }
}, 600_000);
