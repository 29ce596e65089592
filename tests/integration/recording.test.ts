import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asciicast } from '../../src/core/journal/asciicast';
import { headlessRun, runsheet } from '../helpers/cli';
import { tempDir, writeFiles } from '../helpers/temp';
import { GITHUB_TOKEN as TOKEN } from '../helpers/secrets';

// `runsheet recording`: a run's terminal session as asciicast v2, played by Debian's
// asciinema. `asciinema cat` reads keys from /dev/tty, so it runs under script(1)'s
// PTY, with the PTY's own LF -> CRLF turned off so its bytes come through as played.
const RUNBOOK = [
  '# Recorded',
  '',
  '```bash {name=count}',
  'seq 1 3000',
  '```',
  '',
  '```bash {name=unicode}',
  "printf 'caf\\303'; sleep 0.2; printf '\\251 \\342\\234\\223\\n'",
  '```',
  '',
  '```bash {name=token}',
  `echo "deploy token ${TOKEN.slice(0, 10)}""${TOKEN.slice(10)}"`,
  '```',
  '',
  '```bash {name=fails}',
  'echo nope; exit 3',
  '```',
  '',
].join('\n');

const hasAsciinema = spawnSync('asciinema', ['--version']).status === 0;
let dir: ReturnType<typeof tempDir>;
let journal = '';

const cli = (args: string[]) => runsheet(args, dir.path);

beforeAll(() => {
  dir = tempDir('runsheet-recording-');
  writeFiles(dir.path, { 'recorded.md': RUNBOOK });
  const run = headlessRun(dir.path, join(dir.path, 'recorded.md'));
  expect(run.code).toBe(1); // the last step fails
  journal = run.journal;
}, 120_000);

afterAll(() => dir?.cleanup());

describe('runsheet recording', () => {
  it('writes asciicast v2 with a marker where each step starts and one with its exit status', () => {
    const cast = join(dir.path, 'run.cast');
    const r = cli(['recording', journal, '--out', cast]);
    expect(r.code, r.stderr).toBe(0);
    const [header, ...events] = readFileSync(cast, 'utf8').trimEnd().split('\n');
    const head = JSON.parse(header!) as Record<string, unknown>;
    expect(head.version).toBe(2);
    expect(head.title).toMatch(/^Recorded \(.+\)$/);
    const parsed = events.map((l) => JSON.parse(l) as [number, string, string]);
    const markers = parsed.filter((e) => e[1] === 'm').map((e) => e[2]);
    expect(markers).toEqual([
      'document/count started',
      'document/count passed, exit 0',
      'document/unicode started',
      'document/unicode passed, exit 0',
      'document/token started',
      'document/token passed, exit 0',
      'document/fails started',
      'document/fails failed, exit 3',
    ]);
    // Times from the journal, never going back; the character split across batches is whole.
    const times = parsed.map((e) => e[0]);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(
      parsed
        .filter((e) => e[1] === 'o')
        .map((e) => e[2])
        .join(''),
    ).toContain('café ✓');
    // Redacted as in the journal: the token never reaches the recording.
    const text = readFileSync(cast, 'utf8');
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(TOKEN.slice(10));
    expect(text).toContain('deploy token [REDACTED: github]');
  });

  it.skipIf(!hasAsciinema)('plays in asciinema: `asciinema cat` gives every step output', () => {
    const cast = join(dir.path, 'play.cast');
    expect(cli(['recording', journal, '--out', cast]).code).toBe(0);
    const played = spawnSync(
      'script',
      ['-q', '-e', '-c', `stty -onlcr; asciinema cat '${cast}'`, '/dev/null'],
      { encoding: 'utf8', input: '', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(played.status, played.stderr).toBe(0);
    const raw = ['count', 'unicode', 'token', 'fails']
      .map((step) => cli(['output', journal, step, '--raw']).stdout)
      .join('');
    expect(played.stdout).toBe(raw);
    expect(played.stdout).toContain('3000\r\n');
  });
});

describe("the app's replay recording (run.recording)", () => {
  it('leaves a step out past its limit, says so where, and keeps every marker', () => {
    // Output batches are written as output comes: a pause makes a second one.
    writeFiles(dir.path, {
      'slow.md':
        '# Slow\n\n```bash {name=slow}\necho early; sleep 1.5; echo late\n```\n\n```bash {name=after}\necho after\n```\n',
    });
    const run = headlessRun(dir.path, join(dir.path, 'slow.md'));
    expect(run.code).toBe(0);
    const markers: Array<{ time: number; stepId: string; text: string }> = [];
    const events = [...asciicast(run.journal, { maxStepBytes: 1, markers })]
      .join('')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as [number, string, string]);
    const text = events
      .filter(([, code]) => code === 'o')
      .map(([, , data]) => data)
      .join('');
    // The step's first batch plays; the one after the pause is left out, and a note says
    // how much, where. The next step plays as it was.
    expect(text).toMatch(
      // eslint-disable-next-line no-control-regex -- the note's own SGR codes are part of it
      /early\r\n\r\n\x1b\[2m\[6 bytes of this step's output left out of the replay; Full output has all of it\]\x1b\[0m\r\nafter\r\n/,
    );
    expect(text).not.toContain('late');
    expect(markers.map((m) => `${m.stepId} ${m.text}`)).toEqual([
      'document/slow started',
      'document/slow passed, exit 0',
      'document/after started',
      'document/after passed, exit 0',
    ]);
    expect(events.filter(([, code]) => code === 'm')).toHaveLength(markers.length);
    // Without a limit (runsheet recording), nothing is left out.
    const whole = [...asciicast(run.journal)].join('');
    expect(whole).toContain('late');
    expect(whole).not.toContain('left out of the replay');
  }, 60_000);
});
