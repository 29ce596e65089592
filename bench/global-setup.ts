// Under `npm run bench` (scripts/bench.mjs names the files in the environment): notes the
// machine when the run starts, and at the end writes the figures every bench file recorded
// (bench/results.ts) as one JSON file, prints them together, and the change against an
// earlier file when one was named with --compare.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { BenchFigure, BenchResults, compare, formatFigure, machine } from './results';

function commit(): string | null {
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      encoding: 'utf8',
    }).trim();
    return dirty ? `${head}+changes` : head;
  } catch {
    return null;
  }
}

export default function setup(): (() => void) | undefined {
  const scratch = process.env.RUNSHEET_BENCH_RESULTS;
  const out = process.env.RUNSHEET_BENCH_OUT;
  if (!scratch || !out) return undefined;
  writeFileSync(scratch, '');
  const startedAt = new Date().toISOString();
  const at = machine();
  const head = commit();
  return () => {
    const figures = readFileSync(scratch, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => BenchFigure.parse(JSON.parse(line)));
    const results = BenchResults.parse({
      startedAt,
      finishedAt: new Date().toISOString(),
      commit: head,
      machine: at,
      figures,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    const met = figures.filter((f) => f.met === true).length;
    const targets = figures.filter((f) => f.met !== null).length;
    console.log(`\n=== bench results (${out})`);
    for (const f of figures) console.log(`  ${formatFigure(f)}`);
    console.log(`${met} of ${targets} targets met`);
    const earlier = process.env.RUNSHEET_BENCH_COMPARE;
    if (earlier) {
      if (!existsSync(earlier)) console.log(`--compare: ${earlier} does not exist`);
      else {
        const before = BenchResults.safeParse(JSON.parse(readFileSync(earlier, 'utf8')));
        if (!before.success) console.log(`--compare: ${earlier} is not a bench results file`);
        else for (const line of compare(before.data, results)) console.log(line);
      }
    }
  };
}
