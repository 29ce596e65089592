import { useEffect, useMemo, useState } from 'react';
import type { RunsheetApi, RunState, RunSummary } from '../../../shared/api';
import { formatDuration } from '../../../shared/util/duration';
import type { Runbook } from '../../../shared/model';
import { Checklist } from './Checklist';
import { ExportDialog } from './ExportDialog';
import { when } from './HomeView';
import { RunFields } from './RunFields';
import type { StepActions } from './StepCard';

const NOTHING: StepActions = {
  toggle() {},
  run() {},
  cancel() {},
  markDone() {},
  skip() {},
  setVariable() {},
  setTarget() {},
  openLink() {},
};

/**
 * A past run, read from its journal: every step as it ended, the operator
 * fields (still editable), and its step durations beside another run's.
 */
export function RunView({
  api,
  runId,
  onClose,
  onResume,
  onLink,
  onError,
}: {
  api: RunsheetApi;
  runId: string;
  onClose(): void;
  onResume(runId: string): void;
  onLink(href: string): void;
  onError(error: unknown): void;
}) {
  const [opened, setOpened] = useState<{ state: RunState; runbook: Runbook | null } | null>(null);
  const [others, setOthers] = useState<RunSummary[]>([]);
  const [compareId, setCompareId] = useState('');
  const [compared, setCompared] = useState<RunState | null>(null);
  const [exporting, setExporting] = useState(false);

  useEffect(() => {
    api.call('run.open', { runId }).then((o) => {
      setOpened(o);
      return api
        .call('history.list', { runbookId: o.state.runbookId })
        .then((list) => setOthers(list.filter((r) => r.runId !== runId && r.status !== 'active')));
    }, onError);
  }, [api, runId, onError]);
  useEffect(() => {
    if (compareId)
      api.call('run.open', { runId: compareId }).then((o) => setCompared(o.state), onError);
  }, [api, compareId, onError]);
  const compare = compared && compared.id === compareId ? compared : null;

  const actions = useMemo(() => ({ ...NOTHING, openLink: onLink }), [onLink]);
  if (!opened) return <div className="empty">Reading the journal…</div>;
  const { state, runbook } = opened;
  const timed = (runbook?.steps ?? []).filter((s) => state.steps[s.id]?.durationMs != null);

  return (
    <>
      {exporting && (
        <ExportDialog
          api={api}
          runId={state.id}
          onClose={() => setExporting(false)}
          onError={onError}
        />
      )}
      <header className="run-header" data-testid="run-view">
        <div className="run-title-row">
          <div>
            <h1 className="run-title">{state.runbookTitle}</h1>
            <p className="run-description">
              Run {state.id} · read-only
              {state.rehearsal ? ` · DR rehearsal on ${state.rehearsal.target}` : ''}
            </p>
          </div>
          <div className="run-buttons">
            {state.status === 'interrupted' && (
              <button type="button" className="btn btn-primary" onClick={() => onResume(state.id)}>
                Resume
              </button>
            )}
            <button
              type="button"
              className="btn btn-secondary"
              onClick={onClose}
              data-testid="close-run-view"
            >
              Close
            </button>
          </div>
        </div>
        <div className="run-facts">
          <span className={`run-status run-status-${state.status}`}>{state.status}</span>
          <span>
            <strong>{state.done}</strong> / {state.total} done
          </span>
          <span>started {when(state.startedAt)}</span>
          <span>
            {formatDuration(
              (state.endedAt ? Date.parse(state.endedAt) : Date.parse(state.startedAt)) -
                Date.parse(state.startedAt),
            )}
          </span>
          <span>
            {state.maintainer}@{state.host}
          </span>
          <span className="log-path" title={state.logPath}>
            Log: <code>{state.logPath}</code>
          </span>
        </div>
        <RunFields
          run={state}
          onSave={(fields) =>
            api
              .call('run.setFields', { runId: state.id, ...fields })
              .then((next) => setOpened({ state: { ...next, readOnly: true }, runbook }), onError)
          }
        />
      </header>
      <div className="main-scroll">
        {others.length > 0 && timed.length > 0 && (
          <section className="compare" data-testid="compare">
            <label className="run-target">
              <span className="muted">Compare step durations with</span>
              <select
                value={compareId}
                onChange={(e) => setCompareId(e.target.value)}
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
            {compare && (
              <table className="home-table" data-testid="compare-table">
                <thead>
                  <tr>
                    <th>Step</th>
                    <th>This run</th>
                    <th>{when(compare.startedAt)}</th>
                    <th>Change</th>
                  </tr>
                </thead>
                <tbody>
                  {timed.map((s) => {
                    const a = state.steps[s.id]!.durationMs!;
                    const b = compare.steps[s.id]?.durationMs ?? null;
                    const change = b ? ((a - b) / b) * 100 : null;
                    return (
                      <tr key={s.id}>
                        <td>{s.attrs.name ?? (s.text || s.code?.split('\n')[0])}</td>
                        <td>{formatDuration(a)}</td>
                        <td>{formatDuration(b)}</td>
                        <td className={change !== null && change > 20 ? 'text-failed' : ''}>
                          {change === null ? '—' : `${change > 0 ? '+' : ''}${change.toFixed(0)}%`}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            )}
          </section>
        )}
        {runbook ? (
          <Checklist
            runbook={runbook}
            run={state}
            busySteps={[]}
            targets={[]}
            localHost={null}
            readOnly
            actions={actions}
          />
        ) : (
          <div className="empty">
            The runbook of this run is no longer in the workspace; its log is on disk.
          </div>
        )}
      </div>
    </>
  );
}
