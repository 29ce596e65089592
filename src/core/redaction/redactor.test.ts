/* eslint-disable no-control-regex -- terminal escape sequences are what these patterns match */
import { lintSource } from '@secretlint/core';
import { creator as recommended } from '@secretlint/secretlint-rule-preset-recommend';
import { describe, expect, it } from 'vitest';
import { throughStream } from '../../../tests/helpers/secrets';
import { encodings, RedactingStream, Redactor } from './redactor';
import { plainBatch } from './triggers';

const DB_PASSWORD = 'c0rrect-h0rse/b@ttery+staple';
const GITHUB = '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';
const SLACK = 'xoxb-123456789012-1234567890123-abcdefghijABCDEFGHIJklmn';
const PEM = [
  '-----BEGIN OPENSSH PRIVATE KEY-----',
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW',
  'QyNTUxOQAAACBV2m9xCk0sZ0X7Zl2TnVh1mYq7o3m5ZQ0aM1Jd2S4cKwAAAJg4v0yJOL9M',
  '-----END OPENSSH PRIVATE KEY-----',
].join('\n');

/** Every leak a corpus can carry: the secret in each of its forms, and known token kinds. */
const CORPUS = [
  `export DB_PASSWORD=${DB_PASSWORD}`,
  `basic auth: ${Buffer.from(DB_PASSWORD).toString('base64')}`,
  `url: https://app/?p=${encodeURIComponent(DB_PASSWORD)}&x=1`,
  `json: {"password":${JSON.stringify(DB_PASSWORD)}}`,
  `b64url ${Buffer.from(DB_PASSWORD).toString('base64url')}`,
  `token ${GITHUB} done`,
  `slack=${SLACK}`,
  PEM,
  'coloured: \x1b[31mc0rrect-h0\x1b[0mrse/b@ttery+staple\x1b[0m',
  'clone https://deploy:s3cr3tPassw0rd@git.example.com/ops.git',
  `internal id RS-1234-5678-9012 in ticket`,
].join('\r\n');

const LEAKS = [
  DB_PASSWORD,
  ...encodings(DB_PASSWORD),
  GITHUB,
  SLACK,
  'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ',
  'RS-1234-5678-9012',
  's3cr3tPassw0rd',
];

function redactor(): Redactor {
  return new Redactor({
    secrets: [{ name: 'DB_PASSWORD', value: DB_PASSWORD }],
    patterns: [{ name: 'ticket ids', pattern: /RS-\d{4}-\d{4}-\d{4}/ }],
  });
}

/** What a terminal would show: escape sequences removed. */
const visible = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('redaction before anything is written', () => {
  it('redacts every form of a secret, known tokens, keys and custom patterns in one text', async () => {
    const r = redactor();
    const out = await r.text(CORPUS);
    for (const leak of LEAKS) expect(visible(out), leak).not.toContain(leak);
    expect(out).toContain('export DB_PASSWORD=[REDACTED: secret DB_PASSWORD]');
    expect(out).toContain('[REDACTED: github]');
    expect(out).toContain('[REDACTED: slack]');
    expect(out).toContain('[REDACTED: privatekey]');
    expect(out).toContain('internal id [REDACTED: ticket ids] in ticket');
    expect(out).toContain('coloured: \x1b[31m[REDACTED: secret DB_PASSWORD]\x1b[0m');
    expect(r.counts['secret DB_PASSWORD']).toBe(6);
  });

  it('finds them all when the output arrives one byte at a time, with nothing lost around them', async () => {
    for (const size of [1, 2, 3, 7, 64]) {
      const stream = new RedactingStream(redactor());
      const bytes = Buffer.from(CORPUS);
      const parts: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size)
        parts.push(await stream.push(bytes.subarray(i, i + size)));
      parts.push(await stream.end());
      const out = Buffer.concat(parts).toString('utf8');
      for (const leak of LEAKS)
        expect(visible(out), `${leak} (chunks of ${size})`).not.toContain(leak);
      // The same result as the whole text at once: nothing dropped, nothing doubled.
      expect(out, `chunks of ${size}`).toBe(await redactor().text(CORPUS));
    }
  });

  it("finds what secretlint's recommended rules find on the whole text (the trigger filter drops nothing)", async () => {
    const tokens = [
      'aws key AKIAQ3EGVP6N2KJX7W4Z in env',
      `npm token npm_${'a1B2c3D4e5'.repeat(3)}a1B2c3`,
      `stripe sk_live_${'4eC39HqLyjWDarjtT1zdp7dc'}`,
      `gitlab glpat-${'xR7fQ2mN9pL4kJ8hG3dS'}`,
      'clone https://deploy:s3cr3tPassw0rd@git.example.com/ops.git',
      'DATABASE_URL=postgres://admin:Sup3rS3cretPw@db.internal:5432/app',
      `mail SG.${'aB3dE6gH9jK2mN5pQ8sT1v'}.${'wX4yZ7bC0eF3hI6kL9nO2qR5tU8wX1zA4cD7fG0iJ3lM'}`,
      `ci ${GITHUB} and ${SLACK}`,
      '2026-11-22T17:01:06.306Z GET /api/v1/items?id=12345 200 1534ms',
    ].join('\n');
    const whole = await lintSource({
      source: { content: tokens, filePath: '/t.txt', ext: '.txt', contentType: 'text' },
      options: {
        config: {
          rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommended }],
        },
        maskSecrets: false,
      },
    });
    const expected = new Set(
      whole.messages.map((m) => m.ruleId.replace('@secretlint/secretlint-rule-', '')),
    );
    expect(expected.size).toBeGreaterThanOrEqual(6);
    const r = new Redactor();
    const out = await r.text(tokens);
    // Everything secretlint finds, and the AWS key id alone, which only Runsheet's rules mask;
    // a password in a URL is Runsheet's url-credentials rule (the value, not the whole URL).
    expect(new Set(Object.keys(r.counts))).toEqual(
      new Set([
        ...[...expected].filter(
          (rule) => !['basicauth', 'database-connection-string'].includes(rule),
        ),
        'url-credentials',
        'aws-access-key-id',
      ]),
    );
    expect(out).toContain('DATABASE_URL=postgres://admin:[REDACTED: url-credentials]@db.internal');
    for (const m of whole.messages) expect(out).not.toContain(tokens.slice(m.range[0], m.range[1]));
    expect(out).toContain('GET /api/v1/items?id=12345 200 1534ms');
  });

  it('lets plain batches through its quick path without missing a token split between them', async () => {
    const text = [
      'plain words and a progress bar 10%\r50%\r100%',
      `ci token ${GITHUB} in the middle`,
      `and ${SLACK}`,
      'clone https://deploy:s3cr3tPassw0rd@git.example.com/ops.git',
      PEM,
      'the end of it',
    ].join('\r\n');
    const whole = await new Redactor().text(text);
    for (const size of [1, 2, 5, 13, 64, 4096]) {
      // No secrets, no patterns: the quick path is on.
      const out = await throughStream(text, size);
      expect(out, `chunks of ${size}`).toBe(whole);
    }
    expect(whole).not.toContain(GITHUB);
    expect(whole).not.toContain('s3cr3tPassw0rd');
  });

  it('sends every batch with a capital or a digit anywhere (base64 may hide a secret) past the quick path', () => {
    for (let c = 0; c < 256; c++) {
      const capitalOrDigit = /[A-Z0-9]/.test(String.fromCharCode(c));
      for (let at = 0; at < 9; at++)
        for (const offset of [0, 1, 2, 3]) {
          const bytes = Buffer.alloc(offset + 9, 'x');
          bytes[offset + at] = c;
          const batch = plainBatch(bytes.subarray(offset));
          if (capitalOrDigit) expect(batch, `byte ${c} at ${at}+${offset}`).toBeNull();
        }
    }
    expect(plainBatch(Buffer.from('plain lower-case words\n'.replace('-', ' ')))).not.toBeNull();
  });

  it('leaves ordinary output alone and does not hold it back', async () => {
    const stream = new RedactingStream(redactor());
    const line = 'copied 1204 files (3.1 GB) in 14 s\r\n';
    expect(Buffer.from(await stream.push(Buffer.from(line))).toString()).toBe(line);
    expect(Buffer.from(await stream.end()).toString()).toBe('');
  });
});
