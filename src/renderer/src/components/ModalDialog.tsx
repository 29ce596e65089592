import { useEffect, useRef, type ReactNode } from 'react';

/**
 * The app's one modal: a native <dialog> (focus trap, Escape, backdrop) opened
 * on mount. Every confirmation (links, pastes, confirm=true steps) uses it.
 */
export function ModalDialog({
  title,
  children,
  actions,
  onClose,
  wide = false,
  full = false,
  testId,
}: {
  title: string;
  children: ReactNode;
  actions: ReactNode;
  onClose(): void;
  wide?: boolean;
  /** Most of the window (the full-output viewer). */
  full?: boolean;
  testId: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    // The keyboard goes back where it was when the dialog closes (a step card, a button),
    // unless whatever the dialog did moved it elsewhere.
    const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialog.current?.showModal();
    return () => {
      const now = document.activeElement;
      if (before?.isConnected && (!now || now === document.body)) before.focus();
    };
  }, []);
  return (
    <dialog
      ref={dialog}
      className={`dialog${wide ? ' dialog-wide' : ''}${full ? ' dialog-full' : ''}`}
      onClose={onClose}
      data-testid={testId}
    >
      <h2>{title}</h2>
      {children}
      <div className="dialog-buttons">{actions}</div>
    </dialog>
  );
}

/** The two buttons of a confirmation: Cancel, and the action (which also closes the dialog). */
export function ConfirmActions({
  label,
  kind = 'primary',
  testId,
  disabled = false,
  onConfirm,
  onClose,
}: {
  label: string;
  kind?: 'primary' | 'danger';
  testId: string;
  /** The action waits for something (a typed name): off until then. */
  disabled?: boolean;
  onConfirm(): void;
  onClose(): void;
}) {
  return (
    <>
      <button type="button" className="btn btn-ghost" onClick={onClose}>
        Cancel
      </button>
      <button
        type="button"
        className={`btn btn-${kind}`}
        disabled={disabled}
        onClick={() => {
          onConfirm();
          onClose();
        }}
        data-testid={testId}
      >
        {label}
      </button>
    </>
  );
}
