import { rolloutText, type Plan } from '../../../shared/model';
import { ModalDialog } from './ModalDialog';

/**
 * What a run would do, before it does anything: each step in order with the
 * command as it would run (placeholders filled, secrets masked), its hosts and
 * what it would destroy; the environment, its window, and the plan's SHA-256,
 * which an approver signs where production runs need approval.
 */
export function PlanDialog({
  plan,
  saved,
  onSave,
  onClose,
}: {
  plan: Plan | null;
  saved: string | null;
  onSave(): void;
  onClose(): void;
}) {
  const asking = plan?.steps.filter((s) => s.asks).length ?? 0;
  return (
    <ModalDialog
      title={plan ? `Plan: ${plan.runbook.title}` : 'Plan'}
      onClose={onClose}
      wide
      testId="plan-dialog"
      actions={
        <>
          {plan?.approval === 'required' && (
            <button
              type="button"
              className="btn btn-ghost"
              onClick={onSave}
              data-testid="save-plan"
            >
              Save for signing
            </button>
          )}
          <button type="button" className="btn btn-secondary" onClick={onClose}>
            Close
          </button>
        </>
      }
    >
      {!plan ? (
        <p className="muted">Planning…</p>
      ) : (
        <>
          <dl className="plan-facts" data-testid="plan-facts">
            <dt>Environment</dt>
            <dd data-testid="plan-environment">{plan.environment}</dd>
            <dt>Window</dt>
            <dd>
              {plan.window.window
                ? `"${plan.window.window}" (${plan.window.source}): ${plan.verdict.open === true ? 'open now' : plan.verdict.open === false ? 'closed now' : 'cannot be read'}`
                : 'none for this environment'}
            </dd>
            {plan.approval === 'required' && (
              <>
                <dt>Approval</dt>
                <dd data-testid="plan-approval">
                  {plan.signature
                    ? `signed by ${plan.signature.signer} (${plan.signature.key})`
                    : `required, not signed${plan.signatureProblem ? `: ${plan.signatureProblem}` : ''}`}
                </dd>
              </>
            )}
            <dt>SHA-256</dt>
            <dd>
              <code data-testid="plan-sha256">{plan.sha256}</code>
            </dd>
          </dl>
          {saved && (
            <p className="plan-saved" data-testid="plan-saved">
              Saved to <code>{saved}</code>. To approve it:{' '}
              <code>ssh-keygen -Y sign -f ~/.ssh/id_ed25519 -n runsheet-plan {saved}</code>
            </p>
          )}
          <p className="muted">
            {plan.steps.length} {plan.steps.length === 1 ? 'step' : 'steps'}; {asking}{' '}
            {asking === 1 ? 'asks' : 'ask'} before {asking === 1 ? 'it runs' : 'they run'}. Nothing
            has run.
          </p>
          <ol className="plan-steps">
            {plan.steps.map((step) => (
              <li key={step.stepId} className="plan-step" data-testid="plan-step">
                <div className="plan-step-head">
                  <span className="plan-step-name">{step.name}</span>
                  <span className="muted">
                    line {step.line} · {step.hosts.join(', ')}
                  </span>
                  {step.asks && <span className="chip chip-failed">asks first</span>}
                </div>
                {step.danger.length > 0 && (
                  <ul className="confirm-reasons">
                    {step.danger.map((f) => (
                      <li key={`${f.line}:${f.rule}`}>
                        line {f.line}: {f.reason}
                        {f.severity === 'low' ? '' : ` (${f.severity})`}
                      </li>
                    ))}
                  </ul>
                )}
                {step.blocked && (
                  <div className="step-blocked" data-testid="plan-blocked">
                    Cannot run: {step.blocked}
                  </div>
                )}
                {step.rollout && (
                  <div className="plan-rollout" data-testid="plan-rollout">
                    <div className="step-note">Rollout: {rolloutText(step.rollout)}</div>
                    <ol className="plan-batches">
                      {step.rollout.batches.map((batch, i) => (
                        <li key={i} data-testid="plan-batch">
                          Batch {i + 1} ({batch.length} host{batch.length === 1 ? '' : 's'}):{' '}
                          {batch.join(', ')}
                        </li>
                      ))}
                    </ol>
                  </div>
                )}
                {step.missing.length > 0 && (
                  <div className="step-note">Needs {step.missing.join(', ')} before it runs</div>
                )}
                <pre className="code plan-command">
                  <code>{step.command.replace(/\n$/, '')}</code>
                </pre>
              </li>
            ))}
          </ol>
        </>
      )}
    </ModalDialog>
  );
}
