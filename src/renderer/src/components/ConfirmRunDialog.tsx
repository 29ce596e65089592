import { useEffect, useRef } from 'react';
import type { Step } from '../../../shared/runbook/types';

/** Steps marked `confirm=true` ask before they run; the dialog shows exactly what will run. */
export function ConfirmRunDialog({
  steps,
  onConfirm,
  onClose,
}: {
  steps: Step[];
  onConfirm(): void;
  onClose(): void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      className="dialog dialog-wide"
      onClose={onClose}
      data-testid="confirm-dialog"
    >
      <h2>
        Run {steps.length > 1 ? `${steps.length} steps that ask` : 'this step'} for confirmation?
      </h2>
      {steps.map((step) => (
        <div key={step.id} className="confirm-step">
          <div className="muted">
            Line {step.line}: {step.attrs.name ?? step.text}
          </div>
          <pre className="code">
            <code>{step.code}</code>
          </pre>
        </div>
      ))}
      <div className="dialog-buttons">
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="btn btn-danger"
          onClick={() => {
            onConfirm();
            onClose();
          }}
          data-testid="confirm-run"
        >
          Run
        </button>
      </div>
    </dialog>
  );
}
