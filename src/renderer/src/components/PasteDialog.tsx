import { ConfirmActions, ModalDialog } from './ModalDialog';

/** Pasting several lines into a shell runs them one after another: ask first, showing them. */
export function PasteDialog({
  text,
  removed,
  onPaste,
  onClose,
}: {
  text: string;
  /** Control characters and paste markers taken out of the clipboard's text. */
  removed: number;
  onPaste(): void;
  onClose(): void;
}) {
  const lines = text.replace(/\r?\n$/, '').split(/\r\n|\r|\n/).length;
  return (
    <ModalDialog
      title={lines === 1 ? 'Paste into the shell?' : `Paste ${lines} lines into the shell?`}
      onClose={onClose}
      wide
      testId="paste-dialog"
      actions={
        <ConfirmActions
          label="Paste"
          kind="primary"
          testId="confirm-paste"
          onConfirm={onPaste}
          onClose={onClose}
        />
      }
    >
      {removed > 0 && (
        <p className="paste-removed" data-testid="paste-removed">
          {removed} control {removed === 1 ? 'character was' : 'characters were'} taken out of the
          pasted text (a terminal would act on them: end the paste early, interrupt, run what
          follows).
        </p>
      )}
      {lines > 1 && <p className="muted">Each line runs as a command as soon as it is pasted.</p>}
      <pre className="code paste-preview">
        <code>{text}</code>
      </pre>
    </ModalDialog>
  );
}
