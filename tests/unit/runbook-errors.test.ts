import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../../src/shared/runbook/parse';
import { parseInfo } from '../../src/shared/runbook/info-string';
import { FRONTMATTER_KEYS } from '../../src/shared/runbook/frontmatter';
import {
  blockedReason,
  cadenceText,
  holdFlagged,
  stepsFrom,
  stepsToConfirm,
  type Runbook,
} from '../../src/shared/model';

// Issue 14, point 6: a runbook means what it says. A value Runsheet cannot read is an error
// that names its line and stops the step it concerns; an unclosed fence is never run past its
// cut without a confirmation; and what the README documents is what the parser accepts.

const errors = (rb: Runbook) => rb.warnings.filter((w) => w.severity === 'error');
const stepAt = (rb: Runbook, line: number) => {
  const step = rb.steps.find((s) => s.line === line);
  if (!step) throw new Error(`no step at line ${line}`);
  return step;
};

describe('fence attributes Runsheet cannot read', () => {
  const source = [
    '# Attributes', //                                 1
    '', //                                             2
    '```bash {timeout=banana}', //                     3
    'echo banana', //                                  4
    '```', //                                          5
    '', //                                             6
    '```bash {timeout=-3}', //                         7
    'echo minus', //                                   8
    '```', //                                          9
    '', //                                            10
    '```bash {confirm=maybe}', //                     11
    'echo maybe', //                                  12
    '```', //                                         13
    '', //                                            14
    '```bash {colour=blue}', //                       15
    'echo colour', //                                 16
    '```', //                                         17
    '', //                                            18
    '```bash {cwd=/srv}', //                          19
    'rm -rf ./cache', //                              20
    '```', //                                         21
    '', //                                            22
    '```bash {name=fine timeout=30s confirm=true}', //23
    'echo fine', //                                   24
    '```', //                                         25
    '', //                                            26
  ].join('\n');
  const rb = parseRunbook(source);

  it('are errors naming the line, the value and what was expected', () => {
    expect(errors(rb).map((e) => [e.line, e.message])).toEqual([
      [3, expect.stringMatching(/timeout=banana is not valid \(expected a duration such as 30s/)],
      [7, expect.stringMatching(/timeout=-3 is not valid \(expected a duration/)],
      [11, expect.stringMatching(/confirm=maybe is not valid \(expected true or false\)/)],
      [15, expect.stringMatching(/unknown fence attribute "colour" \(Runsheet reads name, /)],
      [19, expect.stringMatching(/cwd= is not supported.*put `cd \/srv` at the top of the block/)],
    ]);
  });

  it('stop exactly the step of their block', () => {
    expect(rb.steps.map((s) => [s.line, s.blocked.map((b) => b.line)])).toEqual([
      [3, [3]],
      [7, [7]],
      [11, [11]],
      [15, [15]],
      [19, [19]],
      [23, []],
    ]);
    expect(blockedReason(stepAt(rb, 3))).toBe(
      `the step at line 3 cannot run until the runbook is fixed: line 3: ${errors(rb)[0]!.message}`,
    );
    expect(blockedReason(stepAt(rb, 23))).toBeNull();
    expect(stepAt(rb, 23).attrs).toEqual({ name: 'fine', timeout: 30_000, confirm: true });
  });

  it('a bad value reads the same in the JSON form', () => {
    const info = parseInfo('bash {"timeout":"banana","confirm":"maybe"}', 9);
    expect(info.warnings.map((w) => [w.line, w.severity])).toEqual([
      [9, 'error'],
      [9, 'error'],
    ]);
    expect(parseInfo('bash {"timeout": -3}', 2).warnings[0]!.message).toContain('timeout=-3');
  });

  it('Run from here stops before a step that cannot run; the steps before it still run', () => {
    const first = stepAt(rb, 23);
    const more = parseRunbook(
      '# R\n\n```bash\necho one\n```\n\n```bash {timeout=soon}\necho two\n```\n\n```bash\necho three\n```\n',
    );
    expect(stepsFrom(more, null, more.steps[0]!).map((s) => s.line)).toEqual([3]);
    expect(stepsFrom(more, null, more.steps[2]!).map((s) => s.line)).toEqual([11]);
    // Asked from the blocked step itself, it is first in the range: the core refuses it, naming why.
    expect(stepsFrom(more, null, more.steps[1]!).map((s) => s.line)).toEqual([7, 11]);
    expect(stepsFrom(rb, null, first).map((s) => s.line)).toEqual([23]);
  });
});

describe('frontmatter values of the wrong kind', () => {
  const parse = (
    front: string,
    body = '# T\n\n- [ ] Tick\n\n```bash\necho a\n```\n\n```bash {errexit=false}\necho b\n```\n',
  ) => parseRunbook(`---\n${front}\n---\n${body}`);

  it('a bad cadence is an error on its line that stops nothing; the runbook has no cadence', () => {
    const rb = parse('title: T\ncadence: fortnightly');
    expect(errors(rb)).toEqual([
      {
        line: 3,
        severity: 'error',
        message: expect.stringMatching(
          /^frontmatter cadence: fortnightly is not valid \(expected daily, weekly, monthly, quarterly or annual\); no cadence: invalid value/,
        ),
      },
    ]);
    expect(rb.cadence).toBeNull();
    expect(rb.steps.every((s) => s.blocked.length === 0)).toBe(true);
  });

  it('a bad cadence reads as "no cadence: invalid value" where the cadence is shown', () => {
    expect(cadenceText({ cadence: null, cadenceError: 3 })).toBe('no cadence: invalid value');
    expect(cadenceText({ cadence: 'monthly', cadenceError: null })).toBe('monthly');
    expect(cadenceText({ cadence: null, cadenceError: null })).toBeNull();
  });

  it('a bad errexit stops the runnable steps without their own errexit=, not check items', () => {
    const rb = parse('errexit: "yes"');
    expect(errors(rb).map((e) => e.line)).toEqual([2]);
    expect(rb.steps.map((s) => [s.kind, s.blocked.length])).toEqual([
      ['check', 0],
      ['command', 1],
      ['command', 0],
    ]);
  });

  it.each([
    ['hosts: { web: 1 }', 'hosts'],
    ['environment: [production]', 'environment'],
    ['approval: maybe', 'approval'],
    ['secrets: DB_PASSWORD', 'secrets'],
    ['shell: "bash; rm -rf /"', 'shell'],
    ['cwd: /srv', 'cwd'],
  ])('%s stops every runnable step', (front, key) => {
    const rb = parse(front);
    expect(errors(rb)).toEqual([
      { line: 2, severity: 'error', message: expect.stringContaining(`frontmatter ${key}: `) },
    ]);
    expect(rb.steps.map((s) => s.blocked.length)).toEqual([0, 1, 1]);
  });

  it('YAML that does not parse stops every runnable step, naming the YAML line', () => {
    const rb = parse('title: T\nhosts:\n\t- db1');
    expect(errors(rb)).toEqual([
      {
        line: 4,
        severity: 'error',
        message: expect.stringContaining('frontmatter is not valid YAML'),
      },
    ]);
    expect(rb.steps.map((s) => s.blocked.length)).toEqual([0, 1, 1]);
  });

  it('frontmatter never closed stops every runnable step', () => {
    const rb = parseRunbook('---\nenvironment: production\n\n# T\n\n```bash\necho a\n```\n');
    expect(errors(rb).map((e) => [e.line, e.message])).toEqual([
      [1, expect.stringContaining('never closed')],
    ]);
    expect(rb.steps.filter((s) => s.runnable).every((s) => s.blocked.length === 1)).toBe(true);
  });

  it('an unknown key is a warning on its line that names the keys Runsheet reads', () => {
    const rb = parse('title: T\nreviewer: someone');
    expect(rb.warnings).toEqual([
      {
        line: 3,
        severity: 'warning',
        message: expect.stringContaining(
          'unknown frontmatter key "reviewer"; Runsheet reads title',
        ),
      },
    ]);
  });
});

describe('maintenance windows Runsheet cannot read', () => {
  it('are an error on their table row that stops no step', () => {
    const rb = parseRunbook(
      '# T\n\n| Environment | Window |\n| --- | --- |\n| production | whenever the moon is full |\n| staging | Sat 01:00-03:00 UTC |\n\n```bash\necho a\n```\n',
    );
    expect(errors(rb)).toEqual([
      {
        line: 5,
        severity: 'error',
        message: expect.stringMatching(
          /^maintenance window "whenever the moon is full" for production cannot be read \(expected e\.g\. "Sundays 2-6 AM"/,
        ),
      },
    ]);
    expect(rb.steps[0]!.blocked).toEqual([]);
  });
});

describe('unclosed fences', () => {
  it('never run a checklist item: the block ends before it, and the item stays an item', () => {
    const rb = parseRunbook('# T\n\n```bash\necho one\n- [ ] Item after\n* [x] Done item\n');
    expect(rb.steps.map((s) => [s.kind, s.line, s.code])).toEqual([
      ['command', 3, 'echo one\n'],
      ['check', 5, null],
      ['check', 6, null],
    ]);
    expect(rb.steps[0]!.repaired).toEqual({
      openedLine: 3,
      lastLine: 4,
      cut: 'before the checklist item on line 5',
    });
  });

  it('end before another fence opener, which is a block of its own again', () => {
    const rb = parseRunbook('# T\n\n```bash\necho one\n\n```sh\necho two\n```\n');
    expect(rb.steps.map((s) => [s.line, s.code, s.repaired?.cut ?? null])).toEqual([
      [3, 'echo one\n', 'before the code fence on line 6'],
      [6, 'echo two\n', null],
    ]);
  });

  it('at the end of the file: the step is cut there and says so', () => {
    const rb = parseRunbook('# T\n\n```bash\necho one\necho two\n');
    expect(rb.steps[0]!.repaired).toEqual({
      openedLine: 3,
      lastLine: 5,
      cut: 'at the end of the file',
    });
  });

  it('ask before they run, in a rehearsal too, naming where the fence opened and was cut', () => {
    const rb = parseRunbook(
      '# T\n\n```bash {rehearsal=safe}\necho one\n\n## Next\n\n```bash\necho two\n```\n',
    );
    const [cut, closed] = rb.steps;
    for (const rehearsal of [false, true]) {
      expect(stepsToConfirm([cut!, closed!], rehearsal)).toEqual([
        {
          step: cut,
          reasons: [
            'line 3: the code fence opened here is never closed; Runsheet ended the block at line 4, before the heading on line 6: check that the code shown is all of it and nothing more',
          ],
        },
      ]);
    }
    // A rehearsal's Run from here holds it as it holds a destructive step.
    expect(holdFlagged([closed!, cut!], true).held).toBe(cut);
  });

  it('a closed fence in a list item or a blockquote is not taken for an unclosed one', () => {
    const rb = parseRunbook(
      '# T\n\n- [ ] Step\n  ```bash\n  echo in item\n  ```\n\n> ```bash\n> echo quoted\n> ```\n',
    );
    expect(rb.steps.map((s) => [s.code, s.repaired])).toEqual([
      ['echo in item\n', null],
      ['echo quoted\n', null],
    ]);
    expect(rb.warnings).toEqual([]);
  });

  it('a fence cut short by its list item asks too', () => {
    const rb = parseRunbook('# T\n\n- [ ] Step\n  ```bash\n  echo in item\n- [ ] Next\n');
    expect(rb.steps[0]!.code).toBe('echo in item\n');
    expect(rb.steps[0]!.repaired).toMatchObject({ openedLine: 4 });
    expect(rb.warnings.map((w) => [w.line, w.severity])).toEqual([[4, 'warning']]);
  });
});

describe('the README and the parser agree', () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = (title: string) => {
    const start = readme.indexOf(`\n## ${title}\n`);
    expect(start, title).toBeGreaterThan(0);
    const end = readme.indexOf('\n## ', start + 1);
    return readme.slice(start, end < 0 ? undefined : end);
  };
  /** The first cell of each row of the table whose first header is `header`. */
  const column = (text: string, header: string): string[] => {
    const lines = text.split('\n').map((l) => l.trim());
    const at = lines.findIndex((l) => l.startsWith(`| ${header} `));
    expect(at, header).toBeGreaterThan(0);
    const rows: string[] = [];
    for (const line of lines.slice(at + 2)) {
      if (!line.startsWith('|')) break;
      rows.push(line.split('|')[1]!);
    }
    return rows;
  };
  const spans = (text: string): string[] => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
  const writing = section('Writing runbooks');

  it('every attribute in the table reads without a warning or an error', () => {
    const documented = column(writing, 'Attribute').flatMap(spans);
    expect(documented.length).toBeGreaterThanOrEqual(15);
    for (const attr of documented) {
      expect(parseInfo(`bash {${attr}}`, 1).warnings, attr).toEqual([]);
    }
  });

  it('every fence with attributes the README shows reads without a warning or an error', () => {
    const examples = [...readme.matchAll(/```(\w+) (\{[^`]*\})/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(examples.length).toBeGreaterThanOrEqual(3);
    for (const info of examples) expect(parseInfo(info, 1).warnings, info).toEqual([]);
  });

  it('every attribute the README names anywhere is one the parser reads', () => {
    const named = spans(readme).flatMap((s) => /^([a-z][A-Za-z]*)=/.exec(s)?.[1] ?? []);
    expect(named).toEqual(expect.arrayContaining(['continueOnError', 'errexit', 'rehearsal']));
    for (const name of named)
      expect(
        parseInfo(`bash {${name}=x}`, 1)
          .warnings.map((w) => w.message)
          .join(),
        name,
      ).not.toContain('unknown fence attribute');
  });

  it('every frontmatter key in the table reads without a warning or an error', () => {
    const documented = column(writing, 'Key').flatMap(spans);
    expect(documented.length).toBeGreaterThanOrEqual(14);
    for (const entry of documented) {
      const rb = parseRunbook(`---\n${entry}\n---\n# T\n`);
      expect(rb.warnings, entry).toEqual([]);
    }
  });

  it('every frontmatter key the README names next to the word "frontmatter" is one Runsheet reads', () => {
    // A `key:` span within a few words of "frontmatter" (not the other YAML files' keys).
    const text = readme.replace(/\s+/g, ' ');
    const named = [...text.matchAll(/`([a-z][A-Za-z]*):[^`]*`/g)]
      .filter((m) =>
        /frontmatter/i.test(text.slice(Math.max(0, m.index - 60), m.index + m[0].length + 60)),
      )
      .map((m) => m[1]!);
    expect(named).toEqual(expect.arrayContaining(['secrets', 'shell', 'errexit', 'approval']));
    for (const key of named) expect(FRONTMATTER_KEYS, key).toContain(key);
  });
});
