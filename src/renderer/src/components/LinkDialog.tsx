import { ModalDialog } from './ModalDialog';

/** Asks before a link leaves the app; only web and mail links can be opened. */
export function LinkDialog({ href, onClose }: { href: string; onClose(): void }) {
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
    <ModalDialog
      title={
        openable ? 'Open this link in your browser?' : 'This link cannot be opened from Runsheet'
      }
      onClose={onClose}
      testId="link-dialog"
      actions={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            {openable ? 'Cancel' : 'Close'}
          </button>
          {openable && (
            <button type="button" className="btn btn-primary" onClick={open} autoFocus>
              Open link
            </button>
          )}
        </>
      }
    >
      <p className="dialog-url">
        <code>{href || '(empty link)'}</code>
      </p>
      {!openable && (
        <p className="muted">
          Only http, https and mailto links open outside the app. Relative links point into the
          runbook's repository.
        </p>
      )}
    </ModalDialog>
  );
}
