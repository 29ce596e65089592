import type { RunState } from '../../shared/api/contract';
import { compareHosts } from '../../shared/util/host-order';
import type { ManagedSession } from '../sessions/session-manager';

export type Connection = RunState['connections'][number];

/**
 * The SSH connections of one run and how each is doing (connecting, ready, lost,
 * failed, closed), for the run state the UI shows. Live only: the journal keeps
 * what ran where, not the life of the connections.
 */
export class Connections {
  private readonly byHost = new Map<string, Connection>();
  /** The last list given out, until something changes (run states go out many times a second). */
  private listed: Connection[] | null = null;

  constructor(private readonly changed: () => void) {}

  /** Follows a new shell on `host` (replacing what was known of the host before). */
  track(host: string, session: ManagedSession): void {
    const entry: Connection = { host, sessionId: session.id, state: 'connecting', detail: null };
    this.byHost.set(host, entry);
    this.listed = null;
    const set = (state: Connection['state'], detail: string | null = null): void => {
      // A replaced connection no longer speaks for its host.
      if (this.byHost.get(host) !== entry || entry.state === state) return;
      entry.state = state;
      entry.detail = detail;
      this.listed = null;
      this.changed();
    };
    const shell = session.shell;
    void shell.ready().then(() => {
      if (shell.alive) set('ready');
    });
    shell.session.onDidExit(() => {
      const { connectionLost, failure } = shell.session;
      set(connectionLost ? 'lost' : failure ? 'failed' : 'closed', failure);
    });
  }

  list(): Connection[] {
    this.listed ??= [...this.byHost.values()]
      .map((c) => ({ ...c }))
      .sort((a, b) => compareHosts(a.host, b.host));
    return this.listed;
  }
}
