import { useEffect, useRef, useState } from 'react';
import type { AppInfo, RunbookSummary } from '../../../shared/api';
import { cadenceText } from '../../../shared/model';
import { usePref } from '../ui/prefs';

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
  /** Folded to a narrow rail (a narrow window's default): the list opens over the page. */
  folded: boolean;
  onFold(folded: boolean): void;
  onPalette(): void;
}

/**
 * The workspace's runbooks. Folded, a rail of three buttons (the list, the
 * Overview, the command palette); the list then opens over the page and closes
 * when a runbook is picked, on Escape, or when focus leaves it.
 */
export function Sidebar(props: Props) {
  const { folded, attention, home, onHome, onPalette } = props;
  const [open, setOpen] = useState(false);
  if (!folded) return <SidebarList {...props} />;
  return (
    <>
      <nav className="sidebar sidebar-rail" aria-label="Runsheet">
        <button
          type="button"
          className={`rail-button${open ? ' is-selected' : ''}`}
          onClick={() => setOpen(!open)}
          aria-expanded={open}
          title="Runbooks"
          aria-label="Runbooks"
          data-testid="sidebar-toggle"
        >
          ☰
        </button>
        <button
          type="button"
          className={`rail-button${home ? ' is-selected' : ''}`}
          onClick={onHome}
          title="Overview"
          aria-label="Overview"
          data-testid="home-button"
        >
          ⌂
          {attention > 0 && (
            <span className="rail-badge" data-testid="attention">
              {attention}
            </span>
          )}
        </button>
        <button
          type="button"
          className="rail-button"
          onClick={onPalette}
          title="Commands (Ctrl+K)"
          aria-label="Commands"
        >
          ⌘
        </button>
      </nav>
      {open && (
        <SidebarList
          {...props}
          overlay
          onClose={() => setOpen(false)}
          onSelect={(id) => {
            setOpen(false);
            props.onSelect(id);
          }}
          onHome={() => {
            setOpen(false);
            onHome();
          }}
        />
      )}
    </>
  );
}

function SidebarList({
  runbooks,
  selectedId,
  info,
  home,
  attention,
  onHome,
  onSelect,
  onFold,
  overlay = false,
  onClose,
}: Props & { overlay?: boolean; onClose?(): void }) {
  const nav = useRef<HTMLElement>(null);
  useEffect(() => {
    if (overlay) nav.current?.querySelector<HTMLElement>('.is-selected, .runbook-item')?.focus();
  }, [overlay]);
  return (
    <nav
      ref={nav}
      className={`sidebar${overlay ? ' sidebar-overlay' : ''}`}
      aria-label="Runbooks"
      data-testid={overlay ? 'sidebar-overlay' : 'sidebar'}
      onKeyDown={(e) => {
        if (overlay && e.key === 'Escape') {
          e.stopPropagation();
          onClose?.();
        }
      }}
      onBlur={(e) => {
        if (overlay && !e.currentTarget.contains(e.relatedTarget as Node | null)) onClose?.();
      }}
    >
      <div className="brand">
        <span className="brand-mark" aria-hidden>
          ▤
        </span>
        Runsheet
        <button
          type="button"
          className="btn btn-ghost btn-small fold-button"
          onClick={() => {
            onClose?.();
            onFold(!overlay);
          }}
          title={overlay ? 'Keep the list open beside the page' : 'Fold the list into a rail'}
          aria-label={overlay ? 'Keep the list open' : 'Fold the list'}
          data-testid="sidebar-fold"
        >
          {overlay ? '»' : '«'}
        </button>
      </div>
      <button
        type="button"
        className={`runbook-item home-item${home ? ' is-selected' : ''}`}
        onClick={onHome}
        data-testid={overlay ? undefined : 'home-button'}
      >
        <span className="runbook-name">
          Overview
          {attention > 0 && (
            <span
              className="badge badge-warn badge-small"
              data-testid={overlay ? undefined : 'attention'}
            >
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
                {cadenceText(rb) && (
                  <span
                    className={`badge badge-small${rb.cadence ? '' : ' badge-error'}`}
                    title={
                      rb.cadenceError !== null
                        ? `Line ${rb.cadenceError}: the cadence: value is not daily, weekly, monthly, quarterly or annual`
                        : undefined
                    }
                    data-testid="runbook-cadence"
                  >
                    {cadenceText(rb)}
                  </span>
                )}
                {rb.error !== null ? (
                  <span
                    className="badge badge-warn badge-small"
                    title={rb.error}
                    data-testid="runbook-error"
                  >
                    cannot be opened
                  </span>
                ) : (
                  <>
                    {rb.errors > 0 && (
                      <span
                        className="badge badge-error badge-small"
                        data-testid="runbook-error-count"
                      >
                        {rb.errors} {rb.errors === 1 ? 'error' : 'errors'}
                      </span>
                    )}
                    {rb.warnings > 0 && (
                      <span className="badge badge-warn badge-small">
                        {rb.warnings} {rb.warnings === 1 ? 'warning' : 'warnings'}
                      </span>
                    )}
                  </>
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
          <ThemePicker />
        </div>
      )}
    </nav>
  );
}

/** Light, dark, or the system's choice (the default). */
function ThemePicker() {
  const [theme, setTheme] = usePref('theme');
  return (
    <label className="theme-picker">
      <span className="muted">Theme</span>
      <select
        value={theme}
        onChange={(e) => setTheme(e.target.value as typeof theme)}
        data-testid="theme-picker"
      >
        <option value="system">System</option>
        <option value="light">Light</option>
        <option value="dark">Dark</option>
      </select>
    </label>
  );
}
