import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../../src/shared/runbook/parse';
import { substitutePlaceholders } from '../../src/shared/runbook/placeholders';
import type { Runbook, Step } from '../../src/shared/model';

// An adversarial corpus (tests/fixtures/corpus): each file covers one awkward case and the
// expectations below state how a runbook *should* read, as written by hand from the product
// issue, not copied from the parser's output. Most fixtures sit inside a prettier-ignore range
// so `prettier --write .` keeps them byte for byte; the few a formatter would still rewrite
// (CRLF, no final newline, unclosed fences) are guarded by the "stored as written" tests.

const DIR = join(__dirname, '../fixtures/corpus');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.md'))
  .sort();
const raw = (name: string) => readFileSync(join(DIR, name), 'utf8');
const load = (name: string) => parseRunbook(raw(name));

/** checks: check items; runnable: steps that would run; shown: blocks shown but never run. */
function counts(rb: Runbook) {
  return {
    steps: rb.steps.length,
    checks: rb.steps.filter((s) => s.kind === 'check').length,
    runnable: rb.steps.filter((s) => s.runnable).length,
    shown: rb.steps.filter((s) => s.source !== null && !s.runnable).length,
  };
}

const warning = (line: number, text: string, severity: 'warning' | 'error' = 'warning') => ({
  line,
  message: expect.stringContaining(text),
  severity,
});
const NO_LANGUAGE = 'code block has no language';

/** The steps of one section, in order. */
const inSection = (rb: Runbook, sectionId: string) =>
  rb.steps.filter((s) => s.section === sectionId);

/** The only step of a section. */
function onlyStep(rb: Runbook, sectionId: string): Step {
  const steps = inSection(rb, sectionId);
  expect(steps, `steps in section ${sectionId}`).toHaveLength(1);
  return steps[0]!;
}

describe('corpus: every file', () => {
  it('has at least 16 runbooks, each opening with a one-line "Covers:" comment', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(16);
    for (const name of FILES) {
      const lines = raw(name).split(/\r?\n/);
      const cover = lines[0] === '---' ? lines[1] : lines[0];
      expect(cover, name).toMatch(/^(<!-- Covers: .+ -->|# Covers: .+)$/);
    }
  });

  it.each(FILES)(
    '%s: parses without throwing; warnings sorted, on real lines; step ids unique',
    (name) => {
      const source = raw(name);
      const rb = parseRunbook(source);
      const lineCount = source.split(/\r?\n/).length;
      const lines = rb.warnings.map((w) => w.line);
      expect(lines).toEqual([...lines].sort((a, b) => a - b));
      for (const w of rb.warnings) {
        expect(w.line).toBeGreaterThanOrEqual(1);
        expect(w.line).toBeLessThanOrEqual(lineCount);
      }
      for (const s of rb.steps) {
        expect(s.line).toBeGreaterThanOrEqual(1);
        expect(s.line).toBeLessThanOrEqual(lineCount);
      }
      const ids = rb.steps.map((s) => s.id);
      expect(new Set(ids).size).toBe(ids.length);
    },
  );

  it.each(FILES)('%s: blocks list every step exactly once, by its final id', (name) => {
    const rb = load(name);
    const listed = rb.blocks.flatMap((b) => (b.kind === 'step' ? [b.stepId] : []));
    expect(listed).toEqual(rb.steps.map((s) => s.id));
  });
});

describe('fixtures a formatter would rewrite are stored as written', () => {
  it('01 keeps CRLF on every line and its tabs', () => {
    const source = raw('01-crlf-line-ends-and-tabs.md');
    const lines = source.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.every((l) => l.endsWith('\r'))).toBe(true);
    expect(source).toContain('-\t[ ] Tab after the marker');
    expect(source).toContain('\techo "up"');
  });

  it('02 has no final newline', () => {
    expect(raw('02-no-final-newline.md').endsWith('\n```')).toBe(true);
  });

  it.each(['19-unclosed-fence-before-heading.md', '21-unclosed-fence-at-eof.md'])(
    '%s still has its one unclosed fence',
    (name) => {
      const fences = raw(name)
        .split('\n')
        .filter((l) => l.startsWith('```'));
      expect(fences).toHaveLength(1);
    },
  );
});

describe('01-crlf-line-ends-and-tabs.md', () => {
  const rb = load('01-crlf-line-ends-and-tabs.md');

  it('reads CRLF lines as single lines and tabs as whitespace', () => {
    expect(rb.title).toBe('CRLF runbook');
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 5, checks: 4, runnable: 1, shown: 0 });
    expect(rb.sections.map((s) => [s.title, s.line])).toEqual([
      ['CRLF runbook', 5],
      ['Checks', 7],
      ['Commands', 14],
    ]);
    const checks = rb.steps.filter((s) => s.kind === 'check');
    expect(checks.map((s) => [s.text, s.checked, s.line])).toEqual([
      ['First item', false, 9],
      ['Tab after the marker', false, 10],
      ['Tab between box and text', false, 11],
      ['Done already', true, 12],
    ]);
    const command = onlyStep(rb, 'commands');
    expect(command).toMatchObject({
      kind: 'command',
      line: 18,
      lang: 'bash',
      runnable: true,
      text: 'Restart the service and report',
      code: 'systemctl restart app\nif systemctl is-active --quiet app; then\n\techo "up"\nfi\n',
    });
    expect(command.source).toBe(command.code);
    expect(JSON.stringify(rb)).not.toContain('\\r');
  });
});

describe('02-no-final-newline.md', () => {
  it('closes the last fence at end of file without a newline', () => {
    const rb = load('02-no-final-newline.md');
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 2, checks: 1, runnable: 1, shown: 0 });
    expect(rb.steps.map((s) => [s.kind, s.line, s.code])).toEqual([
      ['check', 5, null],
      ['command', 7, 'df -h /\n'],
    ]);
    expect(rb.steps[0]!.text).toBe('Look at the disk');
  });
});

describe('03-check-item-markers.md', () => {
  it('reads -, *, +, 1. and 3) boxes; [x]/[X] start checked; look-alikes are not items', () => {
    const rb = load('03-check-item-markers.md');
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 6, checks: 6, runnable: 0, shown: 0 });
    expect(rb.steps.map((s) => [s.section, s.text, s.checked, s.line, s.depth])).toEqual([
      ['bullets', 'Dash item', false, 9, 0],
      ['bullets', 'Star item', false, 10, 0],
      ['bullets', 'Plus item', false, 11, 0],
      ['ordered', 'First numbered', false, 15, 0],
      ['ordered', 'Second numbered, done', true, 16, 0],
      ['ordered', 'Third with a paren marker, done', true, 17, 0],
    ]);
    expect(inSection(rb, 'look-alikes')).toEqual([]);
  });
});

describe('04-nested-and-wrapped-items.md', () => {
  it('gives nested items their depth and joins wrapped and lazy lines into one text', () => {
    const rb = load('04-nested-and-wrapped-items.md');
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 7, checks: 7, runnable: 0, shown: 0 });
    expect(rb.steps.map((s) => [s.text, s.depth, s.checked, s.line])).toEqual([
      ['Parent item whose text wraps onto a second line and a third.', 0, false, 7],
      ['Child item', 1, false, 10],
      ['Grandchild item, done', 2, true, 11],
      ['Second child with a lazy continuation line', 1, false, 12],
      ['Back at top level', 0, false, 14],
      ['Numbered child', 1, false, 15],
      ['Child of a plain bullet', 1, false, 17],
    ]);
  });
});

describe('05-check-item-with-code.md', () => {
  const rb = load('05-check-item-with-code.md');

  it('makes a check item and the block under it one check step with code', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 6, checks: 5, runnable: 5, shown: 0 });
    const checks = rb.steps.filter((s) => s.kind === 'check');
    expect(checks.map((s) => [s.text, s.line, s.depth, s.checked, s.lang, s.code])).toEqual([
      ['Drain the node:', 9, 0, false, 'bash', 'kubectl drain node-1 --ignore-daemonsets\n'],
      ['Already cordoned', 15, 0, true, 'sh', 'kubectl cordon node-1\n'],
      ['Parent with a nested list', 19, 0, false, null, null],
      ['Child with code', 20, 1, false, 'bash', 'echo child\n'],
      ['Item with two blocks', 24, 0, false, 'bash', 'echo first\n'],
    ]);
    expect(checks.map((s) => s.runnable)).toEqual([true, true, false, true, true]);
  });

  it('does not also list an attached block as a command; a second block is its own step', () => {
    const commands = rb.steps.filter((s) => s.kind === 'command');
    expect(commands.map((s) => [s.code, s.runnable])).toEqual([['echo second\n', true]]);
  });
});

describe('06-fences-tilde-and-indented.md', () => {
  const rb = load('06-fences-tilde-and-indented.md');

  it('reads ``` and ~~~ fences, nested fences, and fenced or indented code in list items', () => {
    expect(counts(rb)).toEqual({ steps: 7, checks: 1, runnable: 6, shown: 1 });
    expect(rb.steps.map((s) => [s.line, s.lang, s.runnable, s.code])).toEqual([
      [9, 'bash', true, 'echo backticks\n'],
      [13, 'bash', true, 'echo tildes\n'],
      [17, 'markdown', false, '```bash\necho shown, never run\n```\n'],
      [23, 'sh', true, 'printf \'%s\\n\' "a line with ``` inside tildes"\n'],
      [31, 'bash', true, 'mkdir -p /tmp/work\n'],
      [37, null, true, 'cd /tmp/work\nls -la\n'],
      [40, null, true, 'echo indented-in-check\n'],
    ]);
    const check = rb.steps.find((s) => s.kind === 'check')!;
    expect(check.text).toBe('Check with indented code:');
    // Both unlabeled (indented) blocks read as shell: each gets a warning on its own line.
    expect(rb.warnings).toEqual([warning(37, NO_LANGUAGE), warning(42, NO_LANGUAGE)]);
  });

  it('keeps an ordered item as "1." prose and labels its block with the item text', () => {
    const prose = rb.blocks.flatMap((b) => (b.kind === 'prose' ? [b.markdown] : []));
    expect(prose).toContain('1. Prepare the workspace:');
    expect(prose).toContain('2. List it (an indented code block):');
    expect(rb.steps[4]!.text).toBe('Prepare the workspace');
    expect(rb.steps[5]!.text).toBe('List it (an indented code block)');
  });
});

describe('07-unlabeled-shell-vs-data.md', () => {
  it('runs unlabeled shell (with a warning) and never runs data, tables, kubectl output or logs', () => {
    const rb = load('07-unlabeled-shell-vs-data.md');
    expect(counts(rb)).toEqual({ steps: 6, checks: 0, runnable: 2, shown: 4 });
    expect(rb.steps.map((s) => [s.section, s.lang, s.runnable])).toEqual([
      ['shell', null, true],
      ['key-value-data', null, false],
      ['a-table', null, false],
      ['kubectl-output', null, false],
      ['log-lines', null, false],
      ['transcript-without-a-label', null, true],
    ]);
    expect(onlyStep(rb, 'shell').code).toBe(
      'sudo systemctl restart nginx\ncurl -fsS http://localhost/healthz\n',
    );
    const kubectl = onlyStep(rb, 'kubectl-output');
    expect(kubectl.code).toBe(kubectl.source);
    expect(kubectl.placeholders).toEqual([]);
    expect(onlyStep(rb, 'transcript-without-a-label')).toMatchObject({
      code: 'uptime\n',
      expectedOutput: ' 12:00:00 up 3 days',
    });
    expect(rb.warnings).toEqual([warning(9, NO_LANGUAGE), warning(46, NO_LANGUAGE)]);
  });
});

describe('08-non-shell-langs-and-interpreter.md', () => {
  it('shows yaml/json/sql/python/ini/text without running them, unless interpreter= is set', () => {
    const rb = load('08-non-shell-langs-and-interpreter.md');
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 9, checks: 0, runnable: 2, shown: 7 });
    expect(rb.steps.map((s) => [s.lang, s.runnable, s.attrs])).toEqual([
      ['yaml', false, {}],
      ['json', false, {}],
      ['sql', false, {}],
      ['python', false, {}],
      ['ini', false, {}],
      ['text', false, {}],
      ['yaml', false, {}],
      ['python', true, { interpreter: 'python3' }],
      ['sql', true, { interpreter: 'psql -X -d app' }],
    ]);
    // A `$ ` line in a text block is not a transcript: shown exactly as written.
    expect(rb.steps[5]).toMatchObject({
      code: '$ echo this is a sample, not a command\n',
      expectedOutput: null,
    });
    expect(rb.steps[8]!.code).toBe('DELETE FROM locks WHERE id = <lock_id>;\n');
    expect(rb.steps[8]!.placeholders).toEqual([
      { name: 'lock_id', tokens: ['<lock_id>'], example: null },
    ]);
  });
});

describe('09-prose-info-string.md', () => {
  it('judges a block with a prose info string by its content, with one warning each', () => {
    const rb = load('09-prose-info-string.md');
    expect(counts(rb)).toEqual({ steps: 2, checks: 0, runnable: 1, shown: 1 });
    expect(rb.steps.map((s) => [s.line, s.lang, s.runnable, s.code])).toEqual([
      [7, null, true, 'sudo systemctl restart app\n'],
      [11, null, false, 'Status: active\nSince: Mon 2024-05-06\n'],
    ]);
    expect(rb.warnings).toEqual([
      warning(7, '"Execute this command." is prose'),
      warning(11, '"Sample output below" is prose'),
    ]);
  });
});

describe('10-transcripts.md', () => {
  const rb = load('10-transcripts.md');
  const read = (section: string) => {
    const s = onlyStep(rb, section);
    return { code: s.code, out: s.expectedOutput, runnable: s.runnable };
  };

  it('strips prompts into code and keeps output lines as expected output', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 9, checks: 0, runnable: 8, shown: 1 });
    expect(read('two-commands-with-output')).toEqual({
      code: 'kubectl get pods\necho done\n',
      out: 'NAME    READY   STATUS\nweb-1   1/1     Running\ndone',
      runnable: true,
    });
    expect(read('backslash-continuation')).toEqual({
      code: 'docker run --rm \\\n    -e MODE=check \\\n    alpine:3 echo ok\n',
      out: 'ok',
      runnable: true,
    });
    expect(read('ps2-continuation')).toEqual({
      code: 'echo "first line\nsecond line"\n',
      out: 'first line\nsecond line',
      runnable: true,
    });
    expect(read('user-and-host-prompt')).toEqual({
      code: 'uptime\n',
      out: ' 10:00:00 up 5 days',
      runnable: true,
    });
    expect(read('prompts-in-a-bash-block')).toEqual({
      code: 'df -h /\n',
      out: 'Filesystem  Size\n/dev/sda1   50G',
      runnable: true,
    });
  });

  it('reads "# cmd" as a root prompt in console blocks only', () => {
    expect(read('root-prompt')).toEqual({
      code: 'systemctl restart nginx\nsystemctl is-active nginx\n',
      out: 'active',
      runnable: true,
    });
    expect(read('comment-in-bash')).toEqual({
      code: '# restart the web tier\nsystemctl restart nginx\n',
      out: null,
      runnable: true,
    });
  });

  it('does not run a console block that is only output', () => {
    const s = onlyStep(rb, 'output-only');
    expect(s.runnable).toBe(false);
    expect(s.code).toBe('Active: active (running) since Mon 2024-05-06\n');
  });

  it('does not read a line starting with $VAR as a "$ " prompt', () => {
    expect(read('a-line-that-starts-with-a-variable')).toEqual({
      code: '$HOME/bin/deploy.sh --check\n',
      out: null,
      runnable: true,
    });
  });
});

describe('11-heredocs.md', () => {
  it('keeps heredocs byte for byte, in plain, quoted, dash, list-item and transcript forms', () => {
    const rb = load('11-heredocs.md');
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 5, checks: 1, runnable: 5, shown: 0 });
    expect(onlyStep(rb, 'plain').code).toBe(
      'cat <<EOF > /etc/app.conf\nport=8080\n  indented=kept\n\nEOF\n',
    );
    expect(onlyStep(rb, 'quoted').code).toBe(
      'cat <<\'EOF\' > /usr/local/bin/report\n#!/bin/sh\necho "$(hostname) \\$1"\nEOF\n',
    );
    expect(onlyStep(rb, 'dash').code).toBe(
      'if true; then\n\tcat <<-EOF\n\t\ttab indented body\n\tEOF\nfi\n',
    );
    const item = onlyStep(rb, 'in-a-list-item');
    expect(item).toMatchObject({ kind: 'check', line: 38, text: 'Write the values file:' });
    expect(item.code).toBe("cat <<'EOF' > /tmp/values.yaml\nkey: value\n\n  nested: true\nEOF\n");
    expect(onlyStep(rb, 'in-a-transcript')).toMatchObject({
      code: 'cat <<EOF > /tmp/motd\nWelcome\nEOF\ncat /tmp/motd\n',
      expectedOutput: 'Welcome',
    });
    // <<EOF and <<'EOF' are never placeholders.
    expect(rb.steps.flatMap((s) => s.placeholders)).toEqual([]);
  });
});

describe('12-placeholders.md', () => {
  const rb = load('12-placeholders.md');
  const real = onlyStep(rb, 'real-placeholders');

  it('finds <pod-name>, <namespace>, <lock_id>, <node name>, YOUR_API_KEY and CHANGEME', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 3, checks: 0, runnable: 2, shown: 1 });
    expect(real.placeholders.filter((p) => !p.tokens[0]!.startsWith('['))).toEqual([
      { name: 'pod-name', tokens: ['<pod-name>'], example: null },
      { name: 'namespace', tokens: ['<namespace>'], example: null },
      { name: 'lock_id', tokens: ['<lock_id>'], example: null },
      { name: 'node name', tokens: ['<node name>'], example: null },
      { name: 'YOUR_API_KEY', tokens: ['YOUR_API_KEY'], example: null },
      { name: 'CHANGEME', tokens: ['CHANGEME'], example: null },
    ]);
  });

  it('reads [replace with X e.g. Y] as placeholder X with example Y', () => {
    expect(real.placeholders.filter((p) => p.tokens[0]!.startsWith('['))).toEqual([
      { name: 'region', tokens: ['[replace with region e.g. eu-west-1]'], example: 'eu-west-1' },
    ]);
  });

  it('ignores <<EOF, < file, 2>&1, $VAR, ${VAR}, $(cmd), <(cmd), templates and HTML tags', () => {
    const looks = onlyStep(rb, 'look-alikes');
    expect(looks.runnable).toBe(true);
    expect(looks.placeholders).toEqual([]);
    // ${RELEASE} is an environment variable to offer, not a placeholder; $HOME is the shell's.
    expect(looks.env).toEqual(['RELEASE']);
    expect(onlyStep(rb, 'shown-not-run').placeholders).toEqual([]);
  });
});

describe('13-env-vars.md', () => {
  const rb = load('13-env-vars.md');
  const env = (section: string) => inSection(rb, section).map((s) => s.env);

  it('offers $VARs no earlier step sets, and not those an earlier step exports or assigns', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 9, checks: 0, runnable: 8, shown: 1 });
    expect(env('read-before-it-is-set')).toEqual([['LATER_VAR']]);
    expect(env('set-up')).toEqual([[]]);
    expect(env('use')).toEqual([['DEPLOYMENT', 'CLUSTER_NAME']]);
    expect(env('set-and-read-in-one-step')).toEqual([['API_HOST']]);
    // A text block is never run, so its export sets nothing.
    expect(env('shown-not-run')).toEqual([[], ['SHOWN_ONLY']]);
  });

  it('treats `read -r NAME` as setting NAME', () => {
    expect(env('read-into-a-variable')).toEqual([[]]);
  });

  it('does not offer an escaped \\$NAME', () => {
    expect(env('escaped-dollar')).toEqual([[]]);
  });

  it("does not offer $NAME inside a quoted <<'EOF' heredoc (the shell never expands it)", () => {
    expect(env('quoted-heredoc')).toEqual([[]]);
  });
});

describe('14-fence-attributes.md', () => {
  const rb = load('14-fence-attributes.md');

  it('reads key=value and JSON attributes with their types', () => {
    expect(counts(rb)).toEqual({ steps: 7, checks: 0, runnable: 7, shown: 0 });
    const restart = onlyStep(rb, 'restart');
    expect(restart.attrs).toEqual({
      name: 'restart',
      confirm: true,
      timeout: 30_000,
      interactive: false,
    });
    expect(restart.id).toBe('restart/restart');
    expect(restart.text).toBe('restart');
    expect(onlyStep(rb, 'json-form')).toMatchObject({
      lang: 'sh',
      attrs: { name: 'x', confirm: true },
      code: 'echo json\n',
    });
    expect(onlyStep(rb, 'more-types').attrs).toEqual({
      name: 'long running',
      hosts: ['web1', 'web2'],
      timeout: 5_400_000,
      excludeFromRunAll: true,
      background: true,
    });
    expect(onlyStep(rb, 'unknown-attribute').attrs).toEqual({ name: 'check' });
    expect(onlyStep(rb, 'invalid-values').attrs).toEqual({});
    expect(onlyStep(rb, 'broken-json').attrs).toEqual({});
    const duplicate = onlyStep(rb, 'duplicate');
    expect(duplicate.attrs).toEqual({ name: 'restart' });
    expect(duplicate.id).not.toBe(restart.id);
  });

  it('stops the steps of unknown, invalid and unreadable attributes; a duplicate name only warns', () => {
    expect(rb.steps.map((s) => [s.line, s.blocked.map((b) => [b.line, b.severity])])).toEqual([
      [9, []],
      [15, []],
      [21, []],
      [27, [[27, 'error']]],
      [
        33,
        [
          [33, 'error'],
          [33, 'error'],
        ],
      ],
      [39, [[39, 'error']]],
      [45, []],
    ]);
    expect(rb.warnings).toEqual([
      warning(27, 'unknown fence attribute "colour"', 'error'),
      warning(33, 'timeout=soon is not valid (expected a duration such as 30s', 'error'),
      warning(33, 'confirm=maybe is not valid (expected true or false)', 'error'),
      warning(39, 'JSON', 'error'),
      warning(45, 'duplicate step name "restart" (first used on line 9)'),
    ]);
  });
});

describe('15-frontmatter.md', () => {
  it('reads the known keys, warns about an unknown one, and takes title and cadence from it', () => {
    const rb = load('15-frontmatter.md');
    expect(rb.title).toBe('Database failover');
    expect(rb.frontmatter).toEqual({
      title: 'Database failover',
      description: 'Fail over the primary database to the replica.',
      hosts: ['db1.internal', 'db2.internal'],
      environment: 'production',
      cadence: 'Monthly',
      owner: 'dba-team',
      tags: ['db', 'failover'],
      reviewer: 'someone',
    });
    expect(rb.cadence).toBe('monthly');
    expect(rb.warnings).toEqual([warning(12, 'unknown frontmatter key "reviewer"')]);
    expect(counts(rb)).toEqual({ steps: 1, checks: 1, runnable: 0, shown: 0 });
    // Lines stay those of the file; the step inherits the document's cadence.
    expect(rb.steps[0]).toMatchObject({
      text: 'Announce the failover',
      line: 21,
      cadence: 'monthly',
    });
    expect(rb.sections.map((s) => [s.title, s.line])).toEqual([
      ['A heading that is not the title', 17],
      ['Steps', 19],
    ]);
  });
});

describe('16-frontmatter-invalid-yaml.md', () => {
  it('warns about invalid YAML on line 1, never throws, and still parses the body', () => {
    let rb: Runbook | undefined;
    expect(() => (rb = load('16-frontmatter-invalid-yaml.md'))).not.toThrow();
    // The YAML's own line: the tab on line 5. Without its settings no step can run.
    expect(rb!.warnings).toEqual([warning(5, 'frontmatter is not valid YAML', 'error')]);
    expect(rb!.frontmatter).toEqual({});
    expect(rb!.title).toBe('Fallback heading');
    expect(rb!.cadence).toBeNull();
    expect(rb!.steps.map((s) => [s.kind, s.text, s.line])).toEqual([['check', 'Still parsed', 13]]);
  });
});

describe('17-cadence-headings.md', () => {
  it('infers cadence from headings; subsections and steps inherit it', () => {
    const rb = load('17-cadence-headings.md');
    expect(rb.warnings).toEqual([]);
    expect(rb.cadence).toBeNull();
    expect(rb.sections.map((s) => [s.title, s.cadence])).toEqual([
      ['Ops calendar', null],
      ['Daily Tasks', 'daily'],
      ['Morning', 'daily'],
      ['Weekly Review', 'weekly'],
      ['Monthly Maintenance', 'monthly'],
      ['Quarterly Audit', 'quarterly'],
      ['Annual Review', 'annual'],
      ['Miscellaneous', null],
    ]);
    expect(rb.steps.map((s) => [s.text, s.cadence])).toEqual([
      ['Check the dashboards', 'daily'],
      ['Read the overnight alerts', 'daily'],
      ['Review open incidents', 'weekly'],
      ['Patch the hosts', 'monthly'],
      ['Audit access', 'quarterly'],
      ['Renew the certificates', 'annual'],
      ['No cadence here', null],
    ]);
  });
});

describe('18-tables.md', () => {
  it('fills schedule and windows from their tables and leaves any other table as prose', () => {
    const rb = load('18-tables.md');
    expect(rb.warnings).toEqual([]);
    expect(rb.steps).toEqual([]);
    expect(rb.schedule).toEqual([
      {
        line: 11,
        task: 'Rotate logs',
        frequency: 'Daily',
        cadence: 'daily',
        preferredTime: '02:00 UTC',
        duration: '5 min',
      },
      {
        line: 12,
        task: 'Patch hosts',
        frequency: 'Monthly',
        cadence: 'monthly',
        preferredTime: 'Sat 22:00',
        duration: '2 h',
      },
      {
        line: 13,
        task: 'DR test',
        frequency: 'Every quarter',
        cadence: 'quarterly',
        preferredTime: 'Any',
        duration: '1 day',
      },
    ]);
    expect(rb.windows).toEqual([
      {
        line: 19,
        environment: 'production',
        window: 'Sun 01:00-03:00 UTC',
        duration: '2h',
        frequency: 'Weekly',
      },
      { line: 20, environment: 'staging', window: 'Any time', duration: '4h', frequency: 'Daily' },
    ]);
    const tables = rb.blocks.flatMap((b) =>
      b.kind === 'prose' && b.markdown.startsWith('|') ? [b.line] : [],
    );
    expect(tables).toEqual([9, 17, 24]);
  });
});

describe('19-unclosed-fence-before-heading.md', () => {
  it('warns on the fence line and ends the block before the heading', () => {
    const rb = load('19-unclosed-fence-before-heading.md');
    expect(rb.warnings).toEqual([warning(7, 'never closed')]);
    expect(rb.warnings[0]!.message).toContain('heading on line 11');
    expect(rb.sections.map((s) => s.title)).toEqual([
      'Unclosed before a heading',
      'First',
      'Second',
      'Last',
    ]);
    expect(counts(rb)).toEqual({ steps: 3, checks: 2, runnable: 1, shown: 0 });
    expect(onlyStep(rb, 'first').code).toBe('echo one\necho two\n');
    expect(inSection(rb, 'second').map((s) => [s.kind, s.text, s.line])).toEqual([
      ['check', 'Still a check item', 13],
      ['check', 'Another check item', 14],
    ]);
  });
});

describe('20-unclosed-fence-then-more-fences.md', () => {
  it('does not let a later fence close the unclosed one and swallow the heading between', () => {
    const rb = load('20-unclosed-fence-then-more-fences.md');
    expect(rb.warnings).toEqual([warning(9, 'never closed')]);
    expect(rb.sections.map((s) => s.title)).toEqual([
      'Unclosed, then more blocks',
      'First',
      'Second',
    ]);
    expect(counts(rb)).toEqual({ steps: 3, checks: 1, runnable: 2, shown: 0 });
    expect(onlyStep(rb, 'first').code).toBe('echo one\n');
    expect(inSection(rb, 'second').map((s) => [s.kind, s.code])).toEqual([
      ['check', null],
      ['command', 'echo three\n'],
    ]);
  });
});

describe('21-unclosed-fence-at-eof.md', () => {
  it('ends the block before the checklist item after it, which stays a check item', () => {
    const rb = load('21-unclosed-fence-at-eof.md');
    expect(rb.warnings).toEqual([warning(7, 'before the checklist item on line 9')]);
    expect(counts(rb)).toEqual({ steps: 3, checks: 2, runnable: 1, shown: 0 });
    expect(rb.steps.map((s) => [s.kind, s.line, s.code, s.repaired])).toEqual([
      ['check', 5, null, null],
      [
        'command',
        7,
        'echo tail\n',
        { openedLine: 7, lastLine: 8, cut: 'before the checklist item on line 9' },
      ],
      ['check', 9, null, null],
    ]);
  });
});

describe('22-details-summary.md', () => {
  const rb = load('22-details-summary.md');

  it('keeps a fenced block inside <details> (blank lines around it) as a step', () => {
    expect(rb.warnings).toEqual([]);
    expect(onlyStep(rb, 'blank-lines-around-the-block')).toMatchObject({
      kind: 'command',
      line: 12,
      code: 'helm rollback api 3\n',
      runnable: true,
    });
    expect(onlyStep(rb, 'in-a-check-item')).toMatchObject({
      kind: 'check',
      line: 20,
      text: 'Roll back if needed',
      code: 'helm rollback web 7\n',
      runnable: true,
    });
  });

  it('keeps a fenced block inside <details> with no blank lines as a step', () => {
    expect(counts(rb)).toEqual({ steps: 3, checks: 1, runnable: 3, shown: 0 });
    expect(onlyStep(rb, 'no-blank-lines')).toMatchObject({
      kind: 'command',
      line: 33,
      code: 'echo hidden-in-details\n',
      runnable: true,
    });
  });

  it('labels a block in <details> with its summary, not raw HTML', () => {
    const step = onlyStep(rb, 'blank-lines-around-the-block');
    expect(step.text).toContain('Show the rollback command');
    expect(step.text).not.toMatch(/<\/?(details|summary)>/);
  });
});

describe('23-stable-ids.md', () => {
  const source = raw('23-stable-ids.md');
  const ids = (text: string) => parseRunbook(text).steps.map((s) => s.id);
  const before = ids(source);
  const edit = (from: string, to: string) => {
    expect(source).toContain(from);
    return ids(source.replace(from, to));
  };

  it('has distinct ids for identical items', () => {
    expect(before).toHaveLength(7);
    expect(new Set(before).size).toBe(7);
  });

  it('keeps every id when a paragraph is inserted in another section', () => {
    expect(edit('## Deploy\n', '## Deploy\n\nA new paragraph about deploys.\n')).toEqual(before);
  });

  it('keeps every id when an item is inserted in a section', () => {
    const after = edit('- [ ] Smoke test\n', '- [ ] Smoke test\n- [ ] Check the error rate\n');
    expect(after).toHaveLength(before.length + 1);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it('keeps the ids of identical items when an item is added after them', () => {
    const after = edit(
      '- [ ] Verify\n- [ ] Verify\n',
      '- [ ] Verify\n- [ ] Verify\n- [ ] Tidy up\n',
    );
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it('keeps every other id when one step is edited', () => {
    const after = edit('- [ ] Smoke test\n', '- [ ] Smoke test the API\n');
    const smoke = parseRunbook(source).steps.find((s) => s.text === 'Smoke test')!.id;
    expect(after).not.toContain(smoke);
    expect(after).toEqual(expect.arrayContaining(before.filter((id) => id !== smoke)));
  });

  it('keeps every id when a new section is inserted between two others', () => {
    const after = edit(
      '## Deploy\n',
      '## Announce\n\n- [ ] Post in the channel\n\n```bash\n./notify.sh\n```\n\n## Deploy\n',
    );
    expect(after).toHaveLength(before.length + 2);
    expect(after).toEqual(expect.arrayContaining(before));
  });

  it('keeps every id when an appendix with its own H1 is added at the end', () => {
    const after = edit(
      '- [x] Dashboards green\n',
      '- [x] Dashboards green\n\n# Appendix\n\n- [ ] Archive the log\n',
    );
    expect(after).toEqual(expect.arrayContaining(before));
  });
});

describe('24-html-and-templates.md', () => {
  const rb = load('24-html-and-templates.md');
  const step = rb.steps[0]!;

  it('keeps raw HTML as prose, never runs a commented-out block, and leaves templates alone', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 1, checks: 0, runnable: 1, shown: 0 });
    expect(rb.steps.some((s) => s.code?.includes('rm -rf'))).toBe(false);
    const prose = rb.blocks.flatMap((b) => (b.kind === 'prose' ? [b.line] : []));
    expect(prose).toEqual(expect.arrayContaining([7, 11, 13]));
    expect(step.line).toBe(19);
    expect(step.code).toBe(
      [
        'helm upgrade api ./chart --set image.tag={{ .Values.image.tag }} \\',
        '  --set-string note="{{ $svc := .Values.service }}{{ $svc.port }}"',
        'kubectl get pods -o go-template=\'{{range .items}}{{.metadata.name}}{{"\\n"}}{{end}}\'',
        "kubectl get nodes -o jsonpath='{.items[*].metadata.name}'",
        'echo "<br>" "<details>"',
        '',
      ].join('\n'),
    );
    expect(step.placeholders).toEqual([]);
    expect(step.env).toEqual([]);
  });

  it('does not label the next block with a commented-out command', () => {
    expect(step.text).not.toContain('<!--');
    expect(step.text).not.toContain('rm -rf');
  });
});

describe('25-placeholder-quoting.md (substitutePlaceholders)', () => {
  const rb = load('25-placeholder-quoting.md');
  const code = (section: string) => onlyStep(rb, section).code!;

  it('leaves safe bare values as they are and single-quotes the rest', () => {
    const bare = code('bare');
    expect(substitutePlaceholders(bare, { 'pod-name': 'web-1' })).toBe(
      'kubectl logs web-1 --tail=50\n',
    );
    expect(substitutePlaceholders(bare, { 'pod-name': 'web 1; rm -rf /' })).toBe(
      "kubectl logs 'web 1; rm -rf /' --tail=50\n",
    );
    expect(substitutePlaceholders(bare, { 'pod-name': "it's" })).toBe(
      "kubectl logs 'it'\\''s' --tail=50\n",
    );
    expect(substitutePlaceholders(bare, {})).toBe(bare);
  });

  it("escapes ' inside single quotes", () => {
    expect(substitutePlaceholders(code('single-quotes'), { message: "it's done" })).toBe(
      "logger -t runsheet 'it'\\''s done'\n",
    );
  });

  it('escapes " $ ` and \\ inside double quotes (an apostrophe there opens nothing)', () => {
    expect(substitutePlaceholders(code('double-quotes'), { message: 'a "b" $c `d` \\e' })).toBe(
      'echo "it\'s a \\"b\\" \\$c \\`d\\` \\\\e"\n',
    );
  });

  it('treats an apostrophe in a # comment as text, so the next bare value is still quoted', () => {
    expect(
      substitutePlaceholders(code('bare-after-an-apostrophe-in-a-comment'), {
        'pod-name': 'x; rm -rf /',
      }),
    ).toBe("# Don't run this on production\nkubectl delete pod 'x; rm -rf /'\n");
  });

  it('replaces a [replace with X e.g. Y] placeholder by its name X', () => {
    expect(substitutePlaceholders(code('example-value'), { region: 'us-east-1' })).toBe(
      'aws s3 ls --region us-east-1\n',
    );
  });
});

/** The Markdown of every prose block, in order. */
const proseOf = (rb: Runbook) => rb.blocks.flatMap((b) => (b.kind === 'prose' ? [b.markdown] : []));

describe('26-list-item-prose-between-fences.md', () => {
  const rb = load('26-list-item-prose-between-fences.md');

  it('keeps indented prose between two fences in a list item as prose', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 6, checks: 1, runnable: 6, shown: 0 });
    expect(inSection(rb, 'triage').map((s) => [s.line, s.text, s.code])).toEqual([
      [11, 'List the pods of the deployment', 'kubectl get pods -n payments -l app=ledger\n'],
      [
        17,
        'if a pod shows CrashLoopBackOff, read the logs of its last run',
        'kubectl logs -n payments <pod> --previous\n',
      ],
    ]);
  });

  it('closes a list item fence with a closing line dedented out of the item, which opens nothing', () => {
    expect(
      inSection(rb, 'closing-fence-at-column-0').map((s) => [
        s.kind,
        s.line,
        s.lang,
        s.code,
        s.repaired,
      ]),
    ).toEqual([
      ['command', 26, 'bash', 'kubectl rollout status -n payments deploy/ledger\n', null],
      ['command', 30, 'bash', 'kubectl rollout undo -n payments deploy/ledger\n', null],
      ['check', 34, 'sh', 'kubectl scale -n payments deploy/ledger-consumer --replicas=0\n', null],
    ]);
    expect(inSection(rb, 'closing-fence-at-column-0')[1]!.text).toBe('then undo it if it is stuck');
    const prose = proseOf(rb);
    expect(prose).toContain('then undo it if it is stuck:');
    expect(prose).toContain('wait until no consumer is left before the migration');
    expect(rb.steps.some((s) => s.code?.includes('```'))).toBe(false);
  });

  it('keeps prose-like lines that really are inside a fence as code', () => {
    expect(onlyStep(rb, 'text-that-is-code')).toMatchObject({
      text: 'Put the notice on the hosts',
      runnable: true,
      code: "cat <<'EOF' | sudo tee /etc/motd\nThis host is drained for maintenance.\n\nask in #payments-oncall before logging in\nEOF\n",
    });
    expect(proseOf(rb)).toContain('The notice shows at the next login.');
  });
});

describe('27-unclosed-fence-then-sql.md', () => {
  const rb = load('27-unclosed-fence-then-sql.md');
  const NOT_CLOSED = 'never closed';

  it('ends an unclosed top-level block before a ```sql opener; the sql block is shown on its own', () => {
    expect(inSection(rb, 'stop-writes').map((s) => [s.line, s.lang, s.runnable, s.code])).toEqual([
      [9, 'bash', true, 'kubectl scale -n payments deploy/ledger --replicas=0\n'],
      [12, 'sql', false, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'ledger';\n"],
    ]);
    expect(rb.steps[0]!.repaired).toEqual({
      openedLine: 9,
      lastLine: 10,
      cut: 'before the code fence on line 12',
    });
  });

  it('does the same in a list item, and leaves the sentence leading into the sql block as prose', () => {
    const steps = inSection(rb, 'migrate');
    expect(steps.map((s) => [s.kind, s.line, s.lang, s.runnable, s.code])).toEqual([
      ['command', 20, 'bash', true, './bin/migrate --target 2024_05_01_add_index\n'],
      [
        'command',
        25,
        'sql',
        false,
        "SELECT indexname FROM pg_indexes WHERE tablename = 'entries';\n",
      ],
      ['check', 31, 'bash', true, "psql -X -d ledger -c 'VACUUM ANALYZE entries;'\n"],
      [
        'command',
        34,
        'sql',
        false,
        "SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = 'entries';\n",
      ],
      ['check', 36, null, false, null],
    ]);
    expect(steps[1]!.text).toBe('Then confirm the index exists');
    expect(proseOf(rb)).toContain('Then confirm the index exists:');
    expect(steps.map((s) => s.repaired?.cut ?? null)).toEqual([
      'before the code fence on line 25',
      null,
      'before the code fence on line 34',
      'where its list item or quote ends',
      null,
    ]);
    expect(rb.warnings).toEqual([
      warning(9, NOT_CLOSED),
      warning(20, NOT_CLOSED),
      warning(32, NOT_CLOSED),
      warning(34, NOT_CLOSED),
      warning(56, NOT_CLOSED),
    ]);
  });

  it('keeps a command line ending in a colon in the cut code: only prose leads into the next block', () => {
    expect(
      inSection(rb, 'a-command-that-ends-in-a-colon').map((s) => [s.line, s.lang, s.code]),
    ).toEqual([
      [56, 'bash', './bin/migrate --status\n\necho Now check the lock table:\n'],
      [61, 'sql', 'SELECT * FROM schema_locks;\n'],
    ]);
  });

  it('leaves sql blocks that really are separate as they are', () => {
    expect(
      inSection(rb, 'separate-blocks').map((s) => [s.line, s.lang, s.runnable, s.repaired, s.code]),
    ).toEqual([
      [40, 'bash', true, null, 'psql -X -d ledger -f check.sql\n'],
      [44, 'sql', false, null, 'SELECT version();\n'],
      [50, 'sql', false, null, 'SELECT now() - pg_last_xact_replay_timestamp() AS lag;\n'],
    ]);
    expect(counts(rb)).toEqual({ steps: 12, checks: 2, runnable: 5, shown: 6 });
  });
});

const OUTPUT_ONLY = 'holds only command output';

describe('28-output-only-kubectl-tables.md', () => {
  const rb = load('28-output-only-kubectl-tables.md');

  it('shows shell blocks of pasted tables without running them, with a warning on each', () => {
    const shown = rb.steps.filter((s) => !s.runnable);
    expect(shown.map((s) => [s.section, s.line, s.lang])).toEqual([
      ['check-the-replicas', 15, 'bash'],
      ['pods-of-the-deployment', 23, 'shell'],
      ['containers-on-the-node', 31, 'sh'],
      ['rows-in-the-database', 38, 'bash'],
    ]);
    for (const s of shown) {
      expect(s.code).toBe(s.source);
      expect(s.placeholders).toEqual([]);
      expect(s.expectedOutput).toBeNull();
    }
    expect(rb.warnings).toEqual([
      warning(15, `${OUTPUT_ONLY} (a column header and its rows)`),
      warning(23, `${OUTPUT_ONLY} (a column header and its rows)`),
      warning(31, `${OUTPUT_ONLY} (a column header and its rows)`),
      warning(38, `${OUTPUT_ONLY} (a table)`),
    ]);
    expect(rb.warnings[0]!.message).toContain('this bash block');
    expect(rb.warnings[0]!.message).toContain('"$ command"');
  });

  it('still runs the command before the output, tabular commands, a header in a heredoc and transcripts', () => {
    expect(inSection(rb, 'check-the-replicas')[0]).toMatchObject({
      line: 9,
      runnable: true,
      code: 'kubectl get deploy -n checkout\n',
    });
    const near = inSection(rb, 'near-misses-that-run');
    expect(near.map((s) => [s.line, s.runnable])).toEqual([
      [47, true],
      [51, true],
      [56, true],
      [61, true],
      [68, true],
    ]);
    expect(near[0]!.code).toBe('kubectl get pods -n checkout -o wide | column -t\n');
    expect(near[3]!.code).toContain('NAME            READY   STATUS\n');
    expect(near[4]).toMatchObject({
      code: 'kubectl get deploy -n checkout\n',
      expectedOutput:
        'NAME            READY   UP-TO-DATE   AVAILABLE   AGE\ncheckout-api    3/3     3            3           41d',
    });
    expect(counts(rb)).toEqual({ steps: 10, checks: 0, runnable: 6, shown: 4 });
  });
});

describe('29-output-only-logs-and-status.md', () => {
  const rb = load('29-output-only-logs-and-status.md');

  it('shows log excerpts and a status dump in shell fences without running them', () => {
    expect(inSection(rb, 'what-the-logs-show').map((s) => [s.line, s.lang, s.runnable])).toEqual([
      [9, 'bash', false],
      [14, 'sh', false],
      [19, 'bash', false],
      [24, 'bash', false],
    ]);
    expect(onlyStep(rb, 'service-status')).toMatchObject({ line: 30, runnable: false });
    expect(rb.warnings).toEqual([
      warning(9, `${OUTPUT_ONLY} (log lines)`),
      warning(14, `${OUTPUT_ONLY} (log lines)`),
      warning(19, `${OUTPUT_ONLY} (log lines)`),
      warning(24, `${OUTPUT_ONLY} (log lines)`),
      warning(30, `${OUTPUT_ONLY} (status lines)`),
    ]);
  });

  it('runs commands that mention dates or levels, a block mixing a log line with a command, and transcripts', () => {
    const near = inSection(rb, 'near-misses-that-run');
    expect(near.map((s) => [s.line, s.runnable])).toEqual([
      [39, true],
      [43, true],
      [48, true],
      [53, true],
      [59, true],
      [63, true],
    ]);
    expect(near[3]).toMatchObject({ code: 'systemctl status nginx\n' });
    expect(near[3]!.expectedOutput).toContain('Active: active (running)');
    expect(counts(rb)).toEqual({ steps: 11, checks: 0, runnable: 6, shown: 5 });
  });
});

describe('30-closing-fence-trailing-spaces.md', () => {
  const name = '30-closing-fence-trailing-spaces.md';
  const rb = load(name);

  it('is stored with its trailing spaces, tabs and no-break spaces', () => {
    const lines = raw(name).split('\n');
    expect(lines[10]).toBe('~~~  ');
    expect(lines[14]).toBe('```   ');
    expect(lines[50]).toBe('```\t');
    expect(lines[55]).toBe('  ~~~\t\t');
    expect(lines[61]).toBe('```\u00a0\u00a0');
    expect(lines[66]).toBe('  ```\u00a0');
  });

  it('closes fences followed by spaces, tabs or no-break spaces, wherever they stand', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 12, checks: 2, runnable: 12, shown: 0 });
    expect(rb.steps.map((s) => [s.line, s.code, s.repaired])).toEqual([
      [9, 'kubectl drain node-1 --ignore-daemonsets --delete-emptydir-data\n', null],
      [13, 'kubectl get nodes -o wide\n', null],
      [17, 'kubectl cordon node-2\n', null],
      [25, 'sudo kubeadm upgrade plan\n', null],
      [30, 'sudo kubeadm upgrade apply v1.29.4 --yes\n', null],
      [34, 'sudo systemctl restart kubelet\n', null],
      [41, 'sudo apt-get install -y kubelet=1.28.9-1.1\n', null],
      [49, 'kubectl uncordon node-1\n', null],
      [53, 'kubectl uncordon node-2\n', null],
      [60, 'kubectl get pods -A --field-selector=status.phase!=Running\n', null],
      [64, 'kubectl version\n', null],
      [71, 'echo upgrade done\n', null],
    ]);
    expect(rb.steps.map((s) => s.section)).toEqual([
      'drain',
      'drain',
      'drain',
      'upgrade-the-control-plane',
      'upgrade-the-control-plane',
      'upgrade-the-control-plane',
      'upgrade-the-control-plane',
      'closed-with-tabs',
      'closed-with-tabs',
      'closed-with-no-break-spaces',
      'closed-with-no-break-spaces',
      'after',
    ]);
  });
});

describe('31-output-only-near-misses.md', () => {
  const rb = load('31-output-only-near-misses.md');

  it('shows helm and ps output, a Markdown table and tab-separated columns without running them', () => {
    expect(inSection(rb, 'releases').map((s) => [s.line, s.lang, s.runnable])).toEqual([
      [9, 'sh', false],
      [14, 'bash', false],
      [20, 'bash', false],
      [26, 'bash', false],
    ]);
    expect(rb.warnings).toEqual([
      warning(9, `${OUTPUT_ONLY} (a column header and its rows)`),
      warning(14, `${OUTPUT_ONLY} (a column header and its rows)`),
      warning(20, `${OUTPUT_ONLY} (a table)`),
      warning(26, `${OUTPUT_ONLY} (a column header and its rows)`),
    ]);
  });

  it('runs commands that print tables, a command under a header row, and comment-only blocks', () => {
    const near = inSection(rb, 'commands-that-print-tables');
    expect(near.map((s) => [s.line, s.runnable])).toEqual([
      [33, true],
      [38, true],
      [43, true],
      [50, true],
      [55, true],
    ]);
    expect(near[1]!.code).toBe('NAME      STATUS\nhelm rollback payments 41 -n payments --wait\n');
    expect(counts(rb)).toEqual({ steps: 9, checks: 0, runnable: 5, shown: 4 });
  });
});

describe('32-nested-list-prose-between-fences.md', () => {
  const rb = load('32-nested-list-prose-between-fences.md');

  it('keeps prose after closing fences dedented out of nested and check items as prose', () => {
    expect(rb.warnings).toEqual([]);
    expect(inSection(rb, 'renew').map((s) => [s.kind, s.line, s.text, s.code])).toEqual([
      [
        'command',
        10,
        'Check the expiry date',
        'openssl x509 -enddate -noout -in /etc/ssl/edge.pem\n',
      ],
      [
        'command',
        14,
        'if it expires within 14 days, renew it now',
        'sudo certbot renew --cert-name edge\n',
      ],
      ['command', 20, 'On each edge host', 'sudo systemctl reload haproxy\n'],
      [
        'command',
        24,
        'then confirm the new certificate is served',
        'openssl s_client -connect edge-1:443 </dev/null 2>/dev/null | openssl x509 -noout -enddate\n',
      ],
      ['check', 28, 'Tell the on-call channel', './bin/notify "#edge" "certificate renewed"\n'],
    ]);
    const prose = proseOf(rb);
    expect(prose).toContain('if it expires within 14 days, renew it now:');
    expect(prose).toContain('then confirm the new certificate is served:');
    expect(prose).toContain('mention the new expiry date in the message');
  });

  it('keeps a Markdown sample after them inside its longer fence, shown and never run', () => {
    expect(onlyStep(rb, 'a-sample-in-a-longer-fence')).toMatchObject({
      line: 38,
      lang: 'markdown',
      runnable: false,
      repaired: null,
      code: 'Then run:\n\n```bash\nsudo certbot renew --cert-name edge\n```\n',
    });
    expect(proseOf(rb)).toContain('Nothing in it runs.');
    expect(counts(rb)).toEqual({ steps: 6, checks: 1, runnable: 5, shown: 1 });
  });
});

describe('33-unclosed-fence-then-other-openers.md', () => {
  const rb = load('33-unclosed-fence-then-other-openers.md');

  it('ends unclosed ~~~ and ``` fences, at the top level and in nested and check items, before the next opener', () => {
    expect(rb.steps.map((s) => [s.kind, s.line, s.lang, s.runnable, s.code])).toEqual([
      [
        'command',
        9,
        'bash',
        true,
        'sudo -u postgres pg_ctl promote -D /var/lib/postgresql/15/main\n',
      ],
      ['command', 12, 'sql', false, 'SELECT pg_is_in_recovery();\n'],
      [
        'command',
        21,
        'bash',
        true,
        `kubectl -n db patch svc ledger-primary -p '{"spec":{"selector":{"role":"replica"}}}'\n`,
      ],
      ['command', 24, 'yaml', false, 'selector:\n  role: replica\n'],
      ['check', 31, 'sh', true, "psql -X -h ledger-primary -c 'SELECT 1'\n"],
      ['command', 34, 'sql', false, 'SELECT count(*) FROM pg_stat_activity;\n'],
      ['command', 40, 'bash', true, "psql -X -d ledger <<'SQL'\n```sql\nSELECT 1;\nSQL\n"],
      ['command', 49, 'markdown', false, '```sql\nSELECT now();\n```\n'],
    ]);
    expect(rb.steps.map((s) => s.repaired?.lastLine ?? null)).toEqual([
      10,
      null,
      22,
      null,
      33,
      null,
      null,
      null,
    ]);
    expect(rb.warnings).toEqual([
      warning(9, 'before the code fence on line 12'),
      warning(21, 'before the code fence on line 24'),
      warning(32, 'before the code fence on line 34'),
    ]);
  });

  it('keeps the blocks cut out of a list item in that item', () => {
    expect(rb.steps.map((s) => s.depth)).toEqual([0, 0, 2, 2, 0, 1, 0, 1]);
    expect(proseOf(rb)).toContain('2. Restart the poolers.');
  });
});

describe('34-crlf-closing-fences-with-trailing-spaces.md', () => {
  const name = '34-crlf-closing-fences-with-trailing-spaces.md';
  const rb = load(name);

  it('is stored with CRLF and the spaces, tab and no-break space after its closing fences', () => {
    const lines = raw(name).split('\n');
    expect(lines.slice(0, -1).every((l) => l.endsWith('\r'))).toBe(true);
    expect(lines[10]).toBe('```   \r');
    expect(lines[13]).toBe('```\t \r');
    expect(lines[18]).toBe('~~~ \u00a0\r');
    expect(lines[24]).toBe('   ```  \r');
  });

  it('closes each block on its closing line, right before the next block, item or heading', () => {
    expect(rb.warnings).toEqual([]);
    expect(counts(rb)).toEqual({ steps: 6, checks: 1, runnable: 5, shown: 0 });
    expect(rb.steps.map((s) => [s.kind, s.line, s.code, s.repaired])).toEqual([
      ['command', 9, 'curl -fsS https://api.internal/healthz   \n', null],
      ['command', 12, 'kubectl -n api top pods\n', null],
      ['check', 15, null, null],
      [
        'command',
        17,
        "kubectl -n api logs deploy/api --since=10m | grep -c ' 5[0-9][0-9] '\n",
        null,
      ],
      ['command', 23, 'kubectl -n api rollout undo deploy/api\n', null],
      ['command', 26, 'kubectl -n api rollout status deploy/api\n', null],
    ]);
    expect(rb.sections.map((s) => [s.title, s.line])).toEqual([
      ['HighErrorRate: api', 5],
      ['Confirm', 7],
      ['Mitigate', 20],
    ]);
  });
});
