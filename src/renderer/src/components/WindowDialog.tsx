import type { MethodOutput } from '../../../shared/api';
import { ConfirmActions, ModalDialog } from './ModalDialog';

/** Starting a run outside its environment's maintenance window: say which window, and ask. */
export function WindowDialog({
  verdict,
  onAnswer,
}: {
  verdict: MethodOutput<'run.preflight'>;
  onAnswer(start: boolean): void;
}) {
  return (
    <ModalDialog
      title={`Outside the ${verdict.environment} maintenance window`}
      onClose={() => onAnswer(false)}
      testId="window-dialog"
      actions={
        <ConfirmActions
          label="Start anyway"
          kind="danger"
          testId="start-outside-window"
          onConfirm={() => onAnswer(true)}
          onClose={() => onAnswer(false)}
        />
      }
    >
      <p>This run is {verdict.message}.</p>
      <p className="muted">
        Starting anyway is recorded in the maintenance log, with the window and the time.
      </p>
    </ModalDialog>
  );
}
