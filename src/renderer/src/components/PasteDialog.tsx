import { ModalDialog } from './ModalDialog';

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
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => {
              onPaste();
              onClose();
            }}
            data-testid="confirm-paste"
          >
            Paste
          </button>
        </>
      }
    >
      <p className="muted">Each line runs as a command as soon as it is pasted.</p>
      <pre className="code paste-preview">
        <code>{text}</code>
      </pre>
    </ModalDialog>
  );
}
