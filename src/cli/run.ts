import { createInterface } from 'node:readline/promises';
import { basename, dirname, resolve } from 'node:path';
import { appPaths } from './app-paths';
import { createCore } from '../core';
import {
  createInProcessApi,
  type RunsheetApi,
  type RunState,
  type StepResult,
} from '../shared/api';
import { formatDuration } from '../shared/util/duration';
import {
  asks,
  blockedReason,
  ENDED,
  isProduction,
  runTimes,
  stepsToConfirm,
  timeSplitText,
  type Plan,
  type Rollout,
  type Runbook,
  type Step,
} from '../shared/model';

export interface RunOptions {
  host?: string;
  sshConfig?: string;
  knownHosts?: string;
  acceptNewHostKeys?: boolean;
  outsideWindow?: boolean;
  section?: string[];
  step?: string[];
  var?: string[];
  yes?: boolean;
  allowDestructive?: boolean;
  confirmEnvironment?: string;
  json?: boolean;
  logDir?: string;
  dataDir?: string;
}

/** A problem with the command line itself: exit 2, nothing was run. */
export class UsageError extends Error {}

/**
 * `runsheet run`: the same engine, journal and log as the app, without a window.
 * Never prompts unless stdin is a terminal; then it asks for missing values and
 * confirmations, and forwards keystrokes to interactive steps.
 */
export async function runHeadless(
  file: string,
  options: RunOptions,
  version: string,
): Promise<number> {
  const path = resolve(file);
  const core = headlessCore(path, options, version);
  const api = createInProcessApi(core.handlers, core);
  const interactive = Boolean(process.stdin.isTTY) && !options.json;
  const out = (line: string): void => void process.stdout.write(`${line}\n`);
  try {
    const { runbook } = await api.call('runbook.open', { runbookId: basename(path) });
    const steps = selectSteps(runbook, options);
    refuseBlocked(steps, file);
    const values = parseVars(options.var ?? []);
    await askMissing(steps, values, interactive);
    const plan = await api.call('run.plan', {
      runbookId: basename(path),
      ...(options.host ? { host: options.host } : {}),
      variables: values,
    });
    if (plan.approval === 'required' && isProduction(plan.environment) && !plan.signature)
      throw new UsageError(
        `this ${plan.environment} run needs a signed plan (approval: required): ${plan.signatureProblem ?? `plan ${plan.sha256} is not signed`}. Save it with \`runsheet plan ${file} --save\` and have an approver sign it with \`ssh-keygen -Y sign -f <key> -n runsheet-plan ${plan.approvalFile}\``,
      );
    // Judged as the plan judges them: with the values given (a value can make a step destructive).
    const planned = new Map(plan.steps.map((s) => [s.stepId, s.danger]));
    const judged = steps.map((s) => ({ ...s, danger: planned.get(s.id) ?? s.danger }));
    const typed = await confirmSteps(judged, path, plan.environment, options, interactive);

    let state: RunState = await api
      .call('run.start', {
        runbookId: basename(path),
        ...(options.host ? { host: options.host } : {}),
        ...(options.outsideWindow ? { outsideWindow: true } : {}),
      })
      .catch((error: Error) => {
        throw /maintenance window/.test(error.message)
          ? new Error(
              error.message.replace(/Start anyway.*$/, 'Pass --outside-window to start anyway.'),
            )
          : error;
      });
    api.on('run.didChange', (next) => {
      if (next.id === state.id && next.seq >= state.seq) state = next;
    });
    if (Object.keys(values).length > 0)
      state = await api.call('run.setVariables', { runId: state.id, values });
    let live: (() => void) | null = null;
    if (interactive) live = attachTerminal(api, () => state.sessionId);

    // "Run from here" over the chosen steps: the same core function the app calls, so the
    // same steps run and the same rules (stop at a failure unless continueOnError) apply.
    const results = await runSteps(api, () => state, steps, typed, {
      onAsk: async (step, rollout) => {
        const next = rollout.batches[rollout.current]!;
        const what = `batch ${rollout.current + 1} of ${rollout.batches.length} (${next.length} host${next.length === 1 ? '' : 's'}) of ${label(step)}`;
        if (!interactive) {
          if (options.yes && !options.json) out(`▶ ${what}: going on (--yes)`);
          else
            process.stderr.write(
              `runsheet: ${what} waits for the go-ahead (pauseBetween=ask); without a terminal pass --yes to go on. Stopping the step.\n`,
            );
          return Boolean(options.yes);
        }
        // The prompt takes the keyboard from the shell until it is answered.
        live?.();
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        try {
          return /^y(es)?$/i.test((await rl.question(`\nGo on with ${what}? [y/N] `)).trim());
        } finally {
          rl.close();
          live = attachTerminal(api, () => state.sessionId);
        }
      },
      onStart: (step, index) => {
        if (!options.json)
          out(`\n▶ [${index + 1}/${steps.length}] ${label(step)}  (line ${step.line})`);
      },
      onEnd: (step, result) => {
        if (options.json) {
          out(
            JSON.stringify({
              id: step.id,
              status: result.status,
              exitCode: result.exitCode,
              durationMs: result.durationMs,
              host: result.host,
              output: result.output ?? '',
            }),
          );
          return;
        }
        if (!interactive && result.output) out(indent(result.output));
        out(
          `${result.status === 'passed' ? '✓' : '✗'} ${result.status} · exit ${result.exitCode ?? '?'} · ${formatDuration(result.durationMs)}${result.detail ? ` · ${result.detail}` : ''}`,
        );
      },
    });
    live?.();
    state = await api.call('run.finish', { runId: state.id });
    const failed = results.filter((r) => r.result.status !== 'passed').length;
    const times = runTimes(state);
    const { totalMs, stepMs, betweenMs, interruptedMs } = times;
    const summary = {
      runbook: runbook.title,
      passed: results.length - failed,
      failed,
      notRun: steps.length - results.length,
      // The run's time split as the app and the log split it (they add up to totalMs).
      times: { totalMs, stepMs, betweenMs, interruptedMs },
      logPath: state.logPath,
      journalPath: state.journalPath,
    };
    if (options.json) out(JSON.stringify({ summary }));
    else {
      out(`\n${summary.passed} passed, ${summary.failed} failed, ${summary.notRun} not run`);
      const split = timeSplitText(times);
      out(`time: ${split.total} · steps ${split.steps} · between ${split.between}`);
      out(`log: ${summary.logPath}`);
    }
    return failed > 0 ? 1 : 0;
  } finally {
    core.dispose();
  }
}

/** The core for a runbook file outside the app: its folder is the workspace. */
function headlessCore(
  path: string,
  options: Pick<
    RunOptions,
    'logDir' | 'dataDir' | 'sshConfig' | 'knownHosts' | 'acceptNewHostKeys'
  >,
  version: string,
) {
  return createCore({
    bundledRunbooks: appPaths().runbooks,
    workspaceDir: dirname(path),
    redactionWorker: appPaths().redactionWorker,
    logDir: options.logDir,
    dataDir: options.dataDir,
    version,
    ssh: {
      configFile: options.sshConfig,
      knownHostsFile: options.knownHosts,
      acceptNewHostKeys: options.acceptNewHostKeys,
      // Only a terminal can be asked; the answer stays in this process.
      askPassphrase: process.stdin.isTTY
        ? (file) => askHidden(`Passphrase for ${file}: `)
        : undefined,
    },
  });
}

/**
 * `runsheet plan`: every step a run would run, in order, with its filled command
 * (secrets masked), hosts, danger flags, the environment and window, and the
 * SHA-256 an approver signs. Nothing runs. `--save` writes the plan's text for
 * signing into the workspace's approvals/ folder.
 */
export async function printPlan(
  file: string,
  options: Pick<RunOptions, 'host' | 'var' | 'json' | 'dataDir' | 'logDir'> & { save?: boolean },
  version: string,
): Promise<number> {
  const path = resolve(file);
  const core = headlessCore(path, options, version);
  const api = createInProcessApi(core.handlers, core);
  try {
    const request = {
      runbookId: basename(path),
      ...(options.host ? { host: options.host } : {}),
      variables: parseVars(options.var ?? []),
    };
    const plan = await api.call('run.plan', request);
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    if (options.save) await api.call('run.savePlan', request);
    if (options.json) {
      const { text: _text, ...rest } = plan;
      out(JSON.stringify(rest, null, 2));
    } else {
      out(renderPlan(plan, file));
    }
    if (options.save && !options.json) {
      out(`\nsaved for approval: ${plan.approvalFile}`);
      out(`sign it: ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n runsheet-plan ${plan.approvalFile}`);
    }
    return 0;
  } finally {
    core.dispose();
  }
}

function renderPlan(plan: Plan, file: string): string {
  const out = [`Plan: ${plan.runbook.title} (${file})`];
  const window = plan.window.window
    ? ` · window "${plan.window.window}" (${plan.window.source}): ${plan.verdict.open === true ? 'open now' : plan.verdict.open === false ? 'closed now' : 'not readable'}`
    : '';
  out.push(`Environment: ${plan.environment}${window}`);
  if (plan.approval === 'required')
    out.push(
      `Approval: required${isProduction(plan.environment) ? '' : ' (in production)'} · ${plan.signature ? `signed by ${plan.signature.signer} (${plan.signature.key})` : `not signed${plan.signatureProblem ? `: ${plan.signatureProblem}` : ''}`}`,
    );
  out.push(`SHA-256: ${plan.sha256}`, '');
  const asking = plan.steps.filter((s) => s.asks).length;
  out.push(`${plan.steps.length} steps, ${asking} ask before they run:`, '');
  for (const [i, step] of plan.steps.entries()) {
    out.push(
      `${String(i + 1).padStart(3)}. line ${step.line}  ${step.name}  [${step.hosts.join(', ')}]${step.asks ? '  asks first' : ''}${step.runAll ? '' : '  (only by hand)'}`,
    );
    for (const f of step.danger)
      out.push(`       ! line ${f.line}: ${f.reason} (${f.rule}, ${f.severity})`);
    if (step.blocked) out.push(`       ✗ ${step.blocked}`);
    if (step.missing.length > 0) out.push(`       needs ${step.missing.join(', ')}`);
    for (const line of step.command.replace(/\n$/, '').split('\n')) out.push(`       ${line}`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/**
 * Runs `steps` as one "Run from here" and reports each as it starts and ends;
 * resolves with the results of the steps that ran, in order, once the run's
 * sequence is over (done, or stopped at a failure).
 */
async function runSteps(
  api: RunsheetApi,
  state: () => RunState,
  steps: Step[],
  typed: string | undefined,
  report: {
    onStart(step: Step, index: number): void;
    onEnd(step: Step, result: StepResult): void;
    /** A rollout waits for the go-ahead to its next batch (`pauseBetween=ask`): whether to go on. */
    onAsk(step: Step, rollout: Rollout): Promise<boolean>;
  },
): Promise<Array<{ step: Step; result: StepResult }>> {
  const reported = new Map<string, 'started' | 'ended'>();
  /** Batches asked about, as step id and batch index: each is asked once. */
  const asked = new Set<string>();
  const answer = (step: Step, rollout: Rollout): void => {
    const key = `${step.id}\0${rollout.current}`;
    if (asked.has(key)) return;
    asked.add(key);
    const runId = state().id;
    void report
      .onAsk(step, rollout)
      .then((yes) =>
        yes
          ? api.call('run.proceed', {
              runId,
              stepId: step.id,
              confirmed: true,
              ...(typed !== undefined ? { typed } : {}),
            })
          : api.call('run.cancel', { runId }),
      )
      .catch((error: Error) => process.stderr.write(`runsheet: ${error.message}\n`));
  };
  const results: Array<{ step: Step; result: StepResult }> = [];
  return new Promise((resolve, reject) => {
    let launched = false;
    /**
     * The state `run.execute` answered with: the events are sent at most every 30 ms,
     * so right after it resolves the last event can still predate the first step's
     * start (nothing running, nothing queued), which would end the sequence before it ran.
     */
    let answered: RunState | null = null;
    const check = (): void => {
      const latest = state();
      const now = answered && answered.seq > latest.seq ? answered : latest;
      for (const [index, step] of steps.entries()) {
        const result = now.steps[step.id];
        if (result?.status === 'running' && result.rollout?.waiting?.until === null)
          answer(step, result.rollout);
        const ended = result && ENDED.has(result.status) && now.runningStepId !== step.id;
        if (!result || (result.status !== 'running' && !ended)) continue;
        if (!reported.has(step.id)) {
          reported.set(step.id, 'started');
          report.onStart(step, index);
        }
        if (ended && reported.get(step.id) !== 'ended') {
          reported.set(step.id, 'ended');
          results.push({ step, result });
          report.onEnd(step, result);
        }
      }
      // The sequence is over: nothing running and nothing waiting.
      if (launched && now.runningStepId === null && now.queued.length === 0) {
        off();
        resolve(results);
      }
    };
    const off = api.on('run.didChange', () => queueMicrotask(check));
    api
      .call('run.execute', {
        runId: state().id,
        stepId: steps[0]!.id,
        confirmed: true,
        ...(typed !== undefined ? { typed } : {}),
        andFollowing: true,
        only: steps.map((s) => s.id),
      })
      .then(
        (started) => {
          answered = started;
          launched = true;
          check();
        },
        (error: unknown) => {
          // A step that could not start anywhere is recorded as failed: report it like any other.
          const first = state().steps[steps[0]!.id];
          if (first && ENDED.has(first.status)) {
            process.stderr.write(`runsheet: ${(error as Error).message}\n`);
            launched = true;
            check();
            return;
          }
          off();
          reject(error);
        },
      );
  });
}

function selectSteps(runbook: Runbook, options: RunOptions): Step[] {
  const runnable = runbook.steps.filter((s) => s.runnable);
  if (options.step?.length) {
    return options.step.map((wanted) => {
      const step = runnable.find(
        (s) => s.id === wanted || s.attrs.name === wanted || s.attrs.id === wanted,
      );
      if (!step)
        throw new UsageError(
          `no runnable step "${wanted}" in ${runbook.title} (see \`runsheet inspect --json\` for ids)`,
        );
      return step;
    });
  }
  if (options.section?.length) {
    const chosen = new Set<string>();
    for (const wanted of options.section) {
      const section = runbook.sections.find(
        (s) => s.id === wanted || s.title.toLowerCase() === wanted.toLowerCase(),
      );
      if (!section) throw new UsageError(`no section "${wanted}" in ${runbook.title}`);
      chosen.add(section.id);
    }
    // A section includes its subsections.
    for (const s of runbook.sections) if (s.parentId && chosen.has(s.parentId)) chosen.add(s.id);
    return runnable.filter((s) => s.section && chosen.has(s.section));
  }
  return runnable.filter((s) => !s.attrs.excludeFromRunAll);
}

/**
 * Steps the runbook's errors stop (a bad fence attribute, a bad frontmatter value): the run
 * does not start, naming each error as `file:line`. Nothing has run when this refuses.
 */
function refuseBlocked(steps: Step[], file: string): void {
  const blocked = steps.filter((s) => blockedReason(s) !== null);
  if (blocked.length === 0) return;
  const errors = [
    ...new Set(blocked.flatMap((s) => s.blocked.map((b) => `  ${file}:${b.line}: ${b.message}`))),
  ];
  throw new UsageError(
    `refusing to run: the runbook has errors that stop the step${blocked.length > 1 ? 's' : ''} at line ${blocked.map((s) => s.line).join(', ')} (fix them, or leave the steps out with --step):\n${errors.join('\n')}`,
  );
}

function parseVars(pairs: string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--var takes name=value, got "${pair}"`);
    values[pair.slice(0, at).replace(/^<(.*)>$/, '$1')] = pair.slice(at + 1);
  }
  return values;
}

async function askMissing(
  steps: Step[],
  values: Record<string, string>,
  interactive: boolean,
): Promise<void> {
  const missing = new Map<string, { token: string; line: number; example: string | null }>();
  for (const step of steps) {
    for (const p of step.placeholders) {
      if (!(p.name in values) && !missing.has(p.name))
        missing.set(p.name, { token: p.tokens[0] ?? p.name, line: step.line, example: p.example });
    }
  }
  if (missing.size === 0) return;
  if (!interactive) {
    const list = [...missing]
      .map(([name, m]) => `${m.token} (line ${m.line}; --var '${name}=…')`)
      .join(', ');
    throw new UsageError(`missing values for ${list}`);
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (const [name, m] of missing) {
      values[name] = await rl.question(`${m.token}${m.example ? ` (e.g. ${m.example})` : ''}: `);
    }
  } finally {
    rl.close();
  }
}

/**
 * Steps that ask before they run, asked as the app asks: destructive ones (the
 * guard's flags) and `confirm=true`. Without a terminal, flagged steps need
 * --allow-destructive and `confirm=true` ones --yes; in production the
 * environment's name is typed, or given as --confirm-environment. Nothing has
 * run when this refuses. Resolves with the typed name, if one was asked.
 */
async function confirmSteps(
  steps: Step[],
  file: string,
  environment: string,
  options: RunOptions,
  interactive: boolean,
): Promise<string | undefined> {
  const asking = stepsToConfirm(steps, false);
  if (asking.length === 0) return undefined;
  const production = isProduction(environment) ? environment : null;
  const destructive = asking.filter((a) => a.step.danger.some(asks));
  const flags = destructive.flatMap((a) =>
    a.step.danger.filter(asks).map((f) => `  ${file}:${f.line}: ${f.reason} (${f.rule})`),
  );
  if (!interactive) {
    if (destructive.length > 0 && !options.allowDestructive)
      throw new UsageError(
        `refusing to run destructive steps without --allow-destructive:\n${flags.join('\n')}`,
      );
    const plain = asking.filter((a) => !destructive.includes(a));
    if (plain.length > 0 && !options.yes && !options.allowDestructive)
      throw new UsageError(
        `steps at line ${plain.map((a) => a.step.line).join(', ')} ask for confirmation; pass --yes to run them:\n${plain.flatMap((a) => a.reasons.map((r) => `  ${file}:${r.startsWith('line ') ? r.slice(5) : `${a.step.line}: ${r}`}`)).join('\n')}`,
      );
    if (production !== null && options.confirmEnvironment !== production)
      throw new UsageError(
        `the run is in ${production}: pass --confirm-environment ${production} to run these steps:\n${asking.flatMap((a) => a.reasons.map((r) => `  ${file}:${r.replace(/^line /, '')}`)).join('\n')}`,
      );
    return production ?? options.confirmEnvironment;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    for (const { step, reasons } of asking) {
      process.stdout.write(`\n${step.code}\n${reasons.map((r) => `  ! ${r}`).join('\n')}\n`);
    }
    if (production !== null) {
      const answer = await rl.question(
        `\nThis runs in ${production}. Type ${production} to confirm: `,
      );
      if (answer.trim() !== production) throw new UsageError('not confirmed');
      return production;
    }
    const answer = await rl.question(
      `\nRun ${asking.length > 1 ? `these ${asking.length} steps` : 'this step'}? [y/N] `,
    );
    if (!/^y(es)?$/i.test(answer.trim())) throw new UsageError('not confirmed');
    return undefined;
  } finally {
    rl.close();
  }
}

/** In a terminal: show the shell live and pass keystrokes to it, for interactive steps. */
function attachTerminal(
  api: ReturnType<typeof createInProcessApi>,
  sessionId: () => string | null,
): () => void {
  const offData = api.on('session.didData', ({ sessionId: id, data }) => {
    if (id === sessionId()) process.stdout.write(data);
  });
  const onInput = (chunk: Buffer): void => {
    const id = sessionId();
    if (id)
      void api
        .call('session.write', { sessionId: id, data: chunk.toString() })
        .catch(() => undefined);
  };
  process.stdin.setRawMode?.(true);
  process.stdin.on('data', onInput);
  return () => {
    offData();
    process.stdin.off('data', onInput);
    process.stdin.setRawMode?.(false);
    process.stdin.pause();
  };
}

/** Reads a line without echoing it (a passphrase). */
function askHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    process.stdout.write(question);
    const stdin = process.stdin;
    stdin.setRawMode?.(true);
    stdin.resume();
    let answer = '';
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n') {
          stdin.off('data', onData);
          stdin.setRawMode?.(false);
          stdin.pause();
          process.stdout.write('\n');
          resolve(answer);
          return;
        }
        if (char === '\u0003') process.exit(130);
        answer = char === '\u007f' ? answer.slice(0, -1) : answer + char;
      }
    };
    stdin.on('data', onData);
  });
}

function label(step: Step): string {
  return step.attrs.name ?? (step.text || step.code?.split('\n')[0] || 'command');
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}
