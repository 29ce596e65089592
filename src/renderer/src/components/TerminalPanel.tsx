import { useEffect, useRef, useState } from 'react';
import type { TerminalPort } from '../state/actions';
import { usePref, type Pref } from '../ui/prefs';
import type { Scheme } from '../ui/theme';
import { SCROLLBACK_CHOICES, TERMINAL_THEMES } from './terminal-theme';
import { TerminalView, type TerminalHandle } from './TerminalView';

/** A shell the panel can show: one per active run. */
export interface TerminalTab {
  sessionId: string;
  title: string;
}

/** Why a shell ended (its exit code, or the connection), for the tab's state. */
export type EndedShells = Record<string, string>;

interface Props {
  port: TerminalPort;
  scheme: Scheme;
  tabs: TerminalTab[];
  /** Shells that have ended, by session id: their tab says so, and shows them read-only. */
  ended: EndedShells;
  /** Closes an ended shell's tab. */
  onCloseTab(sessionId: string): void;
  /** The tab of the open runbook's run, shown unless the user picked another. */
  preferred: string | null;
  idleText: string;
  onLink(url: string): void;
  onMultilinePaste(text: string, paste: () => void, removed: number): void;
  onPasteRefused(message: string): void;
}

/** The terminal panel: tabs per live shell, search, copy-all, scrollback. */
export function TerminalPanel({
  port,
  scheme,
  tabs,
  ended,
  onCloseTab,
  preferred,
  idleText,
  onLink,
  onMultilinePaste,
  onPasteRefused,
}: Props) {
  const [picked, setPicked] = useState<string | null>(null);
  const [scrollback, setScrollback] = usePref('scrollback');
  const [searching, setSearching] = useState(false);
  const [query, setQuery] = useState('');
  const handle = useRef<TerminalHandle | null>(null);
  const active =
    tabs.find((t) => t.sessionId === picked)?.sessionId ??
    tabs.find((t) => t.sessionId === preferred)?.sessionId ??
    tabs[0]?.sessionId ??
    null;
  const strip = useRef<HTMLDivElement>(null);
  // The active tab stays in sight when the tabs overflow the strip (it scrolls sideways).
  useEffect(() => {
    strip.current
      ?.querySelector('.terminal-tab.is-active')
      ?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [active, tabs.length]);

  const find = (backwards = false): void => {
    if (!handle.current || !query) return;
    const options = {
      caseSensitive: false,
      decorations: {
        activeMatchColorOverviewRuler: TERMINAL_THEMES[scheme].blue ?? '#5b9cff',
        matchOverviewRuler: TERMINAL_THEMES[scheme].yellow ?? '#d9a441',
      },
    };
    if (backwards) handle.current.search.findPrevious(query, options);
    else handle.current.search.findNext(query, options);
  };

  return (
    <section
      className="terminal-panel"
      aria-label="Terminal"
      onKeyDown={(e) => {
        if ((e.ctrlKey || e.metaKey) && e.shiftKey && e.code === 'KeyF') {
          e.preventDefault();
          setSearching(true);
        }
      }}
    >
      <div className="terminal-tabs">
        <div className="terminal-tab-strip" ref={strip} role="tablist" aria-label="Shells">
          {tabs.length === 0 && (
            <span className="terminal-tab">
              <span className="dot" aria-hidden />
              No shell
            </span>
          )}
          {tabs.map((tab) => (
            <span key={tab.sessionId} className="terminal-tab-item">
              <button
                type="button"
                className={`terminal-tab${tab.sessionId === active ? ' is-active' : ''}${ended[tab.sessionId] ? ' is-ended' : ' is-live'}`}
                role="tab"
                aria-selected={tab.sessionId === active}
                onClick={() => setPicked(tab.sessionId)}
                data-testid="terminal-tab"
                title={`${tab.title}: ${ended[tab.sessionId] ?? 'connected'}`}
              >
                <span className="dot" aria-hidden />
                <span className="tab-title">{tab.title}</span>
                {ended[tab.sessionId] && <span className="tab-state">{ended[tab.sessionId]}</span>}
              </button>
              {ended[tab.sessionId] && (
                <button
                  type="button"
                  className="btn btn-ghost btn-small terminal-tab-close"
                  onClick={() => onCloseTab(tab.sessionId)}
                  aria-label={`Close ${tab.title}`}
                  title="Close this tab (the run's log and journal keep everything)"
                  data-testid="close-terminal-tab"
                >
                  ×
                </button>
              )}
            </span>
          ))}
        </div>
        <div className="terminal-tools">
          {active && (
            <>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                onClick={() => setSearching((v) => !v)}
                title="Find (Ctrl+Shift+F)"
              >
                Find
              </button>
              <button
                type="button"
                className="btn btn-ghost btn-small"
                title="Copy the whole terminal, as text"
                onClick={() => {
                  const term = handle.current?.term;
                  if (!term) return;
                  term.selectAll();
                  void navigator.clipboard?.writeText(term.getSelection());
                  term.clearSelection();
                }}
              >
                Copy all
              </button>
            </>
          )}
          <label
            className="scrollback"
            title="Lines kept in the terminal (the journal keeps everything)"
          >
            <select
              value={scrollback}
              onChange={(e) => {
                setScrollback(Number(e.target.value) as Pref<'scrollback'>);
              }}
            >
              {SCROLLBACK_CHOICES.map((n) => (
                <option key={n} value={n}>
                  {n.toLocaleString()} lines
                </option>
              ))}
            </select>
          </label>
        </div>
      </div>
      {searching && active && (
        <form
          className="terminal-search"
          onSubmit={(e) => {
            e.preventDefault();
            find();
          }}
        >
          <input
            autoFocus
            className="input input-small"
            placeholder="Find in terminal"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                handle.current?.search.clearDecorations();
                setSearching(false);
              }
              if (e.key === 'Enter' && e.shiftKey) {
                e.preventDefault();
                find(true);
              }
            }}
            data-testid="terminal-search"
          />
          <button type="button" className="btn btn-ghost btn-small" onClick={() => find(true)}>
            ↑
          </button>
          <button type="submit" className="btn btn-ghost btn-small">
            ↓
          </button>
        </form>
      )}
      <div className="terminal-body">
        {!active && <div className="terminal-idle">{idleText}</div>}
        {active && (
          <TerminalView
            key={active}
            port={port}
            sessionId={active}
            scheme={scheme}
            readOnly={Boolean(ended[active])}
            scrollback={scrollback}
            onLink={onLink}
            onMultilinePaste={onMultilinePaste}
            onPasteRefused={onPasteRefused}
            onReady={(h) => (handle.current = h)}
          />
        )}
      </div>
    </section>
  );
}
