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
  testId,
}: {
  title: string;
  children: ReactNode;
  actions: ReactNode;
  onClose(): void;
  wide?: boolean;
  testId: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog
      ref={dialog}
      className={`dialog${wide ? ' dialog-wide' : ''}`}
      onClose={onClose}
      data-testid={testId}
    >
      <h2>{title}</h2>
      {children}
      <div className="dialog-buttons">{actions}</div>
    </dialog>
  );
}
