import { openableUrl } from '../../../shared/util/links';
import { ModalDialog } from './ModalDialog';

/**
 * Asks before a link leaves the app, however it was followed (a click, a middle-click,
 * the keyboard, an OSC 8 link in a terminal, a window.open the desktop window denied);
 * only web and mail links can be opened.
 */
export function LinkDialog({
  href,
  onOpen,
  onClose,
}: {
  href: string;
  /** Opens the confirmed link: through the core in the desktop app, as a tab in a browser. */
  onOpen(url: string): void;
  onClose(): void;
}) {
  const url = openableUrl(href);
  const openable = url !== null;
  const open = (): void => {
    if (url) onOpen(url);
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
