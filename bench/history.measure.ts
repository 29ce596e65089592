// History that scales (issue 11): listing, searching and computing due dates over
// 10,000 past runs, through the run index, against reading the journals directly
// (what the history did before the index), in the same run. Target: the list
// (a new process: index file read, every journal stat'ed) <= 200 ms.
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'vitest';
import { JournalStore } from '../src/core/journal/store';
import { readJournal } from '../src/core/journal/reader';
import { JournalWriter } from '../src/core/journal/writer';
import { RunRecords } from '../src/core/runs/run-records';
import { summaryOf } from '../src/core/runs/run-index';
import { Workspace } from '../src/core/workspace/workspace';
import { parseRunbookFile } from '../src/shared/runbook';
import { tempDir } from '../tests/helpers/temp';
import { median, record } from './results';

const RUNS = 10_000;
const ROUNDS = 5;

const time = (work: () => unknown): number => {
  const start = performance.now();
  work();
  return performance.now() - start;
};
const timeAsync = async (work: () => Promise<unknown>): Promise<number> => {
  const start = performance.now();
  await work();
  return performance.now() - start;
};

/** The bundled runbooks as a workspace: their texts are what the runs ran. */
function workspace(dir: string): Array<{ id: string; source: string }> {
  const ids = [
    'getting-started.md',
    'hd-compute-toolkit-maintenance.md',
    'infrastructure-maintenance.md',
  ];
  mkdirSync(dir, { recursive: true });
  return ids.map((id) => {
    cpSync(join(__dirname, '..', 'runbooks', id), join(dir, id));
    return { id, source: readFileSync(join(dir, id), 'utf8') };
  });
}

/** 10,000 finished runs, written by the journal writer as real runs are. */
function writeRuns(journals: string, runbooks: Array<{ id: string; source: string }>): void {
  const store = new JournalStore(journals);
  const parsed = runbooks.map((r) => ({
    ...r,
    sha: store.saveRunbook(r.source),
    runbook: parseRunbookFile(r.source, r.id),
  }));
  for (let n = 0; n < RUNS; n++) {
    const { id, sha, runbook } = parsed[n % parsed.length]!;
    const runId = `bench-${String(n).padStart(6, '0')}-${((n * 2654435761) >>> 0).toString(16)}`;
    const journal = new JournalWriter(join(journals, `${runId}.jsonl`));
    journal.append({
      type: 'run.started',
      runId,
      runbookId: id,
      runbookTitle: runbook.title,
      runbookPath: `/srv/runbooks/${id}`,
      runbookSha256: sha,
      maintainer: n % 7 === 0 ? 'Ada Lovelace' : 'Grace Hopper',
      host: `web-${n % 40}`,
      environment: n % 3 === 0 ? 'production' : 'staging',
      rehearsal: null,
      runbookCommit: null,
      logPath: `/srv/logs/${runId}.md`,
    });
    const steps = runbook.steps.filter((s) => s.kind === 'check' || s.runnable).slice(0, 12);
    for (const [i, step] of steps.entries()) {
      if (step.runnable) {
        journal.append({
          type: 'step.started',
          stepId: step.id,
          host: 'web-1',
          user: 'root',
          hostKey: null,
          code: step.code ?? '',
        });
        const failed = (n + i) % 29 === 0;
        journal.append({
          type: 'step.finished',
          stepId: step.id,
          status: failed ? 'failed' : 'passed',
          detail: null,
          exitCode: failed ? 1 : 0,
          durationMs: 200 + ((n * 31 + i) % 900),
          bytes: 120,
          text: failed ? 'connection refused by db-3' : 'ok',
        });
      } else {
        journal.append({ type: 'step.checked', stepId: step.id, checked: true, note: null });
      }
    }
    if (n % 11 === 0)
      journal.append({ type: 'run.fields', issues: `web-${n % 40} needed a second reboot` });
    journal.append({ type: 'run.finished' });
    journal.close();
  }
}

test('history: list, search and due over 10,000 runs, index vs reading the journals', async () => {
  const dir = tempDir('runsheet-bench-history-');
  try {
    const ws = join(dir.path, 'ws');
    const journals = join(dir.path, 'data', 'journals');
    const runbooks = workspace(ws);
    const made = time(() => writeRuns(journals, runbooks));
    const records = () =>
      new RunRecords({
        journalsDir: journals,
        workspaceDir: ws,
        workspace: new Workspace(ws),
        analyze: () => [],
        live: () => undefined,
      });

    // Baseline: every journal read, checked and folded with its runbook, each time.
    const direct: number[] = [];
    for (let r = 0; r < 3; r++)
      direct.push(
        time(() => {
          const fresh = records();
          const store = new JournalStore(journals);
          const list = store.runIds().map((runId) => {
            const { records: kept } = readJournal(store.pathOf(runId));
            return summaryOf(fresh.fold(kept).state, kept);
          });
          if (list.length !== RUNS) throw new Error(`read ${list.length} runs`);
        }),
      );

    // The index built from nothing (first start after an upgrade, or a lost index).
    rmSync(join(journals, 'index.json'), { force: true });
    const build = time(() => records().index.save());

    // A new process each time (index read from disk, every journal stat'ed).
    const list: number[] = [];
    const search: number[] = [];
    const due: number[] = [];
    const searchWarm: number[] = [];
    let found = 0;
    for (let r = 0; r < ROUNDS; r++) {
      list.push(
        await timeAsync(async () => {
          const n = (await records().history()).length;
          if (n !== RUNS) throw new Error(`listed ${n} runs`);
        }),
      );
      search.push(
        await timeAsync(
          async () => (found = (await records().history(undefined, 'second reboot web-7')).length),
        ),
      );
      due.push(await timeAsync(() => records().due()));
      const warm = records();
      await warm.history();
      searchWarm.push(await timeAsync(() => warm.history(undefined, 'ada production')));
    }
    const baseline = { name: 'reading every journal directly', value: median(direct), unit: 'ms' };
    const runs = `${RUNS.toLocaleString('en')} runs (written in ${made.toFixed(0)} ms; index built from the journals in ${build.toFixed(0)} ms)`;
    record({
      figure: 'history: list, new process',
      value: median(list),
      unit: 'ms',
      baseline,
      target: { op: '<=', value: 200, on: 'value' },
      method: `${runs}, index read from disk, every journal stat'ed, median of ${ROUNDS}`,
      samples: list,
    });
    record({
      figure: 'history: search, new process',
      value: median(search),
      unit: 'ms',
      baseline,
      target: null,
      method: `${runs}, "second reboot web-7" (${found} runs), median of ${ROUNDS}`,
      samples: search,
    });
    record({
      figure: 'history: search, index in memory',
      value: median(searchWarm),
      unit: 'ms',
      baseline,
      target: null,
      method: `${runs}, "ada production", median of ${ROUNDS}`,
      samples: searchWarm,
    });
    record({
      figure: 'history: due list, new process',
      value: median(due),
      unit: 'ms',
      baseline,
      target: null,
      method: `${runs}, 3 runbooks, median of ${ROUNDS}`,
      samples: due,
    });
  } finally {
    dir.cleanup();
  }
}, 600_000);
