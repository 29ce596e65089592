import { useEffect, useRef } from 'react';

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
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const lines = text.replace(/\r?\n$/, '').split(/\r\n|\r|\n/).length;
  return (
    <dialog
      ref={dialog}
      className="dialog dialog-wide"
      onClose={onClose}
      data-testid="paste-dialog"
    >
      <h2>Paste {lines} lines into the shell?</h2>
      <p className="muted">Each line runs as a command as soon as it is pasted.</p>
      <pre className="code paste-preview">
        <code>{text}</code>
      </pre>
      <div className="dialog-buttons">
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
      </div>
    </dialog>
  );
}
