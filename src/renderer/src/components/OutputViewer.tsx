import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { MethodOutput } from '../../../shared/api';
import type { OutputPort } from '../state/actions';
import type { Scheme } from '../ui/theme';
import { spansOf } from '../ui/sgr';
import { ModalDialog } from './ModalDialog';
import { TERMINAL_THEMES } from './terminal-theme';

type Status = MethodOutput<'output.open'>;
type Found = MethodOutput<'output.search'>;

/** Row height in px (the stylesheet's .output-row says the same). */
const ROW = 18;
/** Lines fetched at once, and blocks kept: a few thousand lines in memory, whatever the output. */
const BLOCK = 200;
const KEEP_BLOCKS = 40;
/**
 * Browsers stop growing an element somewhere past 16 M px: above this the
 * scroll range is scaled (a pixel of scrollbar is several lines).
 */
const MAX_SCROLL_PX = 8_000_000;

export interface ViewerTarget {
  runId: string;
  stepId: string;
  title: string;
  host: string | null;
  /** Open at this line (1-based), marked: a match of the Overview's output search. */
  line?: number;
  /** That search's text: in the Find box, its matches found, the one on `line` current. */
  find?: string;
}

/**
 * A step's whole output, as the terminal showed it, over the run's journal:
 * the core renders it to lines (output.open) and this shows the lines on
 * screen only, a block at a time, so a million-line step opens at its first
 * screen and scrolls and searches with a few thousand lines in memory. Search
 * is the core's (plain text or a regular expression, every match counted);
 * Enter and Shift+Enter move between matching lines, Ctrl+Home/End to the ends.
 */
export function OutputViewer({
  target,
  port,
  scheme,
  onHost,
  onClose,
}: {
  target: ViewerTarget;
  port: OutputPort;
  scheme: Scheme;
  /** Show the step's output on another of its hosts (the viewer opens again). */
  onHost(host: string): void;
  onClose(): void;
}) {
  const host = target.host;
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  /** The blocks of lines fetched (the cache the fetches check), and those drawn. */
  const blocks = useRef(new Map<number, string[]>());
  const [shown, setShown] = useState(new Map<number, string[]>());
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [query, setQuery] = useState(target.find ?? '');
  const [regex, setRegex] = useState(false);
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [found, setFound] = useState<(Found & { query: string }) | null>(null);
  const [hit, setHit] = useState(0);
  const [searching, setSearching] = useState(false);
  const theme = TERMINAL_THEMES[scheme];

  // Open; close it when the viewer goes (a host change opens a new viewer).
  useEffect(() => {
    let viewId: string | null = null;
    let stop = false;
    port
      .open({ runId: target.runId, stepId: target.stepId, ...(host ? { host } : {}) })
      .then((opened) => {
        viewId = opened.viewId;
        if (stop) port.close(opened.viewId);
        else setStatus(opened);
      })
      .catch((e: Error) => setError(e.message));
    return () => {
      stop = true;
      if (viewId) port.close(viewId);
    };
  }, [port, target.runId, target.stepId, host]);

  const total = status?.total ?? 0;
  const span = Math.min(total * ROW, MAX_SCROLL_PX);
  const visible = Math.max(1, Math.ceil(height / ROW));
  const scaled = total * ROW > MAX_SCROLL_PX;
  /** The first line on screen, for a scroll position. */
  const firstAt = useCallback(
    (top: number) => {
      if (!scaled) return Math.floor(top / ROW);
      const range = Math.max(1, span - height);
      // At the bottom, the last line sits whole at the bottom edge.
      const lastFirst = Math.max(0, total - Math.floor(height / ROW));
      return Math.round((Math.min(top, range) / range) * lastFirst);
    },
    [scaled, span, height, total],
  );
  const first = firstAt(scrollTop);

  // Fetch the blocks on screen; while the core still renders, keep asking (the count grows).
  const viewId = status?.viewId;
  useEffect(() => {
    if (!viewId) return;
    let stop = false;
    const want = [Math.floor(first / BLOCK), Math.floor((first + visible) / BLOCK)];
    const fetchBlock = async (b: number) => {
      const have = blocks.current.get(b);
      if (have && (have.length === BLOCK || status?.complete)) return;
      const got = await port.lines(viewId, b * BLOCK, BLOCK);
      if (stop) return;
      blocks.current.set(b, got.lines);
      // Only the newest blocks are kept.
      for (const key of blocks.current.keys()) {
        if (blocks.current.size <= KEEP_BLOCKS) break;
        if (!want.includes(key)) blocks.current.delete(key);
      }
      const { lines: _lines, ...rest } = got;
      setStatus(rest);
      setShown(new Map(blocks.current));
    };
    Promise.all([...new Set(want)].map(fetchBlock)).catch(
      (e: Error) => !stop && setError(e.message),
    );
    return () => {
      stop = true;
    };
  }, [port, viewId, first, visible, status?.complete, status?.total]);

  // While the output is still being rendered, the count and the last block follow it.
  useEffect(() => {
    if (!viewId || status?.complete) return;
    const timer = setInterval(() => {
      port
        .lines(viewId, Math.max(0, (status?.total ?? 0) - 1), 1)
        .then((got) =>
          setStatus((s) => (s ? { ...s, total: got.total, complete: got.complete } : s)),
        )
        .catch(() => undefined);
    }, 300);
    return () => clearInterval(timer);
  }, [port, viewId, status?.complete, status?.total]);

  const opened = status !== null;
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => observer.disconnect();
  }, [opened]);

  /** Scrolls so that line `n` is on screen, a third of the way down. */
  /**
   * Scrolls so that line `n` is on screen, a third of the way down: after the next
   * render, when the scroll range is that of the latest line count (a search's answer
   * can bring a larger one); the scroll event then moves the window.
   */
  const pending = useRef<number | null>(null);
  const [jumps, setJumps] = useState(0);
  const goTo = useCallback((n: number) => {
    pending.current = n;
    setJumps((j) => j + 1);
  }, []);
  useLayoutEffect(() => {
    const el = scroller.current;
    const n = pending.current;
    if (!el || n === null) return;
    pending.current = null;
    const line = Math.max(0, n - Math.floor(visible / 3));
    el.scrollTop = scaled
      ? Math.min(1, line / Math.max(1, total - Math.floor(height / ROW))) *
        Math.max(1, span - height)
      : line * ROW;
  }, [jumps, visible, scaled, total, span, height]);

  /** Counts searches: the answer to one the user has since replaced is dropped. */
  const searches = useRef(0);
  /** The Overview's search text, found in this output: the match on `line` (0-based) current. */
  const find = target.find;
  const findFrom = useCallback(
    async (line: number) => {
      if (!viewId || !find) return;
      const mine = ++searches.current;
      try {
        const result = await port.search({
          viewId,
          pattern: find,
          regex: false,
          caseSensitive: false,
        });
        if (mine !== searches.current) return;
        setFound({ ...result, query: find });
        const at = result.hits.findIndex((h) => h >= line);
        setHit(at < 0 ? 0 : at);
      } catch (e) {
        if (mine === searches.current) setError((e as Error).message);
      }
    },
    [viewId, find, port],
  );
  // The line to open at, once the output has that many lines (it may still be rendering).
  const startLine = useRef(target.line ?? null);
  useEffect(() => {
    const n = startLine.current;
    if (n === null || !status || (status.total < n && !status.complete)) return;
    startLine.current = null;
    goTo(Math.min(n, status.total) - 1);
    if (find) void findFrom(n - 1);
  }, [status, goTo, findFrom, find]);

  /** To the last line: while the output is still rendering, once it is all there. */
  const toEnd = () => {
    if (!viewId) return;
    if (status?.complete) return goTo(total);
    port
      .lines(viewId, 1e9, 1)
      .then(({ lines: _lines, ...now }) => {
        setStatus(now);
        goTo(now.total);
      })
      .catch((e: Error) => setError(e.message));
  };

  const search = async () => {
    if (!viewId || !query) return;
    if (found && found.query === query && found.hits.length > 0) return move(1);
    const mine = ++searches.current;
    setSearching(true);
    try {
      const result = await port.search({ viewId, pattern: query, regex, caseSensitive });
      if (mine !== searches.current) return;
      const { matches: _m, hits: _h, truncated: _t, searched: _s, ...now } = result;
      setStatus(now);
      setFound({ ...result, query });
      setError(null);
      const next = result.hits.findIndex((h) => h >= first);
      const at = next < 0 ? 0 : next;
      setHit(at);
      if (result.hits.length) goTo(result.hits[at]!);
    } catch (e) {
      if (mine !== searches.current) return;
      setFound(null);
      setError((e as Error).message);
    } finally {
      if (mine === searches.current) setSearching(false);
    }
  };
  const move = (by: number) => {
    if (!found?.hits.length) return;
    const at = (hit + by + found.hits.length) % found.hits.length;
    setHit(at);
    goTo(found.hits[at]!);
  };

  const rows = [];
  const current = found ? found.hits[hit] : target.line !== undefined ? target.line - 1 : undefined;
  const literal = found && !regex ? found.query : null;
  for (let n = first; n < Math.min(total, first + visible + 1); n++) {
    const line = shown.get(Math.floor(n / BLOCK))?.[n % BLOCK];
    rows.push(
      <div
        key={n}
        className={`output-row${n === current ? ' output-row-current' : ''}`}
        data-line={n + 1}
      >
        <span className="output-gutter">{n + 1}</span>
        <span className="output-text">
          {line === undefined ? (
            ''
          ) : (
            <Line line={line} theme={theme} mark={literal} caseSensitive={caseSensitive} />
          )}
        </span>
      </div>,
    );
  }
  const offset = scaled ? 0 : -(scrollTop % ROW);

  return (
    <ModalDialog
      title={`Output: ${target.title}`}
      full
      onClose={onClose}
      testId="output-viewer"
      actions={
        <button type="button" className="btn btn-ghost" onClick={onClose}>
          Close
        </button>
      }
    >
      <div className="output-tools">
        {status && status.hosts.length > 1 && (
          <label>
            Host{' '}
            <select
              className="input input-small"
              value={status.host}
              onChange={(e) => onHost(e.target.value)}
              data-testid="output-host"
            >
              {status.hosts.map((h) => (
                <option key={h}>{h}</option>
              ))}
            </select>
          </label>
        )}
        <form
          className="output-search"
          onSubmit={(e) => {
            e.preventDefault();
            void search();
          }}
        >
          <input
            className="input input-small"
            type="search"
            placeholder={regex ? 'Regular expression' : 'Find in output'}
            aria-label="Find in output"
            value={query}
            autoFocus
            onChange={(e) => {
              setQuery(e.target.value);
              setFound(null);
              searches.current++;
              setSearching(false);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && e.shiftKey) {
                e.preventDefault();
                move(-1);
              }
            }}
            data-testid="output-query"
          />
          <Toggle
            label=".*"
            title="Regular expression"
            checked={regex}
            onChange={(on) => {
              setRegex(on);
              setFound(null);
            }}
          />
          <Toggle
            label="Aa"
            title="Match case"
            checked={caseSensitive}
            onChange={(on) => {
              setCaseSensitive(on);
              setFound(null);
            }}
          />
          <button
            type="button"
            className="btn btn-small btn-ghost"
            onClick={() => move(-1)}
            disabled={!found?.hits.length}
            aria-label="Previous match"
          >
            ↑
          </button>
          <button
            type="submit"
            className="btn btn-small btn-secondary"
            disabled={!query}
            aria-label="Next match"
          >
            ↓
          </button>
          <span className="muted" data-testid="output-matches" aria-live="polite">
            {searching
              ? 'Searching…'
              : found
                ? found.matches === 0
                  ? 'No matches'
                  : `${(hit + 1).toLocaleString()} of ${found.hits.length.toLocaleString()}${found.truncated ? '+' : ''} ${found.hits.length === 1 ? 'line' : 'lines'} · ${found.matches.toLocaleString()} ${found.matches === 1 ? 'match' : 'matches'}`
                : ''}
          </span>
        </form>
        <div className="output-jump">
          <button
            type="button"
            className="btn btn-small btn-ghost"
            disabled={total === 0}
            onClick={() => goTo(0)}
          >
            Start
          </button>
          <button
            type="button"
            className="btn btn-small btn-ghost"
            disabled={total === 0}
            onClick={toEnd}
            data-testid="output-end"
          >
            End
          </button>
        </div>
      </div>
      {error && (
        <div className="banner banner-problems" role="alert" data-testid="output-error">
          {error}
        </div>
      )}
      <div
        ref={scroller}
        className="output-scroller"
        tabIndex={0}
        aria-label="Output lines"
        onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
        onKeyDown={(e) => {
          if (e.ctrlKey && e.key === 'End') toEnd();
          if (e.ctrlKey && e.key === 'Home') goTo(0);
        }}
        style={{ background: theme.background, color: theme.foreground }}
        data-testid="output-lines"
      >
        <div style={{ height: span }} />
        <div className="output-window" style={{ top: scrollTop + offset }}>
          {rows}
        </div>
      </div>
      <div className="output-status muted" data-testid="output-status">
        {status
          ? `${status.total.toLocaleString()} lines${status.complete ? '' : ' so far (rendering…)'} · ${formatBytes(status.bytes)}${status.hosts.length > 1 ? ` · on ${status.host}` : ''} · line ${Math.min(first + 1, total).toLocaleString()}`
          : error
            ? ''
            : 'Opening…'}
        {status?.error ? ` · stopped: ${status.error}` : ''}
      </div>
    </ModalDialog>
  );
}

/** A search option: a checkbox with a short label (its title says it in words). */
function Toggle({
  label,
  title,
  checked,
  onChange,
}: {
  label: string;
  title: string;
  checked: boolean;
  onChange(on: boolean): void;
}) {
  return (
    <label className="output-toggle" title={title}>
      <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />{' '}
      {label}
    </label>
  );
}

function Line({
  line,
  theme,
  mark,
  caseSensitive,
}: {
  line: string;
  theme: (typeof TERMINAL_THEMES)['dark'];
  mark: string | null;
  caseSensitive: boolean;
}) {
  const spans = useMemo(() => spansOf(line, theme), [line, theme]);
  return (
    <>
      {spans.map((s, i) => (
        <span key={i} style={s.style} className={s.className || undefined}>
          {mark ? marked(s.text, mark, caseSensitive) : s.text}
        </span>
      ))}
    </>
  );
}

/** A literal search's matches in a span's text, marked (a regex's line is marked whole). */
function marked(text: string, mark: string, caseSensitive: boolean) {
  const hay = caseSensitive ? text : text.toLowerCase();
  const needle = caseSensitive ? mark : mark.toLowerCase();
  const parts = [];
  let at = 0;
  for (let i = hay.indexOf(needle); i >= 0 && needle; i = hay.indexOf(needle, at)) {
    if (i > at) parts.push(text.slice(at, i));
    parts.push(<mark key={i}>{text.slice(i, i + needle.length)}</mark>);
    at = i + needle.length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
