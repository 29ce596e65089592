/**
 * Guardrails: a corpus of destructive commands and safe look-alikes, checked by the
 * real shell parse and rule table; and both seed runbooks' flags, one by one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asks } from '../../src/shared/model';
import { parseRunbookFile } from '../../src/shared/runbook';
import { Guard } from '../../src/core/guard/guard';

const fixtures = join(__dirname, '..', 'fixtures', 'guardrails');

function entries(file: string): string[] {
  return readFileSync(join(fixtures, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => l.replace(/\\n/g, '\n'));
}

const guard = new Guard();
const flagged = (code: string) => guard.check(code).filter(asks);

describe('the guardrail corpus', () => {
  const destructive = entries('destructive.txt').map((l) => {
    const at = l.indexOf(' :: ');
    return { rule: l.slice(0, at), code: l.slice(at + 4) };
  });
  const safe = entries('safe.txt');

  it('has at least 200 destructive commands and 100 safe look-alikes', () => {
    expect(destructive.length).toBeGreaterThanOrEqual(200);
    expect(safe.length).toBeGreaterThanOrEqual(100);
  });

  it('flags at least 99 % of the destructive commands, each by the rule it is filed under', () => {
    const missed = destructive.filter((d) => flagged(d.code).length === 0);
    const wrong = destructive.filter(
      (d) => flagged(d.code).length > 0 && !flagged(d.code).some((f) => f.rule === d.rule),
    );
    const rate = 1 - missed.length / destructive.length;
    console.log(
      `guardrail corpus: ${destructive.length - missed.length}/${destructive.length} destructive flagged (${(rate * 100).toFixed(1)} %)`,
    );
    expect(missed.map((d) => d.code)).toEqual([]);
    expect(
      wrong.map(
        (d) =>
          `${d.rule}: ${d.code} -> ${flagged(d.code)
            .map((f) => f.rule)
            .join(',')}`,
      ),
    ).toEqual([]);
    expect(rate).toBeGreaterThanOrEqual(0.99);
  });

  it('flags at most 2 % of the safe look-alikes', () => {
    const wrong = safe.filter((code) => flagged(code).length > 0);
    console.log(`guardrail corpus: ${wrong.length}/${safe.length} safe look-alikes flagged`);
    expect(wrong.length / safe.length).toBeLessThanOrEqual(0.02);
    expect(wrong).toEqual([]);
  });

  it('names what a command destroys, and lowers a dry run to a note', () => {
    expect(guard.check('sudo kubectl -n prod delete namespace production')[0]).toMatchObject({
      rule: 'kubectl-delete',
      severity: 'high',
      reason: 'deletes namespace production',
    });
    expect(guard.check('kubectl delete namespace production --dry-run=client')[0]).toMatchObject({
      severity: 'low',
      reason: 'deletes namespace production (dry run: changes nothing)',
    });
    expect(guard.check('terraform plan -destroy')[0]).toMatchObject({ severity: 'low' });
    expect(guard.check('psql <<SQL\nDROP TABLE users;\nSQL')[0]).toMatchObject({
      rule: 'sql-drop',
      line: 1,
    });
    // A command inside a string that is only printed is text, not a command.
    expect(guard.check('echo "rm -rf /" && printf "%s" "kubectl delete ns x"')).toEqual([]);
  });

  it('puts each flag on the file line of its command', () => {
    const flags = guard.check('echo start\nls\nrm -rf /srv/old\n');
    expect(flags.map((f) => f.line)).toEqual([3]);
  });
});

describe('the seed runbooks', () => {
  const seed = (file: string) => {
    const runbook = parseRunbookFile(
      readFileSync(join(__dirname, '..', '..', 'runbooks', file), 'utf8'),
      file,
      guard.analyze,
    );
    return runbook.steps.flatMap((s) =>
      s.danger.map((d) => `${d.line} ${d.severity} ${d.rule}: ${d.reason}`),
    );
  };

  it('HD-Compute-Toolkit: every destructive command is flagged with its reason, nothing else', () => {
    expect(seed('hd-compute-toolkit-maintenance.md')).toEqual([
      '73 high docker-prune: deletes every unused object',
      '97 medium kubectl-rollout-undo: rolls deployment/hdc-toolkit back to its previous revision',
      '247 medium tee-system: overwrites a system file',
      '366 high kubectl-delete: deletes namespace production',
      '367 high compose-down-volumes: stops the services and deletes their volumes (the data)',
      '465 high kubectl-patch-zero: patches deployment hdc-toolkit to zero replicas',
      '478 high kubectl-delete: deletes maintenance-mode.yaml',
      '504 high find-delete: deletes every file the find matches',
    ]);
  });

  it('Infrastructure maintenance: its commands (make targets, kubectl top, terraform show) are not flagged', () => {
    expect(seed('infrastructure-maintenance.md')).toEqual([]);
  });
});

describe('steps fed to an interpreter', () => {
  const flags = (info: string, code: string) =>
    parseRunbookFile(
      `# I\n\n\`\`\`${info}\n${code}\n\`\`\`\n`,
      'i.md',
      guard.analyze,
    ).steps[0]!.danger.map((d) => d.rule);
  it('reads the block as shell for a remote or elevated shell, as SQL for a database client behind a wrapper', () => {
    expect(flags('bash {interpreter="ssh db1"}', 'rm -rf /srv/data')).toEqual(['rm-recursive']);
    expect(flags('bash {interpreter="sudo -i"}', 'rm -rf /srv/data')).toEqual(['rm-recursive']);
    expect(flags('sql {interpreter="docker exec -i db mysql"}', 'DROP DATABASE app;')).toEqual([
      'sql-drop',
    ]);
    expect(flags('sql {interpreter="sudo -u postgres psql"}', 'TRUNCATE audit;')).toEqual([
      'sql-truncate',
    ]);
    // Code in another language is not read as shell.
    expect(flags('python {interpreter=python3}', 'print("rm -rf /")')).toEqual([]);
  });
});

describe("a workspace's own rules (runsheet.yaml)", () => {
  it('adds rules, turns built-in ones off, and names the file for a broken rule', () => {
    const dir = mkdtempSync(join(tmpdir(), 'runsheet-guard-'));
    try {
      writeFileSync(
        join(dir, 'runsheet.yaml'),
        [
          'guardrails:',
          '  off: [docker-stop]',
          '  rules:',
          '    - name: hdc-reset',
          '      severity: high',
          '      command: hdc',
          '      words: [reset]',
          '      reason: resets the {target:cluster} to an empty state',
        ].join('\n'),
      );
      const own = Guard.forWorkspace(dir);
      expect(own.check('sudo hdc reset lab-2')[0]).toMatchObject({
        rule: 'hdc-reset',
        reason: 'resets the lab-2 to an empty state',
      });
      expect(own.check('docker stop web')).toEqual([]);
      writeFileSync(
        join(dir, 'runsheet.yaml'),
        'guardrails:\n  rules:\n    - name: Bad Name\n      severity: high\n',
      );
      expect(() => Guard.forWorkspace(dir)).toThrow(/runsheet\.yaml: guardrails\.rules\.0\.name/);
      writeFileSync(
        join(dir, 'runsheet.yaml'),
        'guardrails:\n  rules:\n    - {name: x, severity: high, command: x, reason: r, arg: "("}\n',
      );
      expect(() => Guard.forWorkspace(dir)).toThrow(/runsheet\.yaml: guardrails rule "x": arg/);
      // A pattern that backtracks forever on JavaScript's engine runs in linear time on RE2.
      writeFileSync(
        join(dir, 'runsheet.yaml'),
        'guardrails:\n  rules:\n    - {name: slow, severity: high, command: echo, reason: slow, arg: "^(a|aa)+$"}\n',
      );
      expect(Guard.forWorkspace(dir).check(`echo ${'a'.repeat(60)}b`)).toEqual([]);
      expect(Guard.forWorkspace(dir).check(`echo ${'a'.repeat(60)}`)[0]).toMatchObject({
        rule: 'slow',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
