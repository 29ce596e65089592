import type { EventSink } from '../../shared/api/contract';
import { ApiError } from '../../shared/api/errors';
import type { Disposable } from '../../shared/util/event';
import { FlowControl } from './flow-control';
import { IntegratedShell } from './integrated-shell';
import type { SessionFactory, SessionRequest } from './terminal-session';

/** Terminal output kept per session so a UI that attaches late sees the screen so far. */
const BACKLOG_CHARS = 512 * 1024;

export interface ManagedSession extends Disposable {
  readonly id: string;
  readonly shell: IntegratedShell;
}

/**
 * Owns every terminal session: creates them through a factory (local PTY now,
 * SSH later), forwards their output to clients as `session.didData` events and
 * routes input and resizes to them by id.
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
        this.sessions.get(session.id)?.flow.dispose();
        shell.dispose();
        session.dispose();
        this.sessions.delete(session.id);
      },
    };
    const flow = new FlowControl(
      () => session.pause(),
      () => session.resume(),
    );
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
      this.emit('session.didData', { sessionId: session.id, data, seq: entry.seq });
      flow.sent(data.length);
    });
    session.onDidExit(({ exitCode }) => {
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
    const entry = this.entry(id);
    entry.flow.attach();
    return { data: entry.backlog.join(''), seq: entry.seq };
  }

  ack(id: string, chars: number): void {
    this.entry(id).flow.acked(chars);
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
    this.get(id).shell.session.write(data);
    // Typing has priority: other sessions hold their output back for a moment.
    for (const [other, entry] of this.sessions) if (other !== id) entry.flow.yieldFor();
  }

  resize(id: string, cols: number, rows: number): void {
    this.get(id).shell.session.resize(cols, rows);
  }

  dispose(): void {
    for (const { managed } of [...this.sessions.values()]) managed.dispose();
  }
}
