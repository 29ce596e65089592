import { useState } from 'react';
import type { DueItem, HistoryRun } from '../../../shared/api';
import type { OutputHit } from '../../../shared/model';
import { formatDuration } from '../../../shared/util/duration';
import type { Actions } from '../state/actions';
import type { AppState } from '../state/store';

const DUE_LABEL: Record<DueItem['status'], string> = {
  overdue: 'Overdue',
  never: 'Never done',
  'due-soon': 'Due soon',
  ok: 'Up to date',
};

const ORDER: Record<DueItem['status'], number> = { overdue: 0, never: 1, 'due-soon': 2, ok: 3 };

const STATUS_FILTER: Array<[AppState['overview']['status'], string]> = [
  ['', 'Any status'],
  ['failed', 'Failed steps'],
  ['interrupted', 'Interrupted'],
  ['active', 'In progress'],
  ['finished', 'Finished'],
];

const HIT_LABEL: Record<OutputHit['where'], string> = {
  output: 'output',
  note: 'note',
  skip: 'skip reason',
  issues: 'Issues',
  'next-actions': 'Next actions',
};

const MATCH_LABEL: Record<NonNullable<HistoryRun['match']>['where'], string> = {
  command: 'command',
  output: 'output',
  host: 'host',
  note: 'note',
};

/** A runbook's due items, one row on the overview: how many are due, how many overdue. */
interface DueGroup {
  runbookId: string;
  runbookTitle: string;
  items: DueItem[];
  worst: DueItem['status'];
  due: number;
  overdue: number;
}

function groupDue(due: DueItem[]): DueGroup[] {
  const groups = new Map<string, DueGroup>();
  for (const d of due) {
    const g = groups.get(d.runbookId) ?? {
      runbookId: d.runbookId,
      runbookTitle: d.runbookTitle,
      items: [],
      worst: 'ok' as const,
      due: 0,
      overdue: 0,
    };
    g.items.push(d);
    if (ORDER[d.status] < ORDER[g.worst]) g.worst = d.status;
    if (d.status !== 'ok') g.due++;
    if (d.status === 'overdue') g.overdue++;
    groups.set(d.runbookId, g);
  }
  return [...groups.values()].sort(
    (a, b) =>
      ORDER[a.worst] - ORDER[b.worst] ||
      b.overdue - a.overdue ||
      a.runbookTitle.localeCompare(b.runbookTitle),
  );
}

/** "12 items due, 3 overdue", "up to date". */
function dueCounts(g: DueGroup): string {
  if (g.due === 0)
    return g.items.length === 1 ? 'up to date' : `${g.items.length} items up to date`;
  const items = `${g.due} ${g.due === 1 ? 'item' : 'items'} due`;
  return g.overdue > 0 ? `${items}, ${g.overdue} overdue` : items;
}

/** What the last partial run did, said plainly: it did not count towards the cadence. */
function partialText(p: NonNullable<DueItem['lastPartial']>): string {
  return (
    `${p.rehearsal ? 'Last rehearsal' : 'Last run'} ${when(p.endedAt)} did ${p.done} of ${p.total} steps` +
    `${p.failed ? `, ${p.failed} failed` : ''}: not counted`
  );
}

/**
 * The overview: what needs attention first (runs to resume, runs in progress,
 * overdue runbooks, each with its action), then what is due by cadence, one row
 * per runbook that opens to its items, then the history of runs with a search
 * that reaches into their commands and output.
 */
export function HomeView({
  overview,
  actions,
}: {
  overview: AppState['overview'];
  actions: Pick<Actions, 'openRunbook' | 'openPastRun' | 'resume' | 'search' | 'openOutput'>;
}) {
  const { due, unfinished, runs, query, status, output } = overview;
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const searching = Boolean(query.trim() || status);
  const interrupted = (unfinished ?? []).filter((r) => r.status === 'interrupted');
  const active = (unfinished ?? []).filter((r) => r.status === 'active');
  const groups = groupDue(due ?? []);
  const overdue = groups.filter((g) => g.overdue > 0);
  const toggle = (id: string) =>
    setOpen((before) => {
      const next = new Set(before);
      if (!next.delete(id)) next.add(id);
      return next;
    });

  return (
    <div className="main-scroll home" data-testid="home">
      <h1 className="run-title">Overview</h1>
      {interrupted.length + active.length + overdue.length > 0 && (
        <section className="home-section" data-testid="attention-list">
          <h2>Needs attention</h2>
          <ul className="home-list">
            {interrupted.map((r) => (
              <li
                key={r.runId}
                className="home-row home-row-interrupted"
                data-testid="interrupted-run"
              >
                <span className="due-chip due-chip-overdue">Interrupted</span>
                <span className="home-main">
                  <strong>{r.runbookTitle}</strong>
                  <span className="muted">
                    stopped {when(r.lastActivityAt)} · {r.done} done
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
            {active.map((r) => (
              <li key={r.runId} className="home-row" data-testid="active-run">
                <span className="due-chip due-chip-due-soon">In progress</span>
                <span className="home-main">
                  <strong>{r.runbookTitle}</strong>
                  <span className="muted">
                    started {when(r.startedAt)} by {r.maintainer}@{r.host} · {r.done} done
                  </span>
                </span>
                <button
                  type="button"
                  className="btn btn-primary btn-small"
                  onClick={() => actions.openRunbook(r.runbookId)}
                >
                  Open
                </button>
              </li>
            ))}
            {overdue.map((g) => (
              <li key={g.runbookId} className="home-row" data-testid="overdue-runbook">
                <span className="due-chip due-chip-overdue">Overdue</span>
                <span className="home-main">
                  <strong>{g.runbookTitle}</strong>
                  <span className="muted">
                    {g.overdue} overdue:{' '}
                    {g.items
                      .filter((d) => d.status === 'overdue')
                      .map((d) => d.sectionTitle ?? 'the whole runbook')
                      .join(', ')}
                  </span>
                </span>
                <button
                  type="button"
                  className="btn btn-primary btn-small"
                  onClick={() => actions.openRunbook(g.runbookId)}
                >
                  Open
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
          <ul className="home-list" data-testid="due-groups">
            {groups.map((g) => {
              const expanded = open.has(g.runbookId);
              const whole = g.items.find((d) => d.sectionId === null);
              return (
                <li
                  key={g.runbookId}
                  className="due-group"
                  data-testid="due-group"
                  data-runbook={g.runbookId}
                  data-status={g.worst}
                >
                  <div className="due-group-head">
                    <button
                      type="button"
                      className="due-group-toggle"
                      aria-expanded={expanded}
                      onClick={() => toggle(g.runbookId)}
                      data-testid="due-group-toggle"
                    >
                      <span className="due-caret" aria-hidden="true">
                        {expanded ? '▾' : '▸'}
                      </span>
                      <span className={`due-chip due-chip-${g.worst}`}>{DUE_LABEL[g.worst]}</span>
                      <strong>{g.runbookTitle}</strong>
                      <span className="muted" data-testid="due-counts">
                        {dueCounts(g)}
                      </span>
                    </button>
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      onClick={() => actions.openRunbook(g.runbookId)}
                    >
                      Open
                    </button>
                  </div>
                  {whole?.lastPartial && (
                    <button
                      type="button"
                      className="link-button due-partial"
                      onClick={() => actions.openPastRun(whole.lastPartial!.runId)}
                      data-testid="due-partial"
                    >
                      {partialText(whole.lastPartial)}
                    </button>
                  )}
                  {expanded && (
                    <table className="home-table due-items">
                      <thead>
                        <tr>
                          <th>Status</th>
                          <th>What</th>
                          <th>Cadence</th>
                          <th>Due</th>
                          <th>Last done</th>
                        </tr>
                      </thead>
                      <tbody>
                        {g.items.map((d) => (
                          <tr
                            key={d.sectionId ?? ''}
                            className={`due-row due-${d.status}`}
                            data-testid="due-item"
                            data-status={d.status}
                          >
                            <td>
                              <span className={`due-chip due-chip-${d.status}`}>
                                {DUE_LABEL[d.status]}
                              </span>
                            </td>
                            <td>
                              {d.runbookTitle}
                              {d.sectionTitle ? ` › ${d.sectionTitle}` : ' (whole runbook)'}
                              {d.lastPartial && d.sectionId !== null && (
                                <div className="muted due-partial-line">
                                  {partialText(d.lastPartial)}
                                </div>
                              )}
                            </td>
                            <td>{d.cadence}</td>
                            <td>{d.dueAt ? when(d.dueAt) : 'now'}</td>
                            <td>{d.lastDoneAt ? when(d.lastDoneAt) : '—'}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  )}
                </li>
              );
            })}
          </ul>
        )}
      </section>
      <section className="home-section" data-testid="history">
        <div className="home-section-head">
          <h2>History</h2>
          <span className="home-search">
            <select
              className="search-status"
              value={status}
              onChange={(e) =>
                actions.search(query, e.target.value as AppState['overview']['status'])
              }
              aria-label="Status"
              data-testid="history-status"
            >
              {STATUS_FILTER.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
            <input
              type="search"
              className="search-input"
              placeholder="Search runs: words, commands, output, status:failed, host:web-1…"
              value={query}
              onChange={(e) => actions.search(e.target.value)}
              aria-label="Search runs"
              data-testid="history-search"
            />
          </span>
        </div>
        {runs === null ? (
          <p className="muted">Reading journals…</p>
        ) : runs.length === 0 ? (
          <p className="muted">{searching ? 'No run matches.' : 'No runs yet.'}</p>
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
                  <td className="nowrap">{when(r.startedAt)}</td>
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
                    {r.match && (
                      <div className="history-match" data-testid="history-match">
                        <span className="muted">{MATCH_LABEL[r.match.where]}:</span>{' '}
                        <code>{r.match.text}</code>
                      </div>
                    )}
                  </td>
                  <td>
                    <span className={`run-status run-status-${r.status}`}>{r.status}</span>
                  </td>
                  <td className="nowrap">{formatDuration(r.durationMs)}</td>
                  <td className="nowrap">
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
      {output && (
        <section className="home-section" data-testid="output-matches">
          <h2>Output matches</h2>
          <p className="muted">
            Lines of past runs&apos; output (as the terminal showed it), notes, skip reasons and
            fields holding “{output.text}”
            {output.more ? `: the first ${output.hits.length}, newest runs first` : ''}.
          </p>
          {output.hits.length === 0 ? (
            <p className="muted">No line of any run’s output or notes has it.</p>
          ) : (
            <table className="home-table output-matches">
              <thead>
                <tr>
                  <th>Run</th>
                  <th>Step</th>
                  <th>Host</th>
                  <th>Line</th>
                  <th>Text</th>
                </tr>
              </thead>
              <tbody>
                {output.hits.map((h) => (
                  <tr
                    key={`${h.runId} ${h.where} ${h.stepId ?? ''} ${h.host ?? ''} ${h.line}`}
                    data-testid="output-match"
                    data-run-id={h.runId}
                  >
                    <td className="nowrap">
                      <button
                        type="button"
                        className="link-button"
                        onClick={() => actions.openPastRun(h.runId)}
                      >
                        {h.runbookTitle}
                      </button>
                      <div className="muted">{when(h.startedAt)}</div>
                    </td>
                    <td>{h.stepId === null ? '—' : (h.stepTitle ?? h.stepId)}</td>
                    <td className="nowrap muted">{h.host ?? HIT_LABEL[h.where]}</td>
                    <td className="nowrap">{h.line}</td>
                    <td className="output-match-text">
                      <button
                        type="button"
                        className="link-button"
                        title={
                          h.where === 'output'
                            ? 'Open the full output at this line'
                            : 'Open the run'
                        }
                        onClick={() =>
                          h.where === 'output' && h.stepId !== null
                            ? actions.openOutput({
                                runId: h.runId,
                                stepId: h.stepId,
                                title: h.stepTitle ?? h.stepId,
                                host: h.host,
                                line: h.line,
                                find: h.text.slice(h.start, h.end),
                              })
                            : actions.openPastRun(h.runId)
                        }
                        data-testid="output-match-open"
                      >
                        <code>
                          {h.text.slice(0, h.start)}
                          <mark>{h.text.slice(h.start, h.end)}</mark>
                          {h.text.slice(h.end)}
                        </code>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      )}
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
