import { useState } from 'react';
import type { StepResult } from '../../../shared/api';
import type { Step } from '../../../shared/runbook/types';
import { InlineMarkdown } from './InlineMarkdown';
import { StatusChip } from './StatusChip';

export interface StepActions {
  toggle(step: Step, checked: boolean): void;
  run(step: Step): void;
  skip(step: Step, reason: string): void;
}

interface Props {
  step: Step;
  result: StepResult | null;
  /** Another step of the run is running: Run buttons wait. */
  runLocked: boolean;
  busy: boolean;
  actions: StepActions;
}

/** One step: a checklist item, a runnable command, or a block that is only shown. */
export function StepCard({ step, result, runLocked, busy, actions }: Props) {
  const [skipping, setSkipping] = useState(false);
  const [reason, setReason] = useState('');
  const status = result?.status ?? 'pending';
  const actionable = step.kind === 'check' || step.runnable;
  const running = status === 'running';
  const done = status === 'checked' || status === 'passed' || status === 'skipped';

  const submitSkip = (): void => {
    if (!reason.trim()) return;
    actions.skip(step, reason.trim());
    setSkipping(false);
    setReason('');
  };

  return (
    <div
      className={`step step-${step.kind} step-${status}${step.runnable ? ' step-runnable' : ''}`}
      style={{ marginLeft: `${step.depth * 20}px` }}
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
              onChange={(e) => actions.toggle(step, e.target.checked)}
              aria-label={step.text || 'checklist item'}
            />
            <span className="check-box" aria-hidden />
            <span className={`check-text${done ? ' is-done' : ''}`}>
              <InlineMarkdown text={step.text || '(untitled item)'} />
            </span>
          </label>
        ) : (
          <div className="step-title">
            <span className="step-kind">{step.runnable ? '$' : (step.lang ?? 'text')}</span>
            <span className="step-label" title={step.text}>
              <InlineMarkdown text={step.text || 'Command'} />
            </span>
          </div>
        )}
        <div className="step-actions">
          {result && <StatusChip result={result} kind={step.kind} />}
          {actionable && result && !done && !running && (
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => setSkipping((v) => !v)}
              disabled={busy}
            >
              Skip…
            </button>
          )}
          {step.runnable && (
            <button
              type="button"
              className={`btn btn-small ${status === 'failed' || status === 'passed' ? 'btn-secondary' : 'btn-primary'}`}
              onClick={() => actions.run(step)}
              disabled={busy || running || runLocked}
              title={
                runLocked && !running
                  ? 'Another step is running'
                  : `Run in the terminal (line ${step.line})`
              }
              data-testid="run-step"
            >
              {running
                ? 'Running…'
                : status === 'failed' || status === 'passed'
                  ? 'Run again'
                  : 'Run'}
            </button>
          )}
        </div>
      </div>
      {step.code !== null && (
        <pre className={`code${step.runnable ? '' : ' code-static'}`} data-lang={step.lang ?? ''}>
          <code>{step.code}</code>
        </pre>
      )}
      {!step.runnable && step.code !== null && (
        <div className="step-note">
          {step.lang ? `${step.lang} block` : 'Text block'}: shown, not run
        </div>
      )}
      {result?.skipReason && status === 'skipped' && (
        <div className="step-note">Skipped: {result.skipReason}</div>
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
            onKeyDown={(e) => e.key === 'Escape' && setSkipping(false)}
          />
          <button type="submit" className="btn btn-small btn-secondary" disabled={!reason.trim()}>
            Skip step
          </button>
        </form>
      )}
      {result?.output && (status === 'passed' || status === 'failed') && (
        <details className="output" open={status === 'failed'}>
          <summary>
            Output <span className="muted">({result.outputBytes} bytes)</span>
          </summary>
          <pre data-testid="step-output">{lastLines(result.output, 40)}</pre>
        </details>
      )}
    </div>
  );
}

function lastLines(text: string, n: number): string {
  const lines = text.split('\n');
  return lines.length <= n
    ? text
    : `… ${lines.length - n} more lines above\n${lines.slice(-n).join('\n')}`;
}
