import { useState } from 'react';
import type { Step } from '../../../shared/model';
import { ConfirmActions, ModalDialog } from './ModalDialog';

/** A step that asks before it runs, and why (its destructive commands, or `confirm=true`). */
export interface Asking {
  step: Step;
  reasons: string[];
}

/**
 * Steps that ask before they run: each with what it would do and its code. In
 * production the operator types the environment's name to go on; Run stays off
 * until the name matches.
 */
export function ConfirmRunDialog({
  steps,
  environment,
  onConfirm,
  onClose,
}: {
  steps: Asking[];
  /** The production environment whose name must be typed, or null. */
  environment: string | null;
  onConfirm(typed: string | undefined): void;
  onClose(): void;
}) {
  const [typed, setTyped] = useState('');
  const ready = environment === null || typed.trim() === environment;
  const destructive = steps.some((s) => s.step.danger.length > 0);
  const title =
    steps.length === 0
      ? `Run this step in ${environment}?`
      : steps.length === 1
        ? destructive
          ? 'Run a destructive step?'
          : 'Run this step?'
        : `Run ${steps.length} steps that ask first?`;
  const answer = () => onConfirm(environment === null ? undefined : typed.trim());
  // Enter in the name field: the same as Run, once the name matches.
  const submit = () => {
    if (!ready) return;
    answer();
    onClose();
  };
  return (
    <ModalDialog
      title={title}
      onClose={onClose}
      wide
      testId="confirm-dialog"
      actions={
        <ConfirmActions
          label={steps.length > 1 ? `Run ${steps.length} steps` : 'Run'}
          kind="danger"
          testId="confirm-run"
          disabled={!ready}
          onConfirm={answer}
          onClose={onClose}
        />
      }
    >
      {steps.map(({ step, reasons }) => (
        <div key={step.id} className="confirm-step" data-testid="confirm-step">
          <div className="muted">
            Line {step.line}: {step.attrs.name ?? step.text}
          </div>
          <ul className="confirm-reasons" data-testid="confirm-reasons">
            {reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
          <pre className="code">
            <code>{step.code}</code>
          </pre>
        </div>
      ))}
      {environment !== null && (
        <form
          className="confirm-type"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <label htmlFor="confirm-typed">
            This runs in <strong>{environment}</strong>. Type <code>{environment}</code> to confirm.
          </label>
          <input
            id="confirm-typed"
            className="input"
            autoFocus
            autoComplete="off"
            spellCheck={false}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            data-testid="confirm-typed"
          />
        </form>
      )}
    </ModalDialog>
  );
}
