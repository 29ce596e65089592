import { SHORTCUTS } from '../ui/keys';
import { ModalDialog } from './ModalDialog';

/** `?`: every keyboard shortcut, by where it works. */
export function ShortcutsDialog({ onClose }: { onClose(): void }) {
  return (
    <ModalDialog
      title="Keyboard shortcuts"
      wide
      testId="shortcuts"
      onClose={onClose}
      actions={
        <button type="button" className="btn btn-secondary" onClick={onClose} autoFocus>
          Close
        </button>
      }
    >
      <div className="shortcuts">
        {SHORTCUTS.map((group) => (
          <section key={group.where}>
            <h3>{group.where}</h3>
            <table>
              <tbody>
                {group.shortcuts.map((s) => (
                  <tr key={s.what}>
                    <td className="shortcut-keys">
                      {s.keys.map((k) => (
                        <kbd key={k}>{k}</kbd>
                      ))}
                    </td>
                    <td>{s.what}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        ))}
      </div>
    </ModalDialog>
  );
}
