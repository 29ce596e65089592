import { useEffect, useRef } from 'react';

/** Asks before a runbook's link leaves the app; only web and mail links can be opened. */
export function LinkDialog({ href, onClose }: { href: string; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  let url: URL | null = null;
  try {
    url = new URL(href);
  } catch {
    url = null;
  }
  const openable = url !== null && ['http:', 'https:', 'mailto:'].includes(url.protocol);
  const open = (): void => {
    // In Electron the window-open handler hands this to the system browser; in a browser it opens a tab.
    if (openable) window.open(url!.href, '_blank', 'noopener,noreferrer');
    onClose();
  };
  return (
    <dialog ref={dialog} className="dialog" onClose={onClose} data-testid="link-dialog">
      <h2>
        {openable ? 'Open this link in your browser?' : 'This link cannot be opened from Runsheet'}
      </h2>
      <p className="dialog-url">
        <code>{href || '(empty link)'}</code>
      </p>
      {!openable && (
        <p className="muted">
          Only http, https and mailto links open outside the app. Relative links point into the
          runbook's repository.
        </p>
      )}
      <div className="dialog-buttons">
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          {openable ? 'Cancel' : 'Close'}
        </button>
        {openable && (
          <button type="button" className="btn btn-primary" onClick={open} autoFocus>
            Open link
          </button>
        )}
      </div>
    </dialog>
  );
}
