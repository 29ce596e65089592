import type { AppInfo, RunbookSummary } from '../../../shared/api';

interface Props {
  runbooks: RunbookSummary[];
  selectedId: string | null;
  info: AppInfo | null;
  /** The overview (due, interrupted runs, history) is showing. */
  home: boolean;
  /** Attention needed on the overview: overdue items and interrupted runs. */
  attention: number;
  onHome(): void;
  onSelect(id: string): void;
}

/** The workspace's runbooks. */
export function Sidebar({ runbooks, selectedId, info, home, attention, onHome, onSelect }: Props) {
  return (
    <nav className="sidebar" aria-label="Runbooks">
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ▤
        </span>
        Runsheet
      </div>
      <button
        type="button"
        className={`runbook-item home-item${home ? ' is-selected' : ''}`}
        onClick={onHome}
        data-testid="home-button"
      >
        <span className="runbook-name">
          Overview
          {attention > 0 && (
            <span className="badge badge-warn badge-small" data-testid="attention">
              {attention}
            </span>
          )}
        </span>
        <span className="runbook-counts">Due, interrupted runs, history</span>
      </button>
      <div className="sidebar-label">Runbooks</div>
      <ul className="runbook-list" data-testid="runbook-list">
        {runbooks.map((rb) => (
          <li key={rb.id}>
            <button
              type="button"
              className={`runbook-item${!home && rb.id === selectedId ? ' is-selected' : ''}`}
              onClick={() => onSelect(rb.id)}
              data-runbook-id={rb.id}
            >
              <span className="runbook-name">{rb.title}</span>
              <span className="runbook-counts">
                {rb.checks} checks · {rb.commands} commands
                {rb.cadence && <span className="badge badge-small">{rb.cadence}</span>}
                {rb.warnings > 0 && (
                  <span className="badge badge-warn badge-small">{rb.warnings} warnings</span>
                )}
              </span>
            </button>
          </li>
        ))}
      </ul>
      {info && (
        <div
          className="sidebar-footer"
          title={`Workspace: ${info.workspaceDir}\nLogs: ${info.logDir}`}
        >
          <div>
            {info.user}@{info.host}
          </div>
          <div className="muted">Runsheet {info.version}</div>
        </div>
      )}
    </nav>
  );
}
