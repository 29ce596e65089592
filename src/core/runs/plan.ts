import {
  asks,
  blockedReason,
  planRollout,
  rolloutSpecOf,
  stepsToConfirm,
  type PlanContent,
  type PlanStep,
  type Runbook,
  type Step,
} from '../../shared/model';
import type { StepAnalyzer } from '../../shared/runbook';
import { isSecretVariable } from '../redaction/config';
import type { WindowVerdict } from '../schedule/window-check';
import { sha256 } from '../journal/reader';
import { parseDurationMs } from '../../shared/runbook/info-string';
import { commandFor, dangerWithValues, missingValues } from './step-command';

const MASK = '••••••';

/** What a plan is of: the workspace's runbook on a host, or a live run's own copy, hosts and moves. */
export interface PlanOptions {
  host?: string;
  runHosts?: string[];
  variables?: Record<string, string>;
  runbook?: Runbook;
  source?: string;
  stepTargets?: Record<string, string>;
}

/** What a plan is made from: the runbook as it would run, where, and with which values. */
export interface PlanInput {
  runbookId: string;
  runbook: Runbook;
  /** The runbook's exact text (its SHA-256 names the text the plan is for). */
  source: string;
  verdict: WindowVerdict;
  approval: 'required' | 'none';
  /** The hosts a step runs on when it names none: the run's host or group; empty for this machine. */
  runHosts: string[];
  /** Steps moved to another host or group in a live run, by step id. */
  stepTargets: Record<string, string>;
  expandHosts(spec: string): string[];
  variables: Record<string, string>;
  analyze: StepAnalyzer;
}

/**
 * Every step a run could run, in order: all runnable ones, those left out of "Run all"
 * too (they run when started by hand, so a signed plan must cover them).
 */
export function plannedSteps(runbook: Runbook): Step[] {
  return runbook.steps.filter((s) => s.runnable);
}

/**
 * The plan's content: each step that would run with its command as it would run
 * (secret values masked), its hosts and its danger flags, found again on the
 * filled command (a placeholder can be what makes a step destructive).
 */
export function planContent(input: PlanInput): PlanContent {
  const { runbook } = input;
  const masked: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.variables))
    masked[name] = isSecretVariable(runbook, name) ? MASK : value;
  const secrets = Object.entries(input.variables)
    .filter(([name, value]) => value && isSecretVariable(runbook, name))
    .map(([, value]) => value);
  const mask = (text: string): string =>
    secrets.reduce((out, value) => out.split(value).join(MASK), text);
  const lines = input.source.replace(/\r\n?/g, '\n').split('\n');
  const steps: PlanStep[] = plannedSteps(runbook).map((step) => {
    // Judged with the real values (a secret can be what makes a command destructive: that
    // changes the plan and so its hash), shown with secrets masked.
    const danger = dangerWithValues(step, input.variables, input.analyze, lines).map((f) => ({
      ...f,
      reason: mask(f.reason),
      command: mask(f.command),
    }));
    const moved = input.stepTargets[step.id];
    const specs = moved
      ? [moved]
      : (step.attrs.hosts ?? (step.attrs.host ? [step.attrs.host] : null));
    const hosts = specs ? [...new Set(specs.flatMap((s) => input.expandHosts(s)))] : input.runHosts;
    // Batches only where the step fans out (as the runner decides: not the run's one host).
    const fanOut =
      hosts.length > 1 ||
      (specs !== null && hosts.length === 1 && !input.runHosts.includes(hosts[0]!));
    const rollout = fanOut
      ? planRollout(hosts, rolloutSpecOf(step.attrs, runbook.frontmatter, parseDurationMs))
      : null;
    return {
      stepId: step.id,
      line: step.line,
      name:
        step.attrs.name ??
        (step.text || (step.code ?? '').split('\n').find((l) => l.trim()) || 'command'),
      command: commandFor(step, masked),
      missing: missingValues(step, input.variables),
      hosts: hosts.length > 0 ? hosts : ['local'],
      runAll: !step.attrs.excludeFromRunAll,
      danger,
      asks: danger.some(asks) || stepsToConfirm([{ ...step, danger }], false).length > 0,
      ...(step.blocked.length > 0 ? { blocked: blockedReason(step)! } : {}),
      ...(rollout ? { rollout } : {}),
    };
  });
  return {
    version: 1,
    runbook: { id: input.runbookId, title: runbook.title, sha256: sha256(input.source) },
    environment: input.verdict.environment,
    window: { window: input.verdict.window, source: input.verdict.source },
    approval: input.approval,
    steps,
  };
}

/**
 * The text that is hashed and signed: the content as JSON with its keys in the
 * order the schema gives them (built that way above), one trailing newline.
 */
export function planText(content: PlanContent): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}
