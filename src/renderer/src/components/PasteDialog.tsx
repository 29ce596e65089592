import { ConfirmActions, ModalDialog } from './ModalDialog';

/** Pasting several lines into a shell runs them one after another: ask first, showing them. */
export function PasteDialog({
  text,
  onPaste,
  onClose,
}: {
  text: string;
  onPaste(): void;
  onClose(): void;
}) {
  const lines = text.replace(/\r?\n$/, '').split(/\r\n|\r|\n/).length;
  return (
    <ModalDialog
      title={`Paste ${lines} lines into the shell?`}
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
      <p className="muted">Each line runs as a command as soon as it is pasted.</p>
      <pre className="code paste-preview">
        <code>{text}</code>
      </pre>
    </ModalDialog>
  );
}
