// `npm run bench [-- --compare FILE] [-- FILTER…]`: runs every bench (bench/*.measure.ts,
// or those whose names contain a FILTER) in one vitest run, one file at a time, and
// writes the figures to bench/results/<time>.json (bench/global-setup.ts). With
// --compare FILE, prints each figure's change against that earlier results file.
// Exit status: 1 when a bench failed or a figure missed its target.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const filters = [];
let compareWith = null;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--compare') {
    compareWith = args[++i];
    if (!compareWith) {
      console.error('--compare needs a results file (bench/results/*.json)');
      process.exit(2);
    }
    compareWith = resolve(compareWith);
    if (!existsSync(compareWith)) {
      console.error(`--compare: ${compareWith} does not exist`);
      process.exit(2);
    }
  } else filters.push(args[i]);
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const out = join(root, 'bench', 'results', `${stamp}.json`);
const scratchDir = mkdtempSync(join(tmpdir(), 'runsheet-bench-results-'));
const result = spawnSync(
  'npx',
  ['vitest', 'run', '--config', 'vitest.bench.config.ts', '--reporter=verbose', ...filters],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      RUNSHEET_BENCH_RESULTS: join(scratchDir, 'figures.jsonl'),
      RUNSHEET_BENCH_OUT: out,
      ...(compareWith ? { RUNSHEET_BENCH_COMPARE: compareWith } : {}),
    },
  },
);
rmSync(scratchDir, { recursive: true, force: true });
let missed = 0;
if (existsSync(out)) {
  const { figures } = JSON.parse(readFileSync(out, 'utf8'));
  missed = figures.filter((f) => f.met === false).length;
} else console.error('no results were written');
const status = result.status ?? 1;
if (status !== 0) console.error('a bench failed (above)');
if (missed > 0) console.error(`${missed} figure(s) missed their target`);
process.exit(status !== 0 || missed > 0 || !existsSync(out) ? 1 : 0);
