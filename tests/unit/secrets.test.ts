/* eslint-disable no-control-regex -- terminal escape sequences are what these patterns match */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { localEngine } from '../../src/core/redaction/engine';
import { Redactor } from '../../src/core/redaction/redactor';
import { corpusLines, generator, throughStream, type Expanded } from '../helpers/secrets';

/**
 * The redaction corpus: secrets in the forms runbooks, commands and their output
 * carry them (tests/fixtures/secrets/secrets.txt), each also through colour codes,
 * split across output chunks, and base64-, URL- and JSON-escaped; and ordinary
 * look-alikes (lookalikes.txt, and every line of the bundled runbooks and the
 * parser corpus) that must stay as they are.
 */

/** What a terminal shows of the text: escape sequences removed. */
const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

/** The forms a secret takes on the way to a log, and what of it must not survive. */
const FORMS: Array<{
  name: string;
  wrap: (line: Expanded) => string;
  leaks: (value: string) => string[];
}> = [
  { name: 'as written', wrap: (l) => l.text, leaks: (v) => [v] },
  {
    // Bold from the secret's fourth character to its end: the bytes are not the secret's.
    name: 'through colour codes',
    wrap: (l) =>
      l.values.reduce(
        (text, v) => text.split(v).join(`${v.slice(0, 3)}\x1b[1m${v.slice(3)}\x1b[0m`),
        l.text,
      ),
    leaks: (v) => [v],
  },
  {
    name: 'base64-encoded',
    wrap: (l) => `echo ${Buffer.from(l.text).toString('base64')} | base64 -d`,
    leaks: (v) => [v],
  },
  {
    name: 'URL-escaped',
    wrap: (l) => `GET /search?q=${encodeURIComponent(l.text)}&page=1 HTTP/1.1`,
    leaks: (v) => [v, encodeURIComponent(v)],
  },
  {
    name: 'JSON-escaped',
    wrap: (l) => `{"level":"info","msg":${JSON.stringify(l.text)}}`,
    leaks: (v) => [v, JSON.stringify(v).slice(1, -1)],
  },
];

describe('the redaction corpus', () => {
  const secrets = corpusLines('secrets.txt').map(generator(1));
  const lookalikes = corpusLines('lookalikes.txt').map(generator(2));
  const values = secrets.flatMap((s) => s.values);

  it(`has at least 150 secrets and 300 look-alikes`, () => {
    expect(values.length).toBeGreaterThanOrEqual(150);
    expect(lookalikes.length + runbookLines().length).toBeGreaterThanOrEqual(300);
  });

  it('masks ≥ 99 % of the secrets in every form, and says which it missed', async () => {
    const report: string[] = [];
    let missedAll = 0;
    let totalAll = 0;
    for (const form of FORMS) {
      let missed = 0;
      let total = 0;
      const misses: string[] = [];
      for (const line of secrets) {
        // A fresh redactor a line, as a step's output gets: nothing carried between lines.
        const out = visible(await new Redactor().text(form.wrap(line)));
        for (const value of line.values) {
          total++;
          // Decoded, the base64 form would show the secret: it must be masked as a whole.
          const encoded =
            form.name === 'base64-encoded' ? [Buffer.from(line.text).toString('base64')] : [];
          if ([...form.leaks(value), ...encoded].some((leak) => out.includes(leak))) {
            missed++;
            misses.push(`  ${JSON.stringify(line.text)} → ${JSON.stringify(out)}`);
            break;
          }
        }
      }
      report.push(
        `${form.name}: ${total - missed}/${total} masked (${((100 * (total - missed)) / total).toFixed(1)} %)`,
      );
      if (misses.length) report.push(...misses.slice(0, 20));
      missedAll += missed;
      totalAll += total;
    }
    report.push(
      `all forms: ${totalAll - missedAll}/${totalAll} masked (${((100 * (totalAll - missedAll)) / totalAll).toFixed(2)} %)`,
    );
    console.log(report.join('\n'));
    for (const line of report.filter((l) => l.includes(' masked (')))
      expect(Number(/\(([\d.]+) %\)/.exec(line)![1]), line).toBeGreaterThanOrEqual(99);
  });

  it('masks every secret as written with other generated values too (seeds 3 to 12)', async () => {
    const missed: string[] = [];
    for (let seed = 3; seed <= 12; seed++)
      for (const line of corpusLines('secrets.txt').map(generator(seed))) {
        const out = await new Redactor().text(line.text);
        for (const value of line.values)
          if (out.includes(value))
            missed.push(`seed ${seed}: ${JSON.stringify(line.text)} → ${out}`);
      }
    expect(missed).toEqual([]);
  });

  it('finds them all when the output arrives in chunks of any size', async () => {
    const text = secrets.map((s) => s.text).join('\r\n');
    const whole = await new Redactor().text(text);
    for (const size of [1, 7, 64, 4096]) {
      // No secret variables and no workspace patterns: the quick path for plain batches is on.
      const out = await throughStream(text, size);
      expect(out, `chunks of ${size}`).toBe(whole);
    }
    const leaked = values.filter((v) => whole.includes(v));
    expect(leaked).toEqual([]);
  });

  it('holds a credential whole when a long line is cut between its name and its value', async () => {
    const secret = 'Xk9mQ2vLp7Tz4Rw8';
    const forms = [
      `"password": "${secret}", `,
      `--password ${secret} `,
      `curl -s -u admin:${secret} https://x `,
      `Authorization: Bearer ${secret}${secret} `,
      `password: ${secret} `,
    ];
    for (const form of forms) {
      const text = `${'a '.repeat(3000)}${form}${'b '.repeat(3000)}\n`;
      const at = text.indexOf(secret);
      // Two chunks, the first ending anywhere around 4 kB after the secret's start.
      for (let cut = at + 4096 - 40; cut <= at + 4096 + 40; cut += 3) {
        const stream = localEngine([]).stream();
        const bytes = Buffer.from(text);
        const out = Buffer.concat([
          await stream.push(bytes.subarray(0, cut)),
          await stream.push(bytes.subarray(cut)),
          await stream.end(),
        ]).toString();
        expect(out, `${form} cut at ${cut - at}`).not.toContain(secret);
      }
    }
  });

  it('masks base64 that takes the quick path (no anchor in it), and secrets behind tput sgr0', async () => {
    // base64 of `token=Xk9mQ2vLp7Tz4Rw8aa`: no padding, no `A`, no sign.
    const encoded = 'dG9rZW49WGs5bVEydkxwN1R6NFJ3OGFh';
    expect(await throughStream(`${encoded}\n`, 4096)).not.toContain(encoded);
    // tput sgr0 is ESC ( B then ESC [ m: a character-set escape inside the line.
    for (const text of [
      'password: \x1b(B\x1b[mXk9mQ2vLp7Tz4Rw8',
      '\x1b[1mpassword\x1b(B\x1b[m: Xk9mQ2vLp7Tz4Rw8',
    ])
      expect(visible(await new Redactor().text(text)), text).not.toContain('Xk9mQ2vLp7Tz4Rw8');
  });

  it('leaves ≤ 1 % of the look-alikes masked (hashes, ids, encoded data, example keys, runbooks)', async () => {
    const changed: string[] = [];
    const all = [...lookalikes.map((l) => l.text), ...runbookLines()];
    for (const text of all) {
      const out = await new Redactor().text(text);
      if (out !== text) changed.push(`  ${JSON.stringify(text)} → ${JSON.stringify(out)}`);
    }
    console.log(
      `look-alikes masked: ${changed.length}/${all.length} (${((100 * changed.length) / all.length).toFixed(2)} %; ${lookalikes.length} written as look-alikes, ${all.length - lookalikes.length} lines of runbooks)\n${changed.join('\n')}`,
    );
    expect(changed.length / all.length).toBeLessThanOrEqual(0.01);
  });
});

/** Every non-empty line of the bundled runbooks and of the parser's corpus: ordinary runbook text. */
function runbookLines(): string[] {
  const root = join(__dirname, '..', '..');
  const files = [
    ...readdirSync(join(root, 'runbooks')).map((f) => join(root, 'runbooks', f)),
    ...readdirSync(join(root, 'tests', 'fixtures', 'corpus')).map((f) =>
      join(root, 'tests', 'fixtures', 'corpus', f),
    ),
  ].filter((f) => f.endsWith('.md'));
  return [...new Set(files.flatMap((f) => readFileSync(f, 'utf8').split('\n')))].filter(
    (l) => l.trim().length > 0,
  );
}
