import type { HostResult, Rollout } from '../../../shared/model';
import { batchLabel, rolloutText } from '../../../shared/model';

interface Props {
  rollout: Rollout;
  hosts: Record<string, HostResult>;
  /** The step is running now (a finished one shows where it ended). */
  running: boolean;
  canProceed: boolean;
  onProceed(): void;
}

type BatchState = 'passed' | 'failed' | 'running' | 'waiting' | 'not-run' | 'pending';

/** How one batch stands, from its hosts' results and where the rollout is. */
function batchState(
  rollout: Rollout,
  i: number,
  hosts: Record<string, HostResult>,
  running: boolean,
): BatchState {
  const results = rollout.batches[i]!.map((h) => hosts[h]);
  if (results.every((r) => r?.status === 'not-run')) return 'not-run';
  if (results.every(Boolean))
    return results.every((r) => r!.status === 'passed') ? 'passed' : 'failed';
  if (i === rollout.current && running) return rollout.waiting ? 'waiting' : 'running';
  return 'pending';
}

/** The headline: where a running rollout is; where a finished one ended. */
function where(rollout: Rollout, running: boolean): string {
  const n = rollout.batches.length;
  if (rollout.stopped) return `stopped after batch ${rollout.current} of ${n}`;
  if (running && rollout.current >= 0) return batchLabel(rollout);
  return `${n} batch${n === 1 ? '' : 'es'}`;
}

const CHIP: Record<BatchState, string> = {
  passed: 'chip-passed',
  failed: 'chip-failed',
  running: 'chip-running',
  waiting: 'chip-pending',
  'not-run': 'chip-skipped',
  pending: 'chip-pending',
};

/**
 * A fan-out in batches on its step card: where the run is ("batch 2 of 3 · 10 hosts"), each
 * batch and how it went, the wait before the next batch (and its go-ahead, for `ask`), and
 * why it stopped.
 */
export function RolloutStrip({ rollout, hosts, running, canProceed, onProceed }: Props) {
  const next = rollout.current + 1;
  const size = rollout.batches[rollout.current]?.length ?? 0;
  return (
    <div className="rollout" data-testid="rollout">
      <div className="rollout-head">
        <span className="rollout-where" data-testid="rollout-where">
          {where(rollout, running)}
        </span>
        <span className="rollout-spec muted">{rolloutText({ ...rollout, stopped: null })}</span>
      </div>
      <ol className="rollout-batches">
        {rollout.batches.map((batch, i) => {
          const state = batchState(rollout, i, hosts, running);
          return (
            <li
              key={i}
              className={`rollout-batch chip ${CHIP[state]}`}
              data-testid="rollout-batch"
              data-state={state}
              title={batch.join(', ')}
            >
              {i + 1} · {batch.length} host{batch.length === 1 ? '' : 's'} ·{' '}
              {state === 'not-run' ? 'not run' : state}
            </li>
          );
        })}
      </ol>
      {running && rollout.waiting && (
        <div className="step-note rollout-waiting" data-testid="rollout-waiting" role="status">
          {rollout.waiting.until === null ? (
            <>
              Batch {next} of {rollout.batches.length} ({size} host{size === 1 ? '' : 's'}) waits
              for your go-ahead.{' '}
              <button
                className="btn btn-primary"
                disabled={!canProceed}
                onClick={onProceed}
                data-testid="rollout-proceed"
              >
                Go on with batch {next}
              </button>
            </>
          ) : (
            <>
              Waiting until {new Date(rollout.waiting.until).toLocaleTimeString()} before batch{' '}
              {next} of {rollout.batches.length}.
            </>
          )}
        </div>
      )}
      {rollout.stopped && (
        <div className="step-note step-detail" data-testid="rollout-stopped" role="status">
          Stopped: {rollout.stopped}
        </div>
      )}
    </div>
  );
}
