// A 1 MB runbook must parse in <= 100 ms (issue 3). The baseline, measured in the
// same run, is markdown-it tokenizing the same text: the floor our parser builds on.
import MarkdownIt from 'markdown-it';
import { bench, describe } from 'vitest';
import { parseRunbook } from '../src/shared/runbook/parse';
import { Guard } from '../src/core/guard/guard';
import { bigRunbook } from './runbooks';

const doc = bigRunbook(1_000_000);
const md = new MarkdownIt({ html: true });
const guard = new Guard();

describe(`parse a ${(doc.length / 1e6).toFixed(2)} MB runbook`, () => {
  bench(
    'baseline: markdown-it tokens only',
    () => {
      md.parse(doc, {});
    },
    { iterations: 20, warmupIterations: 3 },
  );
  bench(
    'parseRunbook (full model)',
    () => {
      parseRunbook(doc);
    },
    { iterations: 20, warmupIterations: 3 },
  );
  // What the app parses: the same, every command step also parsed as bash and checked
  // against the guardrail rules (issue 12 names no figure; this one keeps it visible).
  bench(
    'parseRunbook with guardrails (every step parsed as bash)',
    () => {
      parseRunbook(doc, 'bench', guard.analyze);
    },
    { iterations: 20, warmupIterations: 3 },
  );
});
