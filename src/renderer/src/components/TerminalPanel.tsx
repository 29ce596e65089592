import { useEffect, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import '@xterm/xterm/css/xterm.css';
import type { RunsheetApi } from '../../../shared/api';

interface Props {
  api: RunsheetApi;
  sessionId: string | null;
  /** Shown when there is no shell. */
  idleText: string;
}

/** Element property through which automation reads the xterm buffer (not the DOM). */
export interface TerminalHost extends HTMLDivElement {
  xterm?: Terminal;
}

/** Characters drawn between acks to the core. */
const ACK_BATCH_CHARS = 20_000;

const THEME = {
  background: '#0b0d11',
  foreground: '#d7dce5',
  cursor: '#5b9cff',
  selectionBackground: '#2b4a7a',
  black: '#1c2028',
  red: '#f47067',
  green: '#57c26b',
  yellow: '#d8a84e',
  blue: '#5b9cff',
  magenta: '#c58af9',
  cyan: '#4fc1d9',
  white: '#c9d1d9',
  brightBlack: '#6e7681',
  brightRed: '#ff8b84',
  brightGreen: '#7ee08c',
  brightYellow: '#f0c674',
  brightBlue: '#82b4ff',
  brightMagenta: '#d9a8ff',
  brightCyan: '#7fd8ea',
  brightWhite: '#f0f3f6',
};

/** The run's shell in xterm.js: output from the core, keystrokes and size back to it. */
export function TerminalPanel({ api, sessionId, idleText }: Props) {
  const hostRef = useRef<TerminalHost>(null);

  useEffect(() => {
    const host = hostRef.current;
    if (!host || !sessionId) return;
    const term = new Terminal({
      fontFamily: '"JetBrains Mono", "SF Mono", Menlo, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      lineHeight: 1.15,
      scrollback: 10_000,
      cursorBlink: true,
      allowProposedApi: false,
      theme: THEME,
    });
    const fit = new FitAddon();
    term.loadAddon(fit);
    term.open(host);
    host.xterm = term;

    // Flow control: tell the core how much has been drawn, in batches (see core/sessions/flow-control.ts).
    let drawn = 0;
    const draw = (data: string): void => {
      term.write(data, () => {
        drawn += data.length;
        if (drawn >= ACK_BATCH_CHARS) {
          void api.call('session.ack', { sessionId, chars: drawn }).catch(() => undefined);
          drawn = 0;
        }
      });
    };

    // Join the snapshot and the live stream without gaps or repeats: events carry a seq.
    let snapshotSeq: number | null = null;
    const early: Array<{ data: string; seq: number }> = [];
    const unsubscribe = api.on('session.didData', (event) => {
      if (event.sessionId !== sessionId) return;
      if (snapshotSeq === null) early.push(event);
      else if (event.seq > snapshotSeq) draw(event.data);
    });
    let disposed = false;
    void api.call('session.snapshot', { sessionId }).then(
      ({ data, seq }) => {
        if (disposed) return;
        term.write(data);
        snapshotSeq = seq;
        for (const event of early.splice(0)) if (event.seq > seq) draw(event.data);
      },
      () => {
        snapshotSeq = 0;
      },
    );

    const input = term.onData((data) => {
      void api.call('session.write', { sessionId, data }).catch(() => undefined);
    });
    const resize = (): void => {
      if (host.clientWidth === 0 || host.clientHeight === 0) return;
      fit.fit();
      void api
        .call('session.resize', { sessionId, cols: term.cols, rows: term.rows })
        .catch(() => undefined);
    };
    const observer = new ResizeObserver(() => resize());
    observer.observe(host);
    resize();
    term.focus();

    return () => {
      disposed = true;
      void api.call('session.detach', { sessionId }).catch(() => undefined);
      observer.disconnect();
      unsubscribe();
      input.dispose();
      delete host.xterm;
      term.dispose();
    };
  }, [api, sessionId]);

  return (
    <section className="terminal-panel" aria-label="Terminal">
      <div className="terminal-tabs">
        <span className={`terminal-tab${sessionId ? ' is-live' : ''}`}>
          <span className="dot" aria-hidden />
          {sessionId ? 'Local shell' : 'No shell'}
        </span>
      </div>
      <div className="terminal-body">
        {!sessionId && <div className="terminal-idle">{idleText}</div>}
        <div ref={hostRef} className="terminal-host" data-testid="terminal" hidden={!sessionId} />
      </div>
    </section>
  );
}
