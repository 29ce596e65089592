import type { Step } from '../../../shared/runbook/types';
import { ModalDialog } from './ModalDialog';

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
  return (
    <ModalDialog
      title={`Run ${steps.length > 1 ? `${steps.length} steps that ask` : 'this step'} for confirmation?`}
      onClose={onClose}
      wide
      testId="confirm-dialog"
      actions={
        <>
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
        </>
      }
    >
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
    </ModalDialog>
  );
}
