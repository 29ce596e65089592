import type { Step } from '../../../shared/model';
import { ConfirmActions, ModalDialog } from './ModalDialog';

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
        <ConfirmActions
          label="Run"
          kind="danger"
          testId="confirm-run"
          onConfirm={onConfirm}
          onClose={onClose}
        />
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
