import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../../src/shared/runbook/parse';
import type { Runbook } from '../../src/shared/model';

// Expected counts were read off the bundled runbooks (the seed documents, runbooks/) by hand:
// C = check items, R = runnable blocks, N = blocks shown but not run.
function tally(runbook: Runbook): Record<string, string> {
  const out: Record<string, string> = {};
  for (const step of runbook.steps) {
    const title = runbook.sections.find((s) => s.id === step.section)?.title ?? '-';
    out[title] = (out[title] ?? '') + (step.kind === 'check' ? 'C' : step.runnable ? 'R' : 'N');
  }
  return out;
}

const load = (name: string) =>
  parseRunbook(readFileSync(join(__dirname, '../../runbooks', name), 'utf8'));

describe('bundled seed runbooks', () => {
  it('infrastructure-maintenance.md: checklists per cadence, commands, and two blocks that are not run', () => {
    const rb = load('infrastructure-maintenance.md');
    expect(rb.title).toBe('Infrastructure Maintenance Guide');
    expect(rb.warnings).toEqual([]);
    expect(rb.steps.filter((s) => s.kind === 'check')).toHaveLength(69);
    expect(rb.steps.filter((s) => s.runnable)).toHaveLength(6);
    const t = tally(rb);
    expect(t).toMatchObject({
      'Automated Checks': 'CCCC',
      'Manual Checks (if needed)': 'CCC',
      'Infrastructure Review': 'CCCC',
      'Backup Testing': 'CCC',
      'Regular Cleanup': 'R',
      'Health Checks': 'R',
      Monitoring: 'R',
      'Debugging Commands': 'R',
      'Critical Issues': 'CCCC',
      'Before Maintenance': 'CCCCC',
      'During Maintenance': 'CCCCC',
      'After Maintenance': 'CCCCC',
      // The log template (an unlabeled text block) and the CI workflow (YAML) are shown, never run.
      'Log Template': 'N',
      'CI/CD Integration': 'N',
    });
    const commandsSections = rb.sections
      .filter((s) => s.title === 'Commands')
      .map((s) => t[s.title]);
    expect(commandsSections).toHaveLength(2);
    const yaml = rb.steps.find((s) => s.lang === 'yaml')!;
    expect(yaml.runnable).toBe(false);
    const template = rb.steps.find((s) => s.code?.startsWith('Date: YYYY-MM-DD'))!;
    expect([template.lang, template.runnable]).toEqual([null, false]);
    // The schedule and maintenance-window tables become structured data.
    expect(rb.schedule.map((e) => [e.task, e.cadence, e.preferredTime, e.duration])).toEqual([
      ['Security scans', 'daily', 'Automated', '15 min'],
      ['Resource review', 'weekly', 'Monday 9 AM', '30 min'],
      ['Version updates', 'monthly', 'First Friday', '2 hours'],
      ['Architecture review', 'quarterly', 'End of quarter', '4 hours'],
      ['DR testing', 'annual', 'Planned maintenance window', '8 hours'],
    ]);
    expect(rb.windows.map((w) => [w.environment, w.window, w.duration, w.frequency])).toEqual([
      ['Local', 'Anytime', 'N/A', 'As needed'],
      ['Dev', 'Weekdays 6-8 AM', '2 hours', 'Weekly'],
      ['Staging', 'Weekends 2-4 AM', '2 hours', 'Monthly'],
      ['Production', 'Sundays 2-6 AM', '4 hours', 'Quarterly'],
    ]);
    // `<pod-name>` in the debugging commands is a value to fill in.
    const debug = rb.steps.find((s) => s.code?.includes('kubectl describe pod'))!;
    expect(debug.placeholders).toEqual([
      { name: 'pod-name', tokens: ['<pod-name>'], example: null },
    ]);
    // Cadence comes from the headings.
    expect(rb.sections.find((s) => s.title === 'Security Review')?.cadence).toBe('monthly');
    expect(rb.sections.find((s) => s.title === 'Security Audit')?.cadence).toBe('annual');
  });

  it('hd-compute-toolkit-maintenance.md: 35 check items and 24 runnable bash blocks', () => {
    const rb = load('hd-compute-toolkit-maintenance.md');
    expect(rb.title).toBe('HD-Compute-Toolkit Maintenance Runbook');
    expect(rb.warnings).toEqual([]);
    expect(rb.steps.filter((s) => s.kind === 'check')).toHaveLength(35);
    expect(rb.steps.filter((s) => s.runnable)).toHaveLength(24);
    expect(rb.steps.filter((s) => s.kind === 'command' && !s.runnable)).toHaveLength(0);
    expect(tally(rb)).toMatchObject({
      'Daily Tasks (Automated)': 'CCCCC',
      'Weekly Tasks': 'CCCCC',
      'Monthly Tasks': 'CCCCC',
      'Quarterly Tasks': 'CCCCC',
      'Security Updates (Weekly)': 'R',
      'Rollback Procedures': 'R',
      'Monthly DR Test': 'R',
      'Pre-maintenance Checklist': 'CCCCC',
      'Daily Maintenance Script': 'R',
      'Weekly Maintenance Script': 'R',
    });
    expect(rb.sections.find((s) => s.title === 'Weekly Tasks')?.cadence).toBe('weekly');
    // The multi-line python -c block stays one step, exactly as written.
    const python = rb.steps.find((s) => s.code?.includes('python -c "'))!;
    expect(python.code).toContain(
      "print(f'Virtual memory: {memory_info.vms / 1024 / 1024:.2f} MB')\n\"",
    );
  });

  it('getting-started.md: checklist items, runnable steps and a heredoc kept byte for byte', () => {
    const rb = load('getting-started.md');
    expect(rb.cadence).toBe('monthly');
    expect(rb.steps.filter((s) => s.kind === 'check')).toHaveLength(6);
    expect(rb.steps.filter((s) => s.runnable)).toHaveLength(6);
    expect(rb.steps.find((s) => s.code?.includes("<<'CONF'"))?.code).toContain(
      "<<'CONF'\nretention_days=30\nowner=ops\nCONF\n",
    );
  });

  it('keeps step ids when another part of the file changes', () => {
    const source = readFileSync(join(__dirname, '../../runbooks/getting-started.md'), 'utf8');
    const before = parseRunbook(source).steps.map((s) => s.id);
    const edited = parseRunbook(
      source.replace(
        '## Before you start',
        '## Before you start\n\nA new paragraph.\n\n- [ ] A new item',
      ),
    );
    const after = new Set(edited.steps.map((s) => s.id));
    expect(before.every((id) => after.has(id))).toBe(true);
    expect(edited.steps).toHaveLength(before.length + 1);
  });

  it('warns with a line number about an unclosed fence', () => {
    const rb = parseRunbook('# T\n\ntext\n\n```bash\necho one\n\n## Later\n- [ ] hidden\n');
    expect(rb.warnings).toEqual([
      { line: 5, message: expect.stringContaining('never closed'), severity: 'warning' },
    ]);
  });
});
