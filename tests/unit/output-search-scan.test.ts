import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalWriter } from '../../src/core/journal/writer';
import { coreOn } from '../helpers/harness';
import { tempDir } from '../helpers/temp';
import { random } from '../helpers/random';

const NEEDLE = 'Zq-Marker';

/**
 * Lines of letters (every case, and bytes around A-Z and a-z that must not fold),
 * short and long (past the scan's 64 KiB line limit), with the needle in some in
 * random case: the output of two hosts, with the lines that hold it by number.
 */
function output(next: () => number, lines: number): { text: string; hits: number[] } {
  const alphabet = 'abcxyzABCXYZ@[`{ 0189-_.';
  const out: string[] = [];
  const hits: number[] = [];
  for (let n = 1; n <= lines; n++) {
    const long = next() < 0.002;
    const length = long ? 70_000 + Math.floor(next() * 70_000) : Math.floor(next() * 120);
    let line = '';
    for (let i = 0; i < length; i++) line += alphabet[Math.floor(next() * alphabet.length)];
    if (next() < 0.01) {
      const cased = [...NEEDLE].map((c) => (next() < 0.5 ? c.toLowerCase() : c.toUpperCase()));
      const at = Math.floor(next() * (line.length + 1));
      line = line.slice(0, at) + cased.join('') + line.slice(at);
    }
    if (line.toLowerCase().includes(NEEDLE.toLowerCase())) hits.push(n);
    out.push(line);
  }
  return { text: out.join('\n') + '\n', hits };
}

describe('output search: the byte scan against a plain line-by-line search', () => {
  let dir: ReturnType<typeof tempDir>;
  afterEach(() => dir?.cleanup());

  it('finds every line with the text, numbered, across windows, batches and hosts', async () => {
    dir = tempDir('runsheet-scan-');
    const journals = join(dir.path, '.data', 'journals');
    mkdirSync(journals, { recursive: true });
    const next = random(15);
    const hosts = { 'web-1': output(next, 40_000), 'web-2': output(next, 30_000) };
    const journal = new JournalWriter(join(journals, 'scan-run-0001.jsonl'));
    journal.append({
      type: 'run.started',
      runId: 'scan-run-0001',
      runbookId: 'scan.md',
      runbookTitle: 'Scan',
      runbookPath: '/srv/scan.md',
      maintainer: 'Ada',
      host: 'here',
      environment: 'staging',
      rehearsal: null,
      runbookCommit: null,
      logPath: '/srv/scan.log.md',
    });
    journal.append({
      type: 'step.started',
      stepId: 'scan',
      host: 'pair',
      user: 'root',
      hostKey: null,
      code: 'scan',
    });
    // Batches of random sizes (cutting lines and the needle anywhere), the hosts interleaved.
    const bytes = Object.fromEntries(
      Object.entries(hosts).map(([h, o]) => [h, { data: Buffer.from(o.text), at: 0 }]),
    );
    while (Object.values(bytes).some((b) => b.at < b.data.length))
      for (const [host, b] of Object.entries(bytes)) {
        if (b.at >= b.data.length) continue;
        const size = 1 + Math.floor(next() * (next() < 0.1 ? 3_000_000 : 5_000));
        journal.appendOutput('scan', [b.data.subarray(b.at, b.at + size)], host);
        b.at += size;
      }
    journal.append({ type: 'run.finished' });
    journal.close();

    const { core, api } = coreOn(dir.path);
    try {
      const found = await api.call('history.searchOutput', { text: NEEDLE, limit: 1000 });
      expect(found.more).toBe(false);
      for (const [host, o] of Object.entries(hosts)) {
        expect(o.hits.length).toBeGreaterThan(100);
        expect(found.hits.filter((h) => h.host === host).map((h) => h.line)).toEqual(o.hits);
      }
      for (const h of found.hits)
        expect(h.text.slice(h.start, h.end).toLowerCase()).toBe(NEEDLE.toLowerCase());
      // Case as typed: only the lines with it so.
      const exact = await api.call('history.searchOutput', {
        text: NEEDLE,
        caseSensitive: true,
        limit: 1000,
      });
      for (const [host, o] of Object.entries(hosts))
        expect(exact.hits.filter((h) => h.host === host).map((h) => h.line)).toEqual(
          o.text
            .split('\n')
            .flatMap((l, i) => (l.includes(NEEDLE) ? [i + 1] : []))
            .filter((n) => o.hits.includes(n)),
        );
    } finally {
      core.dispose();
    }
  }, 120_000);
});
