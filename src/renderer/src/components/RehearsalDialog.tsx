import { useState, type FormEvent } from 'react';
import { ModalDialog } from './ModalDialog';

/** A disaster-recovery rehearsal: its target environment and recovery time objective. */
export function RehearsalDialog({
  defaultTarget,
  onStart,
  onClose,
}: {
  defaultTarget: string;
  onStart(rehearsal: { target: string; rtoMs: number }): void;
  onClose(): void;
}) {
  const [target, setTarget] = useState(defaultTarget);
  const [minutes, setMinutes] = useState('60');
  const rto = Number(minutes);
  const valid = target.trim().length > 0 && Number.isFinite(rto) && rto > 0 && rto <= 10_080;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    onStart({ target: target.trim(), rtoMs: Math.round(rto * 60_000) });
    onClose();
  };
  return (
    <ModalDialog
      title="Start a DR rehearsal"
      onClose={onClose}
      testId="rehearsal-dialog"
      actions={
        <>
          <button type="button" className="btn btn-ghost" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            form="rehearsal-form"
            className="btn btn-primary"
            disabled={!valid}
            data-testid="start-rehearsal"
          >
            Start rehearsal
          </button>
        </>
      }
    >
      <p className="muted">
        The run is timed against the recovery time objective. Its log gets a report (per-step
        durations, total against the RTO, slowest steps, failures and deviations), also saved as a
        document of its own.
      </p>
      <form id="rehearsal-form" className="auth-form" onSubmit={submit}>
        <label className="auth-field">
          <span>Target environment</span>
          <input
            value={target}
            onChange={(e) => setTarget(e.target.value)}
            autoFocus
            data-testid="rehearsal-target"
          />
        </label>
        <label className="auth-field">
          <span>Recovery time objective (minutes)</span>
          <input
            inputMode="decimal"
            value={minutes}
            onChange={(e) => setMinutes(e.target.value)}
            data-testid="rehearsal-rto"
          />
        </label>
      </form>
    </ModalDialog>
  );
}
