import type { RunState } from '../../../shared/api';
import { stepName, type Step } from '../../../shared/model';
import { StatusChip } from './StatusChip';
import { ModalDialog } from './ModalDialog';

/**
 * Finish with steps not done: which ones (line, name, how each stands), then
 * "Finish anyway" or "Back" to the run as it was.
 */
export function FinishDialog({
  steps,
  run,
  onFinish,
  onClose,
}: {
  steps: Step[];
  run: RunState;
  onFinish(): void;
  onClose(): void;
}) {
  const n = steps.length;
  return (
    <ModalDialog
      title={`Finish with ${n} step${n === 1 ? '' : 's'} not done?`}
      onClose={onClose}
      wide
      testId="finish-dialog"
      actions={
        <>
          <button
            type="button"
            className="btn btn-ghost"
            onClick={onClose}
            autoFocus
            data-testid="finish-back"
          >
            Back
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={onFinish}
            data-testid="finish-anyway"
          >
            Finish anyway
          </button>
        </>
      }
    >
      <p className="muted">
        The log records them as they stand. A finished run cannot be continued; start a new run to
        do them later.
      </p>
      <ul className="finish-steps" data-testid="finish-steps">
        {steps.map((step) => {
          const result = run.steps[step.id];
          return (
            <li key={step.id} data-testid="finish-step" data-line={step.line}>
              <span className="finish-line">Line {step.line}</span>
              <span className="finish-name">{stepName(step)}</span>
              {result && <StatusChip result={result} kind="command" />}
            </li>
          );
        })}
      </ul>
    </ModalDialog>
  );
}
