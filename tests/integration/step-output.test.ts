import { createHash } from 'node:crypto';
import { openSync, readFileSync, readSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputPathOf } from '../../src/core/journal/reader';
import { headlessRun, runsheet } from '../helpers/cli';
import { tempDir, writeFiles } from '../helpers/temp';

// `runsheet output`: every line and byte a step printed, from the run's journal,
// however long (the log and `run --json` keep a tail). Real shells in a real PTY,
// through the built CLI.
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

/** base64 of this many zero bytes: 100,000,000 characters in 1,315,790 lines of 76. */
const ZEROS = 75_000_000;

const RUNBOOK = [
  '# Long output',
  '',
  '```bash {name=count}',
  'seq 1 200000',
  '```',
  '',
  '```bash {name=progress}',
  "for i in 1 2 3; do printf '\\r%d%%' $((i*33)); done; echo; echo done",
  '```',
  '',
  '```bash {name=flood}',
  `head -c ${ZEROS} /dev/zero | base64`,
  '```',
  '',
].join('\n');

let dir: ReturnType<typeof tempDir>;
let journal = '';
let runId = '';

const cli = (args: string[]) => runsheet(args, dir.path);
const cliBytes = (args: string[]) => runsheet(args, dir.path, 'buffer');

beforeAll(() => {
  dir = tempDir('runsheet-output-');
  writeFiles(dir.path, { 'long.md': RUNBOOK });
  const run = headlessRun(dir.path, join(dir.path, 'long.md'));
  expect(run.code).toBe(0);
  journal = run.journal;
  runId = run.runId;
  // What `run --json` gives is a tail: the whole is only in the journal.
  expect(String(run.steps[0]!.output).startsWith('1\n')).toBe(false);
}, 180_000);

afterAll(() => dir?.cleanup());

describe('runsheet output', () => {
  it('gives every line of a 200,000-line step, by run id and step name', () => {
    const out = cli(['output', runId, 'count', '--data-dir', join(dir.path, 'data')]);
    expect(out.code, out.stderr).toBe(0);
    const expected = Array.from({ length: 200_000 }, (_, i) => String(i + 1)).join('\n') + '\n';
    expect(String(out.stdout).split('\n')).toHaveLength(200_001);
    expect(sha(String(out.stdout))).toBe(sha(expected));
  });

  it('gives a 100 MB step whole: the text as printed, and with --raw the exact bytes', () => {
    const expected = Buffer.alloc(ZEROS)
      .toString('base64')
      .replace(/.{76}/g, '$&\n')
      .replace(/\n?$/, '\n');
    const text = cliBytes(['output', journal, 'flood']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.length).toBe(expected.length);
    expect(sha(text.stdout)).toBe(sha(expected));
    // The terminal's own bytes: the PTY turned each LF into CRLF.
    const raw = cliBytes(['output', journal, 'flood', '--raw']);
    expect(raw.code, raw.stderr).toBe(0);
    expect(sha(raw.stdout)).toBe(sha(expected.replace(/\n/g, '\r\n')));
  }, 120_000);

  it('renders a progress bar as it was last seen, and --raw keeps its carriage returns', () => {
    const text = cli(['output', journal, 'progress']);
    expect(text.stdout).toBe('99%\ndone\n');
    const raw = cli(['output', journal, 'progress', '--raw']);
    expect(raw.stdout).toBe('\r33%\r66%\r99%\r\ndone\r\n');
  });

  it('names the steps it has when asked for one it has not, and exits 2', () => {
    const out = cli(['output', journal, 'nope']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /no output of a step "nope"; steps with output: .*\(count\).*\(flood\)/,
    );
  });

  it('refuses bytes changed in the output file, naming the file and range', () => {
    const path = outputPathOf(journal);
    const fd = openSync(path, 'r+');
    try {
      // One byte of the progress step's output (the count step's 1.3 MB come first).
      const at = readFileSync(path).indexOf('66%');
      const byte = Buffer.alloc(1);
      readSync(fd, byte, 0, 1, at);
      writeSync(fd, Buffer.from('7'), 0, 1, at);
      const out = cli(['output', journal, 'progress']);
      expect(out.code).toBe(2);
      expect(out.stderr).toMatch(/\.out: bytes \d+\.\.\d+ were changed or are missing/);
      writeSync(fd, byte, 0, 1, at);
    } finally {
      closeSync(fd);
    }
    expect(cli(['output', journal, 'progress']).code).toBe(0);
  });
});
