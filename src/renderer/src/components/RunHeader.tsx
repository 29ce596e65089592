import { useEffect, useState } from 'react';
import type { RunbookSummary, RunState } from '../../../shared/api';
import {
  batchLabel,
  cadenceText,
  rolloutText,
  runTimes,
  timeSplitText,
} from '../../../shared/model';
import { formatDuration } from '../../../shared/util/duration';
import type { FileProblem } from '../state/store';
import { usePref } from '../ui/prefs';
import { RunFields } from './RunFields';
import { TimeSplit, timeSplitOf } from './TimeSplit';

interface Props {
  summary: RunbookSummary;
  run: RunState | null;
  /** Hosts from ssh_config and hosts.yaml, for "Run on". */
  hosts: string[];
  /** The runbook's own `host:` frontmatter, if any. */
  defaultHost: string | null;
  target: string;
  onTarget(host: string): void;
  onStart(): void;
  onRehearse(): void;
  onPlan(): void;
  onFinish(): void;
  onExport(): void;
  onReconnect(host: string): void;
  /** The run cannot write (a full disk): try writing what waits in memory now. */
  onRetryWrites(): void;
  onFields(
    fields: Partial<Pick<RunState, 'maintainer' | 'environment' | 'issues' | 'nextActions'>>,
  ): void;
  /** The runbook's file is gone or unreadable: said under the line; nothing new starts from it. */
  problem: FileProblem | null;
  /** Closes a runbook whose file is gone (offered while nothing runs). */
  onClose(): void;
}

/**
 * The run's header, kept to one line: the title, the run's progress and status,
 * and its buttons. What is only sometimes needed (description, who and where,
 * the log path, the log's fields, each host's connection) folds into Details,
 * whose state is remembered. What needs attention (a disk that cannot be written,
 * a rehearsal's clock) stays in sight under the line.
 */
export function RunHeader({
  summary,
  run,
  hosts,
  defaultHost,
  target,
  onTarget,
  onStart,
  onRehearse,
  onPlan,
  onFinish,
  onExport,
  onReconnect,
  onRetryWrites,
  onFields,
  problem,
  onClose,
}: Props) {
  const now = useNow(run?.status === 'active');
  const [detailsOpen, setDetailsOpen] = usePref('headerDetails');
  const active = run?.status === 'active';
  // What is shown is kept, read-only: a new run, a plan or a rehearsal would read the file.
  const frozen = problem !== null && !active;

  return (
    <header className="run-header" data-testid="run-header">
      <div className="run-bar">
        <h1 className="run-title" title={summary.title}>
          {summary.title}
        </h1>
        {run ? (
          <RunProgress run={run} now={now} onConnections={() => setDetailsOpen(true)} />
        ) : (
          <span className="run-summary muted">
            {summary.checks} items · {summary.commands} commands
            {cadenceText(summary) ? ` · ${cadenceText(summary)}` : ''}
          </span>
        )}
        <div className="run-buttons">
          {!active && !frozen && (hosts.length > 0 || defaultHost) && (
            <label className="run-target">
              <span className="muted">Run on</span>
              <select
                value={target}
                onChange={(e) => onTarget(e.target.value)}
                data-testid="run-target"
              >
                <option value="">
                  {defaultHost ? `${defaultHost} (runbook's host)` : 'this machine'}
                </option>
                {hosts
                  .filter((h) => h !== defaultHost)
                  .map((h) => (
                    <option key={h} value={h}>
                      {h}
                    </option>
                  ))}
              </select>
            </label>
          )}
          {!frozen && (
            <button
              type="button"
              className="btn btn-ghost btn-small wide-only"
              onClick={onPlan}
              title="Every step a run would run, with its commands, hosts and what it would destroy; nothing runs"
              data-testid="open-plan"
            >
              Plan
            </button>
          )}
          {!active && !frozen && (
            <button
              type="button"
              className="btn btn-ghost btn-small wide-only"
              onClick={onRehearse}
              title="A timed disaster-recovery rehearsal against a recovery time objective"
              data-testid="rehearse"
            >
              Rehearse…
            </button>
          )}
          {run && (
            <button
              type="button"
              className="btn btn-ghost btn-small"
              onClick={onExport}
              data-testid="export-run"
            >
              Export…
            </button>
          )}
          {run?.status === 'active' && (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={onFinish}
              disabled={Boolean(run.runningStepId)}
              data-testid="finish-run"
            >
              Finish run
            </button>
          )}
          {!active && !frozen && (
            <button
              type="button"
              className="btn btn-primary btn-small"
              onClick={onStart}
              data-testid="start-run"
            >
              {run ? 'New run' : 'Start run'}
            </button>
          )}
          {frozen && (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={onClose}
              data-testid="close-runbook"
            >
              Close
            </button>
          )}
          <button
            type="button"
            className={`btn btn-ghost btn-small details-toggle${detailsOpen ? ' is-open' : ''}`}
            aria-expanded={detailsOpen}
            aria-controls="run-details"
            onClick={() => setDetailsOpen(!detailsOpen)}
            title="Description, who and where, the log and its fields, connections"
            data-testid="run-details-toggle"
          >
            Details
          </button>
        </div>
      </div>
      {problem && <FileNote id={summary.id} problem={problem} running={active} />}
      {run?.storageFault && <StorageFaultNote run={run} onRetry={onRetryWrites} />}
      {run?.rehearsal && <RehearsalClock run={run} now={now} />}
      {/* Kept in the page when folded, so its facts stay readable to assistive tools. */}
      <div id="run-details" className="run-details" hidden={!detailsOpen}>
        {/* A narrow header keeps only the run's own buttons on its line: the others are here. */}
        <div className="run-details-actions narrow-only">
          {!frozen && (
            <button type="button" className="btn btn-ghost btn-small" onClick={onPlan}>
              Plan
            </button>
          )}
          {!active && !frozen && (
            <button type="button" className="btn btn-ghost btn-small" onClick={onRehearse}>
              Rehearse…
            </button>
          )}
        </div>
        {summary.description && <p className="run-description">{summary.description}</p>}
        {run ? (
          <>
            <div className="run-facts">
              <span>
                {run.maintainer}@{run.host}
              </span>
              <TimeSplit split={timeSplitOf(run, now)} testId="run-time-details" />
              <span className="log-path" title={run.logPath} data-testid="log-path">
                Log: <code>{run.logPath}</code>
              </span>
            </div>
            <RunFields run={run} onSave={onFields} />
            {run.connections.length > 0 && (
              <Connections
                connections={run.connections}
                canReconnect={run.status === 'active'}
                busy={Boolean(run.runningStepId)}
                onReconnect={onReconnect}
              />
            )}
          </>
        ) : (
          <p className="run-facts">
            {summary.checks} checklist items · {summary.commands} runnable commands
            {cadenceText(summary) ? ` · ${cadenceText(summary)}` : ''}. Start a run to tick items
            and run commands; everything is recorded in a maintenance log.
          </p>
        )}
      </div>
    </header>
  );
}

/** The runbook's file is gone or unreadable: what that means for what is shown and for the run. */
function FileNote({
  id,
  problem,
  running,
}: {
  id: string;
  problem: FileProblem;
  running: boolean;
}) {
  const what =
    problem.kind === 'unreadable' ? (
      <>
        <code>{id}</code> cannot be read now ({problem.error})
      </>
    ) : problem.movedTo ? (
      <>
        <code>{id}</code> was moved to <code>{problem.movedTo}</code> on disk
      </>
    ) : (
      <>
        <code>{id}</code> was deleted on disk
      </>
    );
  return (
    <div className="file-note" role="status" data-testid="file-note" data-kind={problem.kind}>
      {what}
      {running
        ? '; this run goes on from its own record.'
        : '. Shown as it was last read, read-only.'}
    </div>
  );
}

/** The run's status, progress, failures, time, environment and connections, on one line. */
function RunProgress({
  run,
  now,
  onConnections,
}: {
  run: RunState;
  now: number;
  onConnections(): void;
}) {
  const percent = run.total > 0 ? Math.round((run.done / run.total) * 100) : 0;
  const failed = Object.values(run.steps).filter((s) => s.status === 'failed').length;
  const troubled = run.connections.filter((c) => c.state === 'lost' || c.state === 'failed');
  /** The running step's rollout, if it runs in batches: where it is, in the header too. */
  const rolling = run.runningStepId ? (run.steps[run.runningStepId]?.rollout ?? null) : null;
  const rollingAt = rolling && rolling.current >= 0 ? rolling : null;
  return (
    <div className="run-progress-line">
      <span className={`run-status run-status-${run.status}`}>
        {run.status === 'active'
          ? 'In progress'
          : run.status === 'finished'
            ? 'Finished'
            : 'Interrupted'}
      </span>
      <div
        className="progress"
        role="progressbar"
        aria-label="Steps done"
        aria-valuenow={run.done}
        aria-valuemax={run.total}
      >
        <div
          className={`progress-bar${failed ? ' has-failures' : ''}`}
          style={{ width: `${percent}%` }}
        />
      </div>
      <span data-testid="run-progress" className="run-count">
        <strong>{run.done}</strong> / {run.total} done
      </span>
      {failed > 0 && <span className="text-failed">{failed} failed</span>}
      <span className="run-elapsed">
        <TimeSplit split={timeSplitOf(run, now)} compact testId="run-time" />
      </span>
      {run.environment !== 'local' && (
        <span className="run-environment" data-testid="run-environment">
          {run.environment}
        </span>
      )}
      {run.outsideWindow && (
        <span className="text-warn" title={run.outsideWindow} data-testid="outside-window">
          outside its window
        </span>
      )}
      {rollingAt && (
        <span
          className={rollingAt.waiting ? 'text-warn' : 'muted'}
          title={rolloutText(rollingAt)}
          data-testid="run-rollout"
        >
          {batchLabel(rollingAt)}
          {rollingAt.waiting
            ? rollingAt.waiting.until === null
              ? ' · waits for your go-ahead'
              : ' · pausing'
            : ''}
        </span>
      )}
      {run.connections.length > 0 && (
        <button
          type="button"
          className={`connections-chip${troubled.length ? ' is-troubled' : ''}`}
          onClick={onConnections}
          title={run.connections.map((c) => `${c.host}: ${CONNECTION_LABELS[c.state]}`).join('\n')}
          data-testid="connections-chip"
        >
          <span className="connection-dot" aria-hidden />
          {troubled.length
            ? `${troubled.length} of ${run.connections.length} host${run.connections.length === 1 ? '' : 's'} not connected`
            : `${run.connections.length} host${run.connections.length === 1 ? '' : 's'}`}
        </button>
      )}
    </div>
  );
}

/** The run stopped because it cannot write: why, what waits, and a way to try again. */
function StorageFaultNote({ run, onRetry }: { run: RunState; onRetry(): void }) {
  const fault = run.storageFault!;
  return (
    <div className="storage-fault" role="alert" data-testid="storage-fault">
      <div>
        <strong>The run stopped: it cannot write.</strong> {fault.message}.
        <span className="muted">
          {' '}
          What it wrote before is intact.{' '}
          {fault.unsaved > 0 &&
            `${fault.unsaved} change${fault.unsaved === 1 ? '' : 's'} wait${fault.unsaved === 1 ? 's' : ''} in memory. `}
          Free some space (or make the folder writable); it is tried again every few seconds.
        </span>
      </div>
      <button
        type="button"
        className="btn btn-secondary"
        onClick={onRetry}
        data-testid="retry-writes"
      >
        Try again now
      </button>
    </div>
  );
}

/** A rehearsal's clock: elapsed time against the RTO, turning red past it. */
function RehearsalClock({ run, now }: { run: RunState; now: number }) {
  const rto = run.rehearsal!.rtoMs;
  const times = runTimes(run, now);
  const elapsed = times.totalMs;
  const split = timeSplitText(times);
  const over = elapsed > rto;
  return (
    <div className={`rehearsal${over ? ' rehearsal-over' : ''}`} data-testid="rehearsal-clock">
      <span className="badge badge-small badge-plain">DR rehearsal</span>
      <span>
        on <strong>{run.rehearsal!.target}</strong>
      </span>
      <span>
        {split.total} of {formatDuration(rto)} RTO
        {over ? ` — over by ${formatDuration(elapsed - rto)}` : ''}
      </span>
      <span className="muted" data-testid="rehearsal-split">
        steps {split.steps} · between {split.between}
        {split.interrupted ? ` · interrupted ${split.interrupted}` : ''}
      </span>
      <div className="rehearsal-bar" aria-hidden>
        <div style={{ width: `${Math.min(100, (elapsed / rto) * 100)}%` }} />
      </div>
    </div>
  );
}

type Connection = RunState['connections'][number];

/** Above this many hosts, the connected ones fold behind a count; the others stay in sight. */
const CONNECTIONS_SHOWN = 6;

/**
 * Each host's connection, with Reconnect. A fan-out run has many: then a line counts
 * them by state, the connected ones fold away, and the ones that need attention
 * (connecting, lost, could not connect) stay listed.
 */
function Connections({
  connections,
  canReconnect,
  busy,
  onReconnect,
}: {
  connections: Connection[];
  canReconnect: boolean;
  busy: boolean;
  onReconnect(host: string): void;
}) {
  const item = (c: Connection) => (
    <li
      key={c.host}
      className={`connection connection-${c.state}`}
      data-testid="connection"
      data-host={c.host}
      data-state={c.state}
      title={c.detail ?? undefined}
    >
      <span className="connection-dot" aria-hidden />
      <span className="connection-host">{c.host}</span>
      <span className="connection-state">{CONNECTION_LABELS[c.state]}</span>
      {canReconnect && c.state !== 'connecting' && (
        <button
          type="button"
          className="btn btn-ghost btn-small"
          onClick={() => onReconnect(c.host)}
          disabled={busy}
          data-testid="reconnect"
        >
          Reconnect
        </button>
      )}
    </li>
  );
  if (connections.length <= CONNECTIONS_SHOWN)
    return (
      <ul className="connections" data-testid="connections">
        {connections.map(item)}
      </ul>
    );
  const ready = connections.filter((c) => c.state === 'ready');
  const others = connections.filter((c) => c.state !== 'ready');
  const counts = (Object.keys(CONNECTION_LABELS) as Connection['state'][])
    .map((state) => [state, connections.filter((c) => c.state === state).length] as const)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${CONNECTION_LABELS[state]}`);
  return (
    <div className="connections-many" data-testid="connections">
      <details className="connections-fold">
        <summary data-testid="connections-summary">
          {connections.length} hosts: {counts.join(', ')}
        </summary>
        <ul className="connections">{ready.map(item)}</ul>
      </details>
      {others.length > 0 && <ul className="connections">{others.map(item)}</ul>}
    </div>
  );
}

const CONNECTION_LABELS: Record<Connection['state'], string> = {
  connecting: 'connecting…',
  ready: 'connected',
  lost: 'connection lost',
  failed: 'could not connect',
  closed: 'closed',
};

/** The current time, refreshed every second while `ticking`, so the elapsed time moves. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const tick = (): void => setNow(Date.now());
    const first = setTimeout(tick, 0);
    const timer = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(timer);
    };
  }, [ticking]);
  return now;
}
