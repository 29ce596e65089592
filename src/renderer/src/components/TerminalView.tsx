import { cleanPaste } from '../../../shared/util/paste';
import { useEffect, useRef } from 'react';
import { Terminal } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { SerializeAddon } from '@xterm/addon-serialize';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebglAddon } from '@xterm/addon-webgl';
import { WebLinksAddon } from '@xterm/addon-web-links';
import '@xterm/xterm/css/xterm.css';
import type { TerminalPort } from '../state/actions';
import type { Scheme } from '../ui/theme';
import { TERMINAL_THEMES } from './terminal-theme';

/** The largest paste sent to a shell, in characters (it goes in pieces the contract allows). */
const MAX_PASTE = 256 * 1024;

function formatSize(chars: number): string {
  return chars >= 1024 * 1024
    ? `${(chars / (1024 * 1024)).toFixed(1)} MB`
    : `${Math.round(chars / 1024)} kB`;
}

/** Element property through which automation reads the xterm buffer (not the DOM). */
export interface TerminalHost extends HTMLDivElement {
  xterm?: Terminal;
}

/** What the panel around the view can ask of it. */
export interface TerminalHandle {
  search: SearchAddon;
  serialize: SerializeAddon;
  term: Terminal;
}

interface Props {
  /** The core's side of the session (output in; keys, sizes and acks out). */
  port: TerminalPort;
  sessionId: string;
  scheme: Scheme;
  /** The shell has ended (a finished run's): its screen can be read, scrolled and searched, not typed into. */
  readOnly?: boolean;
  scrollback: number;
  /** A link in the output was clicked: the app asks before opening it. */
  onLink(url: string): void;
  /** Text with several lines is about to be pasted: the app asks first. */
  onMultilinePaste(text: string, paste: () => void, removed: number): void;
  /** A paste too large to send: why, for the user. */
  onPasteRefused(message: string): void;
  onReady(handle: TerminalHandle | null): void;
}

/** Characters drawn between acks to the core (flow control, see core/sessions/flow-control.ts). */
const ACK_BATCH_CHARS = 5_000;

/** Output from the core: `skipped` when it skipped that many characters before `data`. */
interface Output {
  data: string;
  seq: number;
  skipped?: number;
}

/** The line drawn where the screen skipped output (dim, on a line of its own). */
function skipNote(skipped: number): string {
  return `\x1b[0m\r\n\x1b[2m[${formatSize(skipped)} of output skipped here; the run record has it all]\x1b[0m\r\n`;
}

/** One session in xterm.js: output from the core, keystrokes and size back to it. */
export function TerminalView({
  port,
  sessionId,
  scheme,
  readOnly = false,
  scrollback,
  onLink,
  onMultilinePaste,
  onPasteRefused,
  onReady,
}: Props) {
  const hostRef = useRef<TerminalHost>(null);
  const termRef = useRef<Terminal | null>(null);
  const callbacks = useRef({ onLink, onMultilinePaste, onPasteRefused, onReady });
  // The latest callbacks, for handlers registered once per terminal.
  useEffect(() => {
    callbacks.current = { onLink, onMultilinePaste, onPasteRefused, onReady };
  });

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const term = new Terminal({
      fontFamily: '"JetBrains Mono", "SF Mono", Menlo, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      lineHeight: 1.15,
      scrollback,
      cursorBlink: !readOnly,
      disableStdin: readOnly,
      allowProposedApi: true, // unicode11
      theme: TERMINAL_THEMES[scheme],
      // OSC 8 hyperlinks a program prints go through the app's link confirmation, like URLs.
      linkHandler: {
        activate: (event, uri) => {
          event.preventDefault();
          callbacks.current.onLink(uri);
        },
        allowNonHttpProtocols: false,
      },
    });
    termRef.current = term;
    const fit = new FitAddon();
    const search = new SearchAddon();
    const serialize = new SerializeAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(serialize);
    term.loadAddon(new Unicode11Addon());
    term.unicode.activeVersion = '11';
    term.loadAddon(
      new WebLinksAddon((event, uri) => {
        event.preventDefault();
        callbacks.current.onLink(uri);
      }),
    );
    term.open(host);
    // The GPU renderer where WebGL works; the DOM renderer otherwise, or when the context is lost.
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl.dispose();
        host.dataset.renderer = 'dom';
      });
      term.loadAddon(webgl);
      host.dataset.renderer = 'webgl';
    } catch {
      host.dataset.renderer = 'dom';
    }
    host.xterm = term;
    host.dataset.readOnly = String(readOnly);
    callbacks.current.onReady({ search, serialize, term });

    // Ctrl+Shift+C / Ctrl+Shift+V copy and paste (plain Ctrl+C stays SIGINT for the shell).
    term.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) return true;
      if (event.code === 'KeyC' && term.hasSelection()) {
        void navigator.clipboard?.writeText(term.getSelection());
        return false;
      }
      if (event.code === 'KeyV') {
        void navigator.clipboard?.readText().then((text) => guardedPaste(text));
        return false;
      }
      return true;
    });
    const guardedPaste = (pasted: string): void => {
      const { text, removed } = cleanPaste(pasted);
      if (text.length > MAX_PASTE) {
        callbacks.current.onPasteRefused(
          `The paste is ${formatSize(text.length)}; a terminal takes at most ${formatSize(MAX_PASTE)} at once. Put it in a file and run that instead.`,
        );
        return;
      }
      // Several lines, or control characters taken out: shown before anything is sent.
      if (removed > 0 || /\r|\n/.test(text.replace(/\r?\n$/, '')))
        callbacks.current.onMultilinePaste(text, () => term.paste(text), removed);
      else term.paste(text);
    };
    const onPaste = (event: ClipboardEvent): void => {
      const text = event.clipboardData?.getData('text/plain') ?? '';
      event.preventDefault();
      event.stopPropagation();
      guardedPaste(text);
    };
    host.addEventListener('paste', onPaste, true);

    let drawn = 0;
    const draw = (data: string): void => {
      term.write(data, () => {
        drawn += data.length;
        if (drawn >= ACK_BATCH_CHARS) {
          port.ack(sessionId, drawn);
          drawn = 0;
        }
      });
    };
    // This view fell behind and the core skipped ahead (the shell never waits for the
    // screen): a note where output is missing, then the latest output. A full-screen
    // program (alternate screen) redraws itself, so no note is written into it.
    const show = (output: Output): void => {
      if (output.skipped !== undefined && term.buffer.active.type === 'normal')
        term.write(skipNote(output.skipped));
      draw(output.data);
    };
    // Join the snapshot and the live stream without gaps or repeats: events carry a seq.
    let snapshotSeq: number | null = null;
    const early: Output[] = [];
    const receive = (event: Output & { sessionId: string }): void => {
      if (event.sessionId !== sessionId) return;
      if (snapshotSeq === null) early.push(event);
      else if (event.seq > snapshotSeq) show(event);
    };
    const unsubscribe = port.onData(receive);
    const unsubscribeSkip = port.onSkip(receive);
    let disposed = false;
    void port.snapshot(sessionId).then(
      ({ data, seq }) => {
        if (disposed) return;
        term.write(data);
        snapshotSeq = seq;
        for (const event of early.splice(0)) if (event.seq > seq) show(event);
      },
      () => {
        snapshotSeq = 0;
      },
    );
    const input = term.onData((data) => {
      port.write(sessionId, data);
    });
    const resize = (): void => {
      if (host.clientWidth === 0 || host.clientHeight === 0) return;
      fit.fit();
      port.resize(sessionId, term.cols, term.rows);
    };
    const observer = new ResizeObserver(() => resize());
    observer.observe(host);
    resize();
    // A new terminal does not take the keyboard: whoever is on a step, or filling in a
    // value, keeps it. A click, F6 or the palette moves it here.

    return () => {
      disposed = true;
      port.detach(sessionId);
      observer.disconnect();
      host.removeEventListener('paste', onPaste, true);
      unsubscribe();
      unsubscribeSkip();
      input.dispose();
      callbacks.current.onReady(null);
      delete host.xterm;
      termRef.current = null;
      term.dispose();
    };
    // The scrollback is applied live below; a new session makes a new terminal.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [port, sessionId]);

  useEffect(() => {
    if (termRef.current) termRef.current.options.scrollback = scrollback;
  }, [scrollback]);

  useEffect(() => {
    if (termRef.current) termRef.current.options.theme = TERMINAL_THEMES[scheme];
  }, [scheme]);

  // A shell that ends while shown: its screen stays, the keyboard no longer reaches it.
  useEffect(() => {
    const term = termRef.current;
    if (!term) return;
    term.options.disableStdin = readOnly;
    term.options.cursorBlink = !readOnly;
    if (hostRef.current) hostRef.current.dataset.readOnly = String(readOnly);
  }, [readOnly]);

  return <div ref={hostRef} className="terminal-host" data-testid="terminal" />;
}
