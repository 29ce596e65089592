import type { EventPayload } from '../../../shared/api';
import { ModalDialog } from './ModalDialog';

/** An SSH host offered a key that no known_hosts file has: show its fingerprint and ask, as ssh does. */
export function HostKeyDialog({
  prompt,
  onAnswer,
}: {
  prompt: EventPayload<'host.keyPrompt'>;
  onAnswer(accept: boolean): void;
}) {
  return (
    <ModalDialog
      title={`Trust the host key of ${prompt.alias}?`}
      onClose={() => onAnswer(false)}
      testId="host-key-dialog"
      actions={
        <>
          <button type="button" className="btn btn-ghost" onClick={() => onAnswer(false)}>
            Refuse
          </button>
          <button
            type="button"
            className="btn btn-primary"
            onClick={() => onAnswer(true)}
            data-testid="trust-host-key"
          >
            Trust and connect
          </button>
        </>
      }
    >
      <p>
        <code>{prompt.host}</code> is not in your known_hosts. Compare this fingerprint with the one
        the host's owner gives you (<code>ssh-keygen -lf</code> on the host):
      </p>
      <p className="dialog-url">
        <code data-testid="host-key-fingerprint">{prompt.fingerprint}</code>{' '}
        <span className="muted">({prompt.keyType})</span>
      </p>
      <p className="muted">Trusting adds it to known_hosts. A key that changes later is refused.</p>
    </ModalDialog>
  );
}
