import { describe, expect, it } from 'vitest';
import { parseRunbook } from '../../src/shared/runbook/parse';
import { bigRunbook } from '../../bench/runbooks';

/** Small deterministic PRNG (mulberry32), so a failure can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Pieces that stress the parser: unbalanced fences, prompts, placeholders, attributes, tables, HTML.
const FRAGMENTS = [
  '# ',
  '## ',
  '###### ',
  '- [ ] ',
  '- [x] ',
  '* [ ] ',
  '1. [ ] ',
  '  ',
  '    ',
  '\t',
  '\n',
  '\n\n',
  '\r\n',
  '```',
  '```bash',
  '~~~',
  '```console',
  '```yaml',
  '```bash {name=x confirm=true timeout=3s}',
  '```sh {"name":',
  '{',
  '}',
  '$ ',
  '# ',
  '> ',
  '\\',
  '<<EOF',
  'EOF',
  "<<'EOF'",
  '<<-EOF',
  '<pod-name>',
  '<',
  '>',
  '[replace with x e.g. y]',
  'CHANGEME',
  'YOUR_TOKEN',
  '${VAR}',
  '$VAR',
  '$(cmd)',
  '{{ .x }}',
  '{{range}}',
  '| a | b |',
  '|---|---|',
  '<details>',
  '</details>',
  '<!--',
  '-->',
  '---',
  'title: x',
  '[link](http://x)',
  '`',
  '**',
  'echo hi',
  'kubectl get pods',
  'NAME   READY',
  'Daily Tasks',
  'Monthly',
  '\u0000',
  '\uFFFD',
  '😀',
  'é',
  // Issue 17: fences in list items closed out of the item, ```sql after an unclosed fence,
  // no-break spaces after a fence, and lines that read as pasted output.
  '1. ',
  '   ```',
  '````',
  '```sql',
  '\u00a0',
  '2024-05-01T12:00:01Z ERROR x',
  ' id | state',
  '----+------',
  '● x.service',
  'Active: failed',
];

function randomDoc(next: () => number, pieces: number): string {
  let out = '';
  for (let i = 0; i < pieces; i++) {
    if (next() < 0.15) out += String.fromCharCode(32 + Math.floor(next() * 95));
    else out += FRAGMENTS[Math.floor(next() * FRAGMENTS.length)];
  }
  return out;
}

describe('parser on random input', () => {
  it('never throws and always returns a well-formed model (3000 random documents)', () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const next = rng(seed);
      const doc = randomDoc(next, 5 + Math.floor(next() * 200));
      let runbook;
      try {
        runbook = parseRunbook(doc);
      } catch (error) {
        throw new Error(`seed ${seed} threw ${(error as Error).message}\n${JSON.stringify(doc)}`);
      }
      const ids = new Set(runbook.steps.map((s) => s.id));
      expect(ids.size, `seed ${seed}: duplicate step ids`).toBe(runbook.steps.length);
      for (const step of runbook.steps) {
        expect(step.line, `seed ${seed}`).toBeGreaterThanOrEqual(1);
        if (step.runnable) expect(step.code, `seed ${seed}`).not.toBeNull();
      }
      for (const w of runbook.warnings) expect(w.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('takes time linear in the input: 8x the text costs far less than 64x the time', () => {
    // A complexity check, not a speed check: quadratic work would show as ~64x.
    const median = (doc: string): number => {
      const times: number[] = [];
      for (let i = 0; i < 7; i++) {
        const start = performance.now();
        parseRunbook(doc);
        times.push(performance.now() - start);
      }
      return times.sort((a, b) => a - b)[3]!;
    };
    // Sizes large enough that timer noise and GC pauses do not dominate (~20 ms vs ~160 ms).
    const small = bigRunbook(200_000);
    const large = bigRunbook(1_600_000);
    median(small);
    median(large);
    const ratio = median(large) / median(small);
    // Linear is ~8x; quadratic would be ~64x. The margin absorbs a loaded CI machine.
    expect(ratio).toBeLessThan(24);
  });

  it('stays linear on pathological input: thousands of identical items and unclosed fences', () => {
    const items = '- [ ] same item\n'.repeat(20_000);
    const start = performance.now();
    const runbook = parseRunbook(items);
    expect(runbook.steps).toHaveLength(20_000);
    expect(new Set(runbook.steps.map((s) => s.id)).size).toBe(20_000);
    const fences = '## H\n\n```bash\necho x\n\n'.repeat(2_000);
    const withFences = parseRunbook(fences);
    expect(withFences.warnings.some((w) => w.message.includes('never closed'))).toBe(true);
    // Every item's fence closed by a line dedented out of the item, the prose after it the item's.
    const dedented = parseRunbook('- [ ] item\n    ~~~sh\n    echo x\n~~~\n    wait\n'.repeat(900));
    expect(dedented.steps).toHaveLength(900);
    expect(dedented.warnings).toEqual([]);
    // Generous bound: this is about not being quadratic (which would take minutes), not speed.
    expect(performance.now() - start).toBeLessThan(20_000);
  });
});
