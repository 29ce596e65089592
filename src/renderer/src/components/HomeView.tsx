import type { DueItem } from '../../../shared/api';
import { formatDuration } from '../../../shared/util/duration';
import type { Actions } from '../state/actions';
import type { AppState } from '../state/store';

const DUE_LABEL: Record<DueItem['status'], string> = {
  overdue: 'Overdue',
  never: 'Never done',
  'due-soon': 'Due soon',
  ok: 'Up to date',
};

/**
 * The home view: runs the app stopped in the middle of (to resume), what is due
 * or overdue by cadence, and the history of runs with a search.
 */
export function HomeView({
  overview,
  actions,
}: {
  overview: AppState['overview'];
  actions: Pick<Actions, 'openRunbook' | 'openPastRun' | 'resume' | 'search'>;
}) {
  const { due, runs, query } = overview;
  const interrupted = (runs ?? []).filter((r) => r.status === 'interrupted');
  const attention = (due ?? []).filter((d) => d.status !== 'ok');

  return (
    <div className="main-scroll home" data-testid="home">
      <h1 className="run-title">Overview</h1>
      {interrupted.length > 0 && !query && (
        <section className="home-section" data-testid="interrupted-runs">
          <h2>Interrupted runs</h2>
          <p className="muted">
            Runsheet stopped while these runs were in progress. Resuming keeps every finished step;
            a step that was running is marked interrupted and is not run again by itself.
          </p>
          <ul className="home-list">
            {interrupted.map((r) => (
              <li key={r.runId} className="home-row" data-testid="interrupted-run">
                <span className="home-main">
                  <strong>{r.runbookTitle}</strong>
                  <span className="muted">
                    started {when(r.startedAt)} · last activity {when(r.lastActivityAt)} · {r.done}{' '}
                    done
                  </span>
                </span>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  onClick={() => actions.openPastRun(r.runId)}
                >
                  Open
                </button>
                <button
                  type="button"
                  className="btn btn-primary btn-small"
                  onClick={() => actions.resume(r.runId)}
                  data-testid="resume-run"
                >
                  Resume
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="home-section" data-testid="due">
        <h2>Due</h2>
        {due === null ? (
          <p className="muted">Reading cadences…</p>
        ) : due.length === 0 ? (
          <p className="muted">
            No runbook has a cadence yet: add <code>cadence: monthly</code> to its frontmatter, or
            sections such as “Daily Tasks” or “Quarterly Maintenance”.
          </p>
        ) : (
          <>
            {attention.length === 0 && (
              <p className="muted">Everything with a cadence is up to date.</p>
            )}
            <table className="home-table">
              <thead>
                <tr>
                  <th>Status</th>
                  <th>Runbook</th>
                  <th>Cadence</th>
                  <th>Due</th>
                  <th>Last done</th>
                </tr>
              </thead>
              <tbody>
                {due.map((d) => (
                  <tr
                    key={`${d.runbookId}:${d.sectionId ?? ''}`}
                    className={`due-row due-${d.status}`}
                    data-testid="due-item"
                    data-status={d.status}
                  >
                    <td>
                      <span className={`due-chip due-chip-${d.status}`}>{DUE_LABEL[d.status]}</span>
                    </td>
                    <td>
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => actions.openRunbook(d.runbookId)}
                      >
                        {d.runbookTitle}
                        {d.sectionTitle ? ` › ${d.sectionTitle}` : ''}
                      </button>
                    </td>
                    <td>{d.cadence}</td>
                    <td>{d.dueAt ? when(d.dueAt) : 'now'}</td>
                    <td>{d.lastDoneAt ? when(d.lastDoneAt) : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <section className="home-section" data-testid="history">
        <div className="home-section-head">
          <h2>History</h2>
          <input
            type="search"
            className="search-input"
            placeholder="Search runs: runbook, status, host, maintainer, issues…"
            value={query}
            onChange={(e) => actions.search(e.target.value)}
            data-testid="history-search"
          />
        </div>
        {runs === null ? (
          <p className="muted">Reading journals…</p>
        ) : runs.length === 0 ? (
          <p className="muted">{query ? 'No run matches.' : 'No runs yet.'}</p>
        ) : (
          <table className="home-table">
            <thead>
              <tr>
                <th>Started</th>
                <th>Runbook</th>
                <th>Status</th>
                <th>Duration</th>
                <th>Steps</th>
                <th>By</th>
              </tr>
            </thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.runId} data-testid="history-run" data-run-id={r.runId}>
                  <td>{when(r.startedAt)}</td>
                  <td>
                    <button
                      type="button"
                      className="link-button"
                      onClick={() => actions.openPastRun(r.runId)}
                    >
                      {r.runbookTitle}
                    </button>
                    {r.rehearsal && (
                      <span className="badge badge-small badge-plain">DR rehearsal</span>
                    )}
                  </td>
                  <td>
                    <span className={`run-status run-status-${r.status}`}>{r.status}</span>
                  </td>
                  <td>{formatDuration(r.durationMs)}</td>
                  <td>
                    {r.done} done
                    {r.failed ? <span className="text-failed"> · {r.failed} failed</span> : null}
                  </td>
                  <td className="muted">
                    {r.maintainer}@{r.host}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}

/** "Sun 22 Nov, 16:40": a date people read at a glance. */
export function when(iso: string): string {
  return new Date(iso).toLocaleString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}
