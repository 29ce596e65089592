import { useMemo } from 'react';
import type { RunbookChange, RunState } from '../../../shared/api';
import { runTimes, stepName, type Step } from '../../../shared/model';
import { durationChange, formatDuration, NOISE_FLOOR } from '../../../shared/util/duration';
import type { Actions } from '../state/actions';
import type { PastRunState } from '../state/store';
import { Checklist } from './Checklist';
import { when } from './HomeView';
import type { StepActions } from './StepCard';
import { TimeSplit, timeSplitOf } from './TimeSplit';

const NOTHING: StepActions = {
  toggle() {},
  run() {},
  cancel() {},
  proceed() {},
  markDone() {},
  skip() {},
  setVariable() {},
  setTarget() {},
  openLink() {},
  openOutput() {},
};

/**
 * A past run, read from its journal: every step as it ended, with the runbook
 * it ran (whatever happened to the file since, which it says), the operator
 * fields as text (a record is not edited from here), Export…, and its step
 * durations beside another run's.
 */
export function RunView({
  past,
  actions,
}: {
  past: PastRunState;
  actions: Pick<
    Actions,
    | 'closePastRun'
    | 'resume'
    | 'openLink'
    | 'compareWith'
    | 'openExport'
    | 'openOutput'
    | 'openReplay'
  >;
}) {
  const { opened, others, compareId } = past;
  const compare = past.compared && past.compared.id === compareId ? past.compared : null;
  const runId = opened?.state.id;
  const stepActions = useMemo(
    () => ({
      ...NOTHING,
      openLink: actions.openLink,
      openOutput: (step: Step, host: string | null) =>
        runId && actions.openOutput({ runId, stepId: step.id, title: stepName(step), host }),
    }),
    [actions, runId],
  );
  if (!opened) return <div className="empty">Reading the journal…</div>;
  const { state, runbook, change } = opened;
  const timed = runbook.steps.filter((s) => state.steps[s.id]?.durationMs != null);

  return (
    <>
      <header className="run-header" data-testid="run-view">
        <div className="run-bar">
          <h1 className="run-title" title={state.runbookTitle}>
            {state.runbookTitle}
          </h1>
          <span className="run-summary muted">
            read-only{state.rehearsal ? ` · DR rehearsal on ${state.rehearsal.target}` : ''}
          </span>
          <div className="run-buttons">
            {state.status === 'interrupted' && (
              <button
                type="button"
                className="btn btn-primary btn-small"
                onClick={() => actions.resume(state.id)}
              >
                Resume
              </button>
            )}
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => actions.openReplay({ runId: state.id, title: state.runbookTitle })}
              data-testid="replay-run"
            >
              Replay
            </button>
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={() => actions.openExport(state.id)}
              data-testid="export-run"
            >
              Export…
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={actions.closePastRun}
              data-testid="close-run-view"
            >
              Close
            </button>
          </div>
        </div>
        <div className="run-facts run-facts-past">
          <span>Run {state.id}</span>
          <span className={`run-status run-status-${state.status}`}>{state.status}</span>
          <span>
            <strong>{state.done}</strong> / {state.total} done
          </span>
          <span>started {when(state.startedAt)}</span>
          {/* A run on record that was never ended counts to its last record. */}
          <TimeSplit split={timeSplitOf(state, state.timeline.lastAt)} testId="run-time" />
          <span>
            {state.maintainer}@{state.host}
          </span>
          <span className="log-path" title={state.logPath}>
            Log: <code>{state.logPath}</code>
          </span>
        </div>
        <RunbookChangeNote change={change} />
        <dl className="run-fields run-fields-read" data-testid="run-fields">
          {(
            [
              ['Maintainer', state.maintainer, 'maintainer'],
              ['Environment', state.environment, 'environment'],
              ['Issues', state.issues, 'issues'],
              ['Next actions', state.nextActions, 'nextActions'],
            ] as const
          ).map(([label, value, key]) => (
            <div
              key={key}
              className={`field${key === 'issues' || key === 'nextActions' ? ' field-wide' : ''}`}
            >
              <dt>{label}</dt>
              <dd className={value ? '' : 'muted'} data-testid={`field-${key}`}>
                {value || 'None recorded'}
              </dd>
            </div>
          ))}
        </dl>
      </header>
      <div className="main-scroll">
        {others.length > 0 && timed.length > 0 && (
          <section className="compare" data-testid="compare">
            <label className="run-target">
              <span className="muted">Compare step durations with</span>
              <select
                value={compareId}
                onChange={(e) => actions.compareWith(e.target.value)}
                data-testid="compare-with"
              >
                <option value="">another run…</option>
                {others.map((r) => (
                  <option key={r.runId} value={r.runId}>
                    {when(r.startedAt)} · {r.status} · {formatDuration(r.durationMs)}
                  </option>
                ))}
              </select>
            </label>
            {compare && <Comparison run={state} other={compare} steps={timed} />}
          </section>
        )}
        <Checklist
          runbook={runbook}
          run={state}
          busySteps={[]}
          targets={[]}
          localHost={null}
          readOnly
          actions={stepActions}
        />
      </div>
    </>
  );
}

/**
 * Each timed step's duration beside another run's, then the run's step time, time between
 * steps and total. A change within the noise floor (`durationChange`) reads ≈, in no colour.
 */
function Comparison({ run, other, steps }: { run: RunState; other: RunState; steps: Step[] }) {
  const mine = runTimes(run, run.timeline.lastAt);
  const theirs = runTimes(other, other.timeline.lastAt);
  const row = (key: string, label: string, a: number, b: number | null, total = false) => {
    const change = durationChange(a, b);
    return (
      <tr key={key} className={total ? 'compare-total' : undefined} data-testid="compare-row">
        <td>{label}</td>
        <td>{formatDuration(a)}</td>
        <td>{formatDuration(b)}</td>
        <td
          className={CHANGE_CLASS[change.kind]}
          data-kind={change.kind}
          title={change.kind === 'same' ? NOISE_TITLE : undefined}
        >
          {change.label}
        </td>
      </tr>
    );
  };
  return (
    <table className="home-table compare-table" data-testid="compare-table">
      <thead>
        <tr>
          <th>Step</th>
          <th>This run</th>
          <th>{when(other.startedAt)}</th>
          <th>Change</th>
        </tr>
      </thead>
      <tbody>
        {steps.map((s) =>
          row(
            s.id,
            s.attrs.name ?? (s.text || s.code?.split('\n')[0] || 'command'),
            run.steps[s.id]!.durationMs!,
            other.steps[s.id]?.durationMs ?? null,
          ),
        )}
      </tbody>
      <tfoot>
        {row('steps', 'Step time', mine.stepMs, theirs.stepMs, true)}
        {row('between', 'Between steps', mine.betweenMs, theirs.betweenMs, true)}
        {row('total', 'Total', mine.totalMs, theirs.totalMs, true)}
      </tfoot>
    </table>
  );
}

const CHANGE_CLASS: Record<ReturnType<typeof durationChange>['kind'], string> = {
  none: 'muted',
  same: 'muted',
  slower: 'text-failed',
  faster: 'text-passed',
};

const NOISE_TITLE = `Within the noise floor: under ${NOISE_FLOOR.ms / 1000} s or under ${NOISE_FLOOR.ratio * 100} % apart`;

const CHANGE_NOTE: Record<Exclude<RunbookChange['status'], 'unchanged'>, string> = {
  edited: 'The runbook was edited since this run. Shown as the run used it.',
  missing: 'The runbook is no longer at its path (moved or deleted). Shown as the run used it.',
  unrecorded:
    'This run was recorded before runs kept their runbook: shown against the file as it is now.',
};

/** Says when the runbook's file differs from the text the run used, and shows how. */
function RunbookChangeNote({ change }: { change: RunbookChange }) {
  if (change.status === 'unchanged') return null;
  return (
    <div className="runbook-change" data-testid="runbook-change" data-status={change.status}>
      <span>
        {CHANGE_NOTE[change.status]} <code>{change.path}</code>
      </span>
      {change.diff && (
        <details>
          <summary>What changed</summary>
          <pre className="diff" data-testid="runbook-diff">
            {hunks(change.diff).map((line, i) => (
              <span
                key={i}
                className={
                  line.startsWith('+') ? 'diff-add' : line.startsWith('-') ? 'diff-del' : ''
                }
              >
                {line}
                {'\n'}
              </span>
            ))}
          </pre>
        </details>
      )}
    </div>
  );
}

/** A unified diff's hunks, without its file header (the note says which file). */
function hunks(diff: string): string[] {
  const lines = diff.replace(/\n$/, '').split('\n');
  const first = lines.findIndex((l) => l.startsWith('@@'));
  return first < 0 ? [] : lines.slice(first);
}
