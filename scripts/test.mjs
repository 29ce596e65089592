// `npm test`: every suite, then the skipped count, then one summary line `N passed, N failed`.
// Suites: typecheck, lint and the Electron security scan (one check each), vitest
// (unit + integration on real PTYs), Playwright (the browser harness in Debian's
// Chromium; Electron and the packaged app where Electron's binary exists, skipped with
// a reason elsewhere). `npm test -- --runtime-only`: the build and vitest alone, for a second
// Node runtime (CI's Node LTS pass): the static checks and the browser walks do not change
// with the runtime the core runs on, and CI has 20 minutes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, '.test-output');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const runtimeOnly = process.argv.includes('--runtime-only');
const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];

function run(command, args, env = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status ?? 1;
}

function check(name, command, args) {
  console.log(`\n=== ${name}`);
  const ok = run(command, args) === 0;
  totals[ok ? 'passed' : 'failed'] += 1;
  lines.push(`${name}: ${ok ? '1 passed, 0 failed' : '0 passed, 1 failed'}`);
  return ok;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

if (!runtimeOnly) {
  check('typecheck (node)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.node.json']);
  check('typecheck (web)', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.web.json']);
  check('typecheck (renderer tests)', 'npx', [
    'tsc',
    '--noEmit',
    '-p',
    'tsconfig.renderer-tests.json',
  ]);
  check('lint', 'npx', ['eslint', '--max-warnings', '0', '.']);
  check('Electron security scan (electronegativity)', process.execPath, [
    join(root, 'scripts', 'electronegativity.mjs'),
  ]);
}

console.log('\n=== build');
const built = run('npx', ['electron-vite', 'build']) === 0;
if (!built) {
  totals.failed += 1;
  lines.push('build: 0 passed, 1 failed');
}

console.log('\n=== unit and integration (vitest)');
const vitestFile = join(out, 'vitest.json');
const vitestStatus = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestFile}`,
]);
const vitest = readJson(vitestFile);
if (vitest) {
  const skipped = (vitest.numPendingTests ?? 0) + (vitest.numTodoTests ?? 0);
  totals.passed += vitest.numPassedTests;
  totals.failed +=
    vitest.numFailedTests + (vitestStatus !== 0 && vitest.numFailedTests === 0 ? 1 : 0);
  totals.skipped += skipped;
  lines.push(
    `vitest: ${vitest.numPassedTests} passed, ${vitest.numFailedTests} failed, ${skipped} skipped`,
  );
} else {
  totals.failed += 1;
  lines.push('vitest: did not report (crashed?)');
}

if (built && !runtimeOnly) {
  console.log('\n=== end to end (Playwright: browser harness, Electron)');
  const pwFile = join(out, 'playwright.json');
  const pwStatus = run('npx', ['playwright', 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: pwFile,
  });
  const pw = readJson(pwFile);
  if (pw) {
    const { expected = 0, unexpected = 0, flaky = 0, skipped = 0 } = pw.stats ?? {};
    const failed = unexpected + flaky + (pwStatus !== 0 && unexpected === 0 ? 1 : 0);
    totals.passed += expected;
    totals.failed += failed;
    totals.skipped += skipped;
    lines.push(`playwright: ${expected} passed, ${failed} failed, ${skipped} skipped`);
    for (const reason of skipReasons(pw)) lines.push(`  skipped: ${reason}`);
  } else {
    totals.failed += 1;
    lines.push('playwright: did not report (crashed?)');
  }
}

function skipReasons(report) {
  const reasons = new Set();
  const visit = (suite) => {
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        if (t.status !== 'skipped') continue;
        const note =
          (t.annotations ?? []).find((a) => a.type === 'skip')?.description ?? 'no reason given';
        reasons.add(`${spec.title} — ${note}`);
      }
    }
    for (const child of suite.suites ?? []) visit(child);
  };
  for (const suite of report.suites ?? []) visit(suite);
  return [...reasons];
}

console.log('\n=== summary');
for (const line of lines) console.log(line);
// summary.txt keeps the skipped count for .ci/run, which sums the passes; the printed last
// line is the exact `N passed, N failed` form CI reads.
writeFileSync(
  join(out, 'summary.txt'),
  `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`,
);
console.log(`${totals.skipped} skipped (reasons above)`);
console.log(`${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed > 0 ? 1 : 0);
