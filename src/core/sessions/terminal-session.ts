import type { Disposable, Event } from '../../shared/util/event';

/** How a session's shell ended. */
export interface SessionExit {
  exitCode: number | null;
  signal: number | null;
}

/** Where a session runs, as recorded in the log. */
export interface SessionTarget {
  kind: 'local' | 'ssh';
  host: string;
  user: string;
  shell: string;
  /** SHA256 fingerprint of the host key that was verified (SSH only). */
  hostKey?: string;
}

/**
 * A long-lived interactive shell on one target. Local PTYs implement it now;
 * SSH shells implement the same interface, so the engine never knows which it drives.
 */
export interface TerminalSession extends Disposable {
  readonly id: string;
  readonly target: SessionTarget;
  readonly cols: number;
  readonly rows: number;
  /** Why the session could not start or ended unexpectedly (names the host or file), if it did. */
  readonly failure: string | null;
  /** The connection itself was lost (not the shell ending): a running step's outcome is unknown. */
  readonly connectionLost?: boolean;
  /** The secret every shell-integration mark of this session carries (see osc133.ts). */
  readonly nonce: string;
  /** Raw bytes from the terminal, exactly as the shell wrote them. */
  readonly onDidData: Event<Uint8Array>;
  readonly onDidExit: Event<SessionExit>;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  /** Makes a file the shell can read (a step's script); returns its path on the target. */
  writeFile(name: string, content: string): Promise<string>;
}

/** What the engine asks of a new session. */
export interface SessionRequest {
  /** Shell to use (path or name), e.g. from the runbook's `shell` frontmatter. */
  shell?: string;
  /** Folder kept across the shells of one run, for saving and restoring shell state. */
  stateDir?: string;
  /** This session replaces one that a step ended. */
  restore?: boolean;
  /** Run on this host (an ssh_config alias or host name) instead of this machine. */
  host?: string;
}

export type SessionFactory = (request: SessionRequest) => TerminalSession;
