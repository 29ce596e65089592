import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coreOn } from '../helpers/harness';
import { headlessRun, runsheet } from '../helpers/cli';
import { GITHUB_TOKEN } from '../helpers/secrets';
import { tempDir, waitFor, writeFiles } from '../helpers/temp';

// A step's output longer than the log keeps: the log says how much it cut and names a
// file beside it with all of it, as the terminal showed it. Real runs through the
// built CLI (and the core in process), real shells in a real PTY.
const sha = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const SEQ = Array.from({ length: 200_000 }, (_, i) => String(i + 1)).join('\n') + '\n';

const RUNBOOK = [
  '# Steps that print a lot',
  '',
  '```bash {name=count}',
  'seq 1 200000',
  '```',
  '',
  '```bash {name=secret}',
  `echo "token ${GITHUB_TOKEN}"; seq 1 50000; echo "again ${GITHUB_TOKEN}"`,
  '```',
  '',
  '```bash {name=small}',
  'echo hello',
  '```',
  '',
].join('\n');

/** The log's note and text for one step's output (the <details> after its heading). */
function outputOf(log: string, name: string): { note: string | null; text: string } {
  const at = log.indexOf(`**${name}**`);
  expect(at, `step ${name} in the log`).toBeGreaterThanOrEqual(0);
  const block = log.slice(at, log.indexOf('</details>', at));
  const note = /^ {2}(Cut: .*)$/m.exec(block)?.[1] ?? null;
  const fence = /^ {2}(`{3,})text\n([\s\S]*?)\n {2}\1$/m.exec(
    block.slice(block.indexOf('<details>')),
  );
  const text = fence![2]!
    .split('\n')
    .map((l) => l.slice(2))
    .join('\n');
  return { note, text: `${text}\n` };
}

describe('output files beside the log', () => {
  let dir: ReturnType<typeof tempDir>;
  let runId = '';
  let logPath = '';
  let log = '';
  const logs = () => join(dir.path, 'logs');

  beforeAll(() => {
    dir = tempDir('runsheet-output-files-');
    writeFiles(dir.path, { 'long.md': RUNBOOK });
    const run = headlessRun(dir.path, join(dir.path, 'long.md'));
    expect(run.code).toBe(0);
    runId = run.runId;
    const name = readdirSync(logs()).find((f) => f.endsWith('.md'))!;
    logPath = join(logs(), name);
    log = readFileSync(logPath, 'utf8');
  }, 180_000);

  afterAll(() => dir?.cleanup());

  const stepIdOf = (name: string) => {
    const line = log
      .split('\n')
      .find((l) => l.includes(`\`runsheet output ${runId} `) && l.includes(`/${name}`));
    return /`runsheet output \S+ (\S+)`/.exec(line ?? '')?.[1];
  };

  it('says exactly how much of a 200,000-line step it cut, and names the file with all of it', () => {
    const { note, text } = outputOf(log, 'count');
    const stepId = stepIdOf('count')!;
    expect(stepId).toBeTruthy();
    const file = `${basename(logPath, '.md')}.output/${stepId.replace(/\//g, '.')}.txt`;
    // What the log shows is the end of the output, whole lines.
    expect(SEQ.endsWith(text)).toBe(true);
    expect(text.startsWith('\n')).toBe(false);
    expect(SEQ[SEQ.length - text.length - 1]).toBe('\n');
    const shownLines = text.split('\n').length - 1;
    expect(note).toBe(
      `Cut: the first ${SEQ.length - text.length} characters (${200_000 - shownLines} lines) of ${SEQ.length} (200000 lines); ` +
        `the log keeps the last ${text.length}. All of it is in \`${file}\` beside this log, ` +
        `and \`runsheet output ${runId} ${stepId}\` prints it from the journal.`,
    );
    const whole = readFileSync(join(logs(), file), 'utf8');
    expect(whole.split('\n')).toHaveLength(200_001);
    expect(sha(whole)).toBe(sha(SEQ));
    // The CLI fallback prints the same text.
    const out = runsheet(['output', runId, stepId, '--data-dir', join(dir.path, 'data')], dir.path);
    expect(sha(String(out.stdout))).toBe(sha(SEQ));
  });

  it('keeps a redacted secret redacted in the file', () => {
    const stepId = stepIdOf('secret')!;
    const file = join(
      logs(),
      `${basename(logPath, '.md')}.output/${stepId.replace(/\//g, '.')}.txt`,
    );
    const whole = readFileSync(file, 'utf8');
    expect(whole).not.toContain(GITHUB_TOKEN);
    expect(whole.startsWith('token [REDACTED: github]\n1\n2\n')).toBe(true);
    expect(whole.endsWith('50000\nagain [REDACTED: github]\n')).toBe(true);
    expect(log).not.toContain(GITHUB_TOKEN);
  });

  it('writes no file for a step the log shows whole', () => {
    const { note, text } = outputOf(log, 'small');
    expect(note).toBeNull();
    expect(text).toBe('hello\n');
    const files = readdirSync(join(logs(), `${basename(logPath, '.md')}.output`));
    expect(files.sort()).toEqual(
      [stepIdOf('count'), stepIdOf('secret')].map((id) => `${id!.replace(/\//g, '.')}.txt`).sort(),
    );
  });

  it('keeps naming the file when the finished run is edited, and an export reads it', async () => {
    const { core, api } = coreOn(dir.path, {
      dataDir: join(dir.path, 'data'),
      logDir: logs(),
    });
    try {
      await api.call('run.setFields', { runId, issues: 'Counted twice' });
      const edited = readFileSync(logPath, 'utf8');
      expect(edited).toContain('- Issues: Counted twice');
      expect(outputOf(edited, 'count')).toEqual(outputOf(log, 'count'));
      expect(outputOf(edited, 'secret')).toEqual(outputOf(log, 'secret'));
      const md = await api.call('run.export', { runId, format: 'md' });
      expect(outputOf(md.content, 'count')).toEqual(outputOf(log, 'count'));
    } finally {
      core.dispose();
    }
  });

  it('makes a missing file again when the run is exported, and the exports say what they cut', () => {
    const folder = join(logs(), `${basename(logPath, '.md')}.output`);
    rmSync(folder, { recursive: true });
    const md = runsheet(
      ['export', runId, '--data-dir', join(dir.path, 'data'), '--workspace', dir.path],
      dir.path,
    );
    expect(md.code, md.stderr).toBe(0);
    const stepId = stepIdOf('count')!;
    const file = join(folder, `${stepId.replace(/\//g, '.')}.txt`);
    expect(sha(readFileSync(file))).toBe(sha(SEQ));
    expect(outputOf(String(md.stdout), 'count')).toEqual(outputOf(log, 'count'));
    const json = runsheet(
      [
        'export',
        runId,
        '--format',
        'json',
        '--data-dir',
        join(dir.path, 'data'),
        '--workspace',
        dir.path,
      ],
      dir.path,
    );
    const steps = (JSON.parse(String(json.stdout)) as { steps: Array<Record<string, unknown>> })
      .steps;
    const count = steps.find((s) => s.id === stepId)!;
    const { text } = outputOf(log, 'count');
    expect(count.output).toBe(text);
    expect(count.outputCut).toEqual({
      chars: SEQ.length - text.length,
      lines: 200_000 - (text.split('\n').length - 1),
      totalChars: SEQ.length,
      totalLines: 200_000,
      file: `${basename(logPath, '.md')}.output/${stepId.replace(/\//g, '.')}.txt`,
      command: `runsheet output ${runId} ${stepId}`,
    });
    expect(steps.find((s) => s.name === 'small')!.outputCut).toBeNull();
  });
});

describe('an output file that cannot be written', () => {
  it('does not stop the run, and the log says why instead of naming a file', async () => {
    const dir = tempDir('runsheet-output-fault-');
    writeFiles(dir.path, { 'long.md': RUNBOOK });
    const { core, api, latest } = coreOn(dir.path);
    try {
      const run = await api.call('run.start', { runbookId: 'long.md' });
      // A file where the output folder goes: nothing can be written in it.
      writeFileSync(
        join(dirname(run.logPath), `${basename(run.logPath, '.md')}.output`),
        'in the way',
      );
      const { runbook } = await api.call('runbook.open', { runbookId: 'long.md' });
      const [count, , small] = runbook.steps;
      await api.call('run.execute', { runId: run.id, stepId: count!.id });
      await waitFor('the step', () => latest()?.steps[count!.id]?.status === 'passed', 60_000);
      // The run goes on: the next step runs.
      await api.call('run.execute', { runId: run.id, stepId: small!.id });
      await waitFor('the next step', () => latest()?.steps[small!.id]?.status === 'passed', 20_000);
      const finished = await api.call('run.finish', { runId: run.id });
      expect(finished.storageFault ?? null).toBeNull();
      const log = readFileSync(run.logPath, 'utf8');
      const { note } = outputOf(log, 'count');
      expect(note).toMatch(
        /^Cut: the log keeps the last \d+ characters of this step's output \(\d+ bytes in the journal\)\. Its whole text could not be written to `[^`]+` beside this log \(.+\); `runsheet output /,
      );
      expect(note).not.toContain('All of it is in');
    } finally {
      core.dispose();
      dir.cleanup();
    }
  }, 90_000);
});
