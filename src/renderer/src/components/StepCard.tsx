import { useRef, useState, type KeyboardEvent } from 'react';
import type { StepResult } from '../../../shared/api';
import {
  asks,
  blockedReason,
  ENDED,
  failingCommandsText,
  isActionable,
  isDone,
  type DangerFlag,
  type Step,
} from '../../../shared/model';
import { compareHosts } from '../../../shared/util/host-order';
import { moveStepFocus } from '../ui/keys';
import { CodeBlock } from './CodeBlock';
import { Markdown } from './Markdown';
import { StatusChip } from './StatusChip';
import { RolloutStrip } from './RolloutStrip';
import { OutputGroupsView } from './OutputGroupsView';

export interface StepActions {
  toggle(step: Step, checked: boolean): void;
  run(step: Step, andFollowing?: boolean): void;
  cancel(force: boolean): void;
  /** The go-ahead for the next batch of a rollout that waits for it (`pauseBetween=ask`). */
  proceed(step: Step): void;
  markDone(step: Step): void;
  skip(step: Step, reason: string): void;
  setVariable(step: Step, name: string, value: string): void;
  /** Runs the step on another inventory host or group in this run; null puts it back. */
  setTarget(step: Step, host: string | null): void;
  openLink(href: string): void;
  /** Opens the step's whole output in the full-output viewer (a fan-out step: on this host). */
  openOutput(step: Step, host: string | null): void;
}

interface Props {
  step: Step;
  result: StepResult | null;
  /** Values filled in this run, by placeholder name. */
  variables: Record<string, string>;
  /** Inventory hosts and groups the step can be moved to (none: no picker). */
  targets: string[];
  /** Where the user moved the step in this run, if anywhere. */
  movedTo: string | null;
  /** The run's own target, when a run exists. */
  runHost: string | null;
  /** A rehearsal stopped before this destructive step until it is confirmed. */
  held?: boolean;
  /** The run is a DR rehearsal (a step marked rehearsal=safe runs in it without asking). */
  rehearsal?: boolean;
  /** A past run: shown as it ended, no buttons. */
  readOnly?: boolean;
  /** Another step of the run is running: Run buttons wait. */
  runLocked: boolean;
  busy: boolean;
  /** The step the keyboard is on: its card is the checklist's one Tab stop, and its controls follow it. */
  current?: boolean;
  /** The focus came into this step's card (or one of its controls). */
  onFocusStep?(stepId: string): void;
  actions: StepActions;
}

/** One step: a checklist item, a runnable command, or a block that is only shown. */
export function StepCard({
  step,
  result,
  variables,
  targets,
  movedTo,
  runHost,
  runLocked,
  busy,
  actions,
  held = false,
  rehearsal = false,
  readOnly = false,
  current = false,
  onFocusStep,
}: Props) {
  const card = useRef<HTMLDivElement>(null);
  const [skipping, setSkipping] = useState(false);
  const [cancelSent, setCancelSent] = useState(false);
  const [reason, setReason] = useState('');
  const status = result?.status ?? 'pending';
  /** Each host's result (fan-out, or a step moved to a host), in the order people count hosts. */
  const hosts = Object.entries(result?.hosts ?? {}).sort(([a], [b]) => compareHosts(a, b));
  const actionable = isActionable(step);
  const running = status === 'running';
  const done = isDone(status);
  const missing = step.placeholders.filter((p) => !(p.name in variables));
  /** An error in the runbook stops this step: Run stays off, saying why. */
  const blocked = step.runnable ? blockedReason(step) : null;

  const canRun =
    step.runnable &&
    !readOnly &&
    !busy &&
    !runLocked &&
    !running &&
    missing.length === 0 &&
    blocked === null;
  /** Runs the step and keeps the keyboard on its card (the button it came from may be disabled now). */
  const run = (andFollowing = false): void => {
    setCancelSent(false);
    actions.run(step, andFollowing);
    card.current?.focus();
  };
  const canToggle = step.kind === 'check' && !readOnly && !busy && !running;
  const toggle = (): void => {
    if (canToggle) actions.toggle(step, !(status === 'checked' || status === 'passed'));
  };
  // Keys on the card itself (a control inside has its own).
  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    if (e.target !== e.currentTarget || e.ctrlKey || e.metaKey || e.altKey) return;
    const go = (to: Parameters<typeof moveStepFocus>[1]): void => {
      e.preventDefault();
      moveStepFocus(e.currentTarget, to);
    };
    if (e.key === 'j' || e.key === 'ArrowDown') go('next');
    else if (e.key === 'k' || e.key === 'ArrowUp') go('previous');
    else if (e.key === 'n') go('next-undone');
    else if (e.key === 'Home') go('first');
    else if (e.key === 'End') go('last');
    else if (e.key === 'Enter') {
      e.preventDefault();
      if (step.kind === 'check') toggle();
      else if (canRun) run(e.shiftKey);
      else if (missing.length > 0 && !readOnly)
        card.current?.querySelector<HTMLInputElement>('[data-placeholder-input]')?.focus();
    } else if (e.key === ' ') {
      e.preventDefault();
      toggle();
    } else if (e.key === 's' && actionable && !done && !running && !readOnly && !busy) {
      e.preventDefault();
      setSkipping(true);
    }
  };
  /** A control inside a card that is not the keyboard's: out of the Tab order. */
  const inner = current ? undefined : -1;

  const submitSkip = (): void => {
    if (!reason.trim()) return;
    actions.skip(step, reason.trim());
    setSkipping(false);
    setReason('');
    card.current?.focus();
  };

  return (
    <div
      ref={card}
      className={`step step-${step.kind} step-${status}${step.runnable ? ' step-runnable' : ''}${step.code !== null ? ' has-code' : ''}`}
      style={{ marginLeft: `${step.depth * 20}px` }}
      tabIndex={actionable ? (current ? 0 : -1) : undefined}
      role={actionable ? 'group' : undefined}
      aria-label={
        actionable
          ? `${step.kind === 'check' ? 'Item' : 'Command'}, line ${step.line}: ${step.attrs.name ?? (step.text || step.code?.split('\n')[0] || '')} (${status})`
          : undefined
      }
      data-nav-step={actionable ? step.id : undefined}
      data-done={done ? 'true' : undefined}
      onFocus={() => onFocusStep?.(step.id)}
      onKeyDown={actionable ? onKeyDown : undefined}
      data-testid="step"
      data-step-id={step.id}
      data-line={step.line}
    >
      <div className="step-head">
        {step.kind === 'check' ? (
          <label className="check">
            <input
              type="checkbox"
              checked={status === 'checked' || status === 'passed'}
              disabled={busy || running}
              tabIndex={inner}
              onChange={(e) => actions.toggle(step, e.target.checked)}
              aria-label={step.text || 'checklist item'}
            />
            <span className="check-box" aria-hidden />
            <Markdown
              inline
              className={`check-text${done ? ' is-done' : ''}`}
              source={step.text || '(untitled item)'}
              onLink={actions.openLink}
            />
          </label>
        ) : (
          <div className="step-title">
            <span className="step-kind">
              {step.runnable ? (step.attrs.interpreter ?? '$') : (step.lang ?? 'text')}
            </span>
            <span className="step-label" title={step.text}>
              <Markdown
                inline
                source={step.attrs.name ?? (step.text || 'Command')}
                onLink={actions.openLink}
              />
            </span>
          </div>
        )}
        <div className="step-actions">
          {result && <StatusChip result={result} kind={step.kind} />}
          {actionable && !done && !running && !readOnly && (
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => setSkipping((v) => !v)}
              disabled={busy}
              tabIndex={inner}
            >
              Skip…
            </button>
          )}
        </div>
      </div>
      {blocked !== null && (
        <div className="step-blocked" data-testid="step-blocked" role="alert">
          <span className="step-blocked-label">Cannot run</span>
          <ul>
            {step.blocked.map((b) => (
              <li key={`${b.line}:${b.message}`}>
                Line {b.line}: {b.message}
              </li>
            ))}
          </ul>
          <span className="muted">Fix the runbook; the view follows the file.</span>
        </div>
      )}
      {step.runnable && step.repaired && (
        <div className="step-note step-repaired" data-testid="step-repaired" role="note">
          The code fence opened on line {step.repaired.openedLine} is never closed: Runsheet ended
          the block at line {step.repaired.lastLine}, {step.repaired.cut}. Run shows the code as cut
          and asks before it runs.
        </div>
      )}
      {step.runnable && step.danger.length > 0 && (
        <DangerNote flags={step.danger} safeHere={rehearsal && step.attrs.rehearsal === 'safe'} />
      )}
      {held && !done && (
        <div className="step-note step-held" data-testid="step-held">
          Held: this rehearsal stops before each destructive step. Run it to confirm it and go on.
        </div>
      )}
      {step.code !== null && (
        <CodeBlock
          code={step.code}
          lang={step.lang}
          runnable={step.runnable}
          placeholders={step.placeholders}
          className={step.runnable ? '' : 'code-static'}
          tabIndex={inner}
        />
      )}
      {step.expectedOutput !== null && (
        <div className="expected">
          <div className="expected-label">Expected output</div>
          <CodeBlock
            code={step.expectedOutput}
            lang="text"
            runnable={false}
            className="code-expected"
            tabIndex={inner}
          />
        </div>
      )}
      {step.placeholders.length > 0 && (
        <div className="variables" data-testid="placeholders">
          {step.placeholders.map((p) => (
            <VariableInput
              key={p.name}
              label={p.tokens[0] ?? p.name}
              example={p.example}
              value={variables[p.name]}
              tabIndex={inner}
              onCommit={(value) => actions.setVariable(step, p.name, value)}
            />
          ))}
        </div>
      )}
      {step.runnable && !readOnly && (
        <div className="step-toolbar">
          {targets.length > 0 && (
            <label className="step-target" title="Where this step runs, in this run">
              <span className="muted">on</span>
              <select
                value={movedTo ?? ''}
                onChange={(e) => actions.setTarget(step, e.target.value || null)}
                disabled={busy || running}
                tabIndex={inner}
                data-testid="step-target"
              >
                <option value="">
                  {step.attrs.hosts?.join(', ') ?? step.attrs.host ?? runHost ?? "the run's host"}
                </option>
                {targets.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
          )}
          {step.runnable && running && (
            <button
              type="button"
              className="btn btn-small btn-danger"
              onClick={() => {
                actions.cancel(cancelSent);
                setCancelSent(true);
              }}
              tabIndex={inner}
              data-testid="cancel-step"
              title={
                cancelSent
                  ? 'Kill the shell (a new one starts in the same directory)'
                  : 'Send Ctrl-C'
              }
            >
              {cancelSent ? 'Kill' : 'Cancel'}
            </button>
          )}
          {step.runnable && !running && (
            <>
              {!done && (
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  onClick={() => actions.markDone(step)}
                  disabled={busy}
                  tabIndex={inner}
                  title="I ran this another way"
                >
                  Mark done
                </button>
              )}
              <button
                type="button"
                className="btn btn-ghost btn-small"
                onClick={() => run(true)}
                disabled={busy || runLocked || missing.length > 0 || blocked !== null}
                tabIndex={inner}
                title={
                  blocked !== null
                    ? `Cannot run: ${blocked}`
                    : 'Run this step and the runnable steps after it; stops at the first failure or at a step that cannot run'
                }
                data-testid="run-from-here"
              >
                Run from here
              </button>
              <button
                type="button"
                className={`btn btn-small ${status === 'failed' || status === 'passed' ? 'btn-secondary' : 'btn-primary'}`}
                onClick={() => run()}
                disabled={busy || runLocked || missing.length > 0 || blocked !== null}
                tabIndex={inner}
                title={
                  blocked !== null
                    ? `Cannot run: ${blocked}`
                    : missing.length > 0
                      ? `Fill in ${missing.map((p) => p.tokens[0]).join(', ')} first`
                      : runLocked
                        ? 'Another step is running'
                        : `Run in the terminal (line ${step.line})`
                }
                data-testid="run-step"
              >
                {status === 'failed' || status === 'passed' || status === 'cancelled'
                  ? 'Run again'
                  : 'Run'}
              </button>
            </>
          )}
        </div>
      )}
      {step.env.length > 0 && step.runnable && (
        <div className="step-note">
          Reads {step.env.map((name) => `$${name}`).join(', ')} from the shell: set{' '}
          {step.env.length > 1 ? 'them' : 'it'} in the terminal first if your environment does not.
        </div>
      )}
      {!step.runnable && step.code !== null && (
        <div className="step-note">
          {step.lang ? `${step.lang} block` : 'Text block'}: shown, not run
        </div>
      )}
      {result?.skipReason && status === 'skipped' && (
        <div className="step-note">Skipped: {result.skipReason}</div>
      )}
      {result?.rollout && (
        <RolloutStrip
          rollout={result.rollout}
          hosts={result.hosts}
          running={running}
          canProceed={!readOnly && running}
          onProceed={() => actions.proceed(step)}
        />
      )}
      {hosts.length > 0 && (
        <div className="host-results" data-testid="host-results">
          {hosts.map(([host, h]) => (
            <span
              key={host}
              className={`host-result chip chip-${h.status === 'passed' ? 'passed' : h.status === 'not-run' ? 'pending' : 'failed'}`}
              title={h.detail ?? h.output}
            >
              {host} · {h.status}
              {h.exitCode !== null && h.status !== 'passed' ? ` · exit ${h.exitCode}` : ''}
            </span>
          ))}
        </div>
      )}
      {result && hosts.length > 1 && !running && <OutputGroupsView hosts={result.hosts} />}
      {result && failingCommandsText(result) && (
        <div className="step-note step-failing" data-testid="step-failing" role="status">
          {failingCommandsText(result)}
        </div>
      )}
      {result?.detail && (
        <div className="step-note step-detail" data-testid="step-detail">
          {result.detail}
        </div>
      )}
      {step.attrs.confirm && step.runnable && !done && step.danger.length === 0 && (
        <div className="step-note">Asks for confirmation before it runs.</div>
      )}
      {skipping && (
        <form
          className="skip-form"
          onSubmit={(e) => {
            e.preventDefault();
            submitSkip();
          }}
        >
          <input
            autoFocus
            className="input"
            placeholder="Why is this step skipped? (goes into the log)"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            onKeyDown={(e) => {
              if (e.key !== 'Escape') return;
              e.stopPropagation();
              setSkipping(false);
              card.current?.focus();
            }}
          />
          <button type="submit" className="btn btn-small btn-secondary" disabled={!reason.trim()}>
            Skip step
          </button>
        </form>
      )}
      {result?.output && ENDED.has(status) && (
        <details className="output" open={status !== 'passed'}>
          <summary tabIndex={inner}>
            Output <span className="muted">({result.outputBytes} bytes)</span>
          </summary>
          {hosts.length > 1 ? (
            // A fan-out: each host's own output under its name, in the order of the chips. Hosts
            // a rollout never reached have none: their chips and the rollout's "Stopped" say why.
            hosts
              .filter(([, h]) => h.status !== 'not-run')
              .map(([host, h]) => (
                <div key={host} className="host-output" data-testid="host-output">
                  <div className="host-output-title">
                    <span className="connection-host">{host}</span> · {h.status}
                    {h.exitCode !== null ? ` · exit ${h.exitCode}` : ''}
                    <button
                      type="button"
                      className="btn btn-small btn-ghost"
                      tabIndex={inner}
                      onClick={() => actions.openOutput(step, host)}
                    >
                      Full output
                    </button>
                  </div>
                  <pre>{lastLines(h.output || h.detail || '(no output)', 20)}</pre>
                </div>
              ))
          ) : (
            <>
              <pre data-testid="step-output">{lastLines(result.output, 40)}</pre>
              <button
                type="button"
                className="btn btn-small btn-ghost"
                tabIndex={inner}
                onClick={() => actions.openOutput(step, null)}
                data-testid="full-output"
              >
                Full output
              </button>
            </>
          )}
        </details>
      )}
    </div>
  );
}

/** A placeholder's value: edited locally, sent to the run when the field is left or Enter is pressed. */
function VariableInput({
  label,
  example,
  value,
  tabIndex,
  onCommit,
}: {
  label: string;
  example: string | null;
  value: string | undefined;
  tabIndex: number | undefined;
  onCommit(value: string): void;
}) {
  const [draft, setDraft] = useState<string | null>(null);
  const shown = draft ?? value ?? '';
  const commit = (): void => {
    if (draft !== null && draft !== value) onCommit(draft);
    setDraft(null);
  };
  return (
    <label className={`variable${value === undefined ? ' is-missing' : ''}`}>
      <span className="variable-name">{label}</span>
      <input
        className="input input-small"
        value={shown}
        placeholder={example ? `e.g. ${example}` : 'value'}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        tabIndex={tabIndex}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        data-placeholder-input={label}
      />
    </label>
  );
}

function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.length <= n
    ? text
    : `… ${lines.length - n} more lines above\n${lines.slice(-n).join('\n')}`;
}

/** What the step would destroy, before anything runs: the guard's flags, most severe first. */
function DangerNote({ flags, safeHere }: { flags: DangerFlag[]; safeHere: boolean }) {
  const asking = flags.some(asks);
  return (
    <div
      className={`danger-note${asking ? '' : ' danger-note-low'}`}
      data-testid="danger-note"
      role="note"
    >
      <span className="danger-label">{asking ? 'Destructive' : 'Dry run'}</span>
      <ul>
        {flags.map((f) => (
          <li key={`${f.line}:${f.rule}`} title={`${f.command} (rule ${f.rule})`}>
            {f.reason} <span className="muted">· line {f.line}</span>
          </li>
        ))}
      </ul>
      {asking && (
        <span className="muted danger-asks">
          {safeHere
            ? 'Marked rehearsal=safe: runs in this rehearsal without asking.'
            : 'Asks before it runs.'}
        </span>
      )}
    </div>
  );
}
