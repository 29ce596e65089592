import type { EventSink } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import type { Disposable } from '../../shared/util/event';
import { FlowControl } from './flow-control';
import { IntegratedShell } from './integrated-shell';
import type { SessionFactory, SessionRequest } from './terminal-session';

/** Terminal output kept per session so a UI that attaches late sees the screen so far. */
const BACKLOG_CHARS = 512 * 1024;

/**
 * Sessions closed (a finished run's shell) whose output stays readable, newest
 * kept: the terminal tab of a finished run shows its scrollback until it is closed.
 */
const ENDED_KEPT = 8;

export interface ManagedSession extends Disposable {
  readonly id: string;
  readonly shell: IntegratedShell;
}

/**
 * Owns every terminal session: creates them through a factory (local PTY now,
 * SSH later), forwards their output to clients as `session.didData` events (and
 * `session.didSkip` when a renderer fell behind, see flow-control.ts) and routes
 * input and resizes to them by id.
 */
export class SessionManager implements Disposable {
  private readonly sessions = new Map<
    string,
    {
      managed: ManagedSession;
      backlog: string[];
      backlogChars: number;
      seq: number;
      flow: FlowControl;
    }
  >();
  /** The output of sessions that were closed, read-only, by id (oldest first). */
  private readonly ended = new Map<string, { data: string; seq: number }>();

  constructor(
    private readonly factory: SessionFactory,
    private readonly emit: EventSink,
  ) {}

  create(request: SessionRequest = {}): ManagedSession {
    const session = this.factory(request);
    const shell = new IntegratedShell(session);
    const decoder = new TextDecoder('utf-8');
    const managed: ManagedSession = {
      id: session.id,
      shell,
      dispose: () => {
        const entry = this.sessions.get(session.id);
        entry?.flow.flush();
        entry?.flow.dispose();
        shell.dispose();
        session.dispose();
        this.sessions.delete(session.id);
        if (entry) this.keepEnded(session.id, entry.backlog.join(''), entry.seq);
      },
    };
    // What the renderer is sent; the seq is the last chunk's (held output is sent whole, a skip ends at the latest).
    const flow = new FlowControl({
      data: (data) => this.emit('session.didData', { sessionId: session.id, data, seq: entry.seq }),
      skip: (data, skipped) =>
        this.emit('session.didSkip', { sessionId: session.id, data, seq: entry.seq, skipped }),
    });
    const entry = { managed, backlog: [] as string[], backlogChars: 0, seq: 0, flow };
    this.sessions.set(session.id, entry);
    shell.onDidDisplay((bytes) => {
      // Streaming decode: a UTF-8 character split across chunks arrives whole.
      const data = decoder.decode(bytes, { stream: true });
      if (!data) return;
      entry.seq += 1;
      entry.backlog.push(data);
      entry.backlogChars += data.length;
      while (entry.backlogChars > BACKLOG_CHARS && entry.backlog.length > 1) {
        entry.backlogChars -= entry.backlog.shift()!.length;
      }
      flow.push(data);
    });
    session.onDidExit(({ exitCode }) => {
      flow.flush();
      this.emit('session.didExit', { sessionId: session.id, exitCode });
    });
    return managed;
  }

  get(id: string): ManagedSession {
    const entry = this.sessions.get(id);
    if (!entry) throw new ApiError('not-found', `no terminal session ${id}`);
    return entry.managed;
  }

  /**
   * The output so far and the seq of its last chunk: events with a higher seq
   * follow it. Taking a snapshot attaches the caller as the session's renderer
   * for flow control.
   */
  snapshot(id: string): { data: string; seq: number } {
    const ended = this.ended.get(id);
    if (ended && !this.sessions.has(id)) return ended;
    const entry = this.entry(id);
    entry.flow.attach();
    return { data: entry.backlog.join(''), seq: entry.seq };
  }

  ack(id: string, chars: number): void {
    // A closed session's screen is drawn at leisure: nothing waits on it.
    if (this.ended.has(id) && !this.sessions.has(id)) return;
    this.entry(id).flow.acked(chars);
  }

  /** Whether a session was closed and only its output is left to read. */
  isEnded(id: string): boolean {
    return this.ended.has(id) && !this.sessions.has(id);
  }

  private keepEnded(id: string, data: string, seq: number): void {
    this.ended.set(id, { data, seq });
    for (const old of this.ended.keys()) {
      if (this.ended.size <= ENDED_KEPT) break;
      this.ended.delete(old);
    }
  }

  detach(id: string): void {
    this.sessions.get(id)?.flow.detach();
  }

  private entry(id: string) {
    const entry = this.sessions.get(id);
    if (!entry) throw new ApiError('not-found', `no terminal session ${id}`);
    return entry;
  }

  write(id: string, data: string): void {
    if (this.isEnded(id))
      throw new ApiError('conflict', `terminal session ${id} has ended: it is read-only`);
    this.get(id).shell.session.write(data);
    // Typing has priority: other sessions hold their output back from the screen for a moment.
    for (const [other, entry] of this.sessions) if (other !== id) entry.flow.yieldFor();
  }

  resize(id: string, cols: number, rows: number): void {
    // A closed session's screen is redrawn by its viewer; there is no shell to tell.
    if (this.isEnded(id)) return;
    this.get(id).shell.session.resize(cols, rows);
  }

  dispose(): void {
    for (const { managed } of [...this.sessions.values()]) managed.dispose();
    this.ended.clear();
  }
}
