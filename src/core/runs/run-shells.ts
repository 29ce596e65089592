import type { ManualCommand } from '../sessions/integrated-shell';
import type { ManagedSession, SessionManager } from '../sessions/session-manager';
import { Connections } from './connections';

/**
 * The shells of one run: its own (this machine, or the run's one host) and one
 * per fan-out host, each long-lived so `cd` and `export` carry from step to step.
 * A shell that a step ended is replaced on demand, restoring the directory and
 * exported variables saved before the last step (in `stateDir`).
 */
export class RunShells {
  private own: ManagedSession | null = null;
  /** The own shell was opened before: a new one restores the saved state. */
  private ownOpened = false;
  private readonly hosts = new Map<string, ManagedSession>();
  /** Session ids by host, as the run state gives them (kept: states go out often). */
  private hostIds: Record<string, string> = {};
  readonly connections: Connections;

  constructor(
    private readonly deps: {
      sessions: SessionManager;
      stateDir: string;
      /** The runbook's `shell:` frontmatter, for the own shell. */
      shell?: string;
      /** The run's own host (an inventory or ssh_config name), or null for this machine. */
      ownHost: string | null;
      /** Something the run state shows changed (a shell, a connection). */
      changed(): void;
      /** A command typed by hand in one of the shells, between steps. */
      manual(session: ManagedSession, command: ManualCommand): void;
    },
  ) {
    this.connections = new Connections(() => deps.changed());
  }

  get ownHost(): string | null {
    return this.deps.ownHost;
  }

  /** The run's own shell: the live one, else a new one. */
  ownShell(): ManagedSession {
    if (this.own && this.own.shell.alive) return this.own;
    return this.openOwn();
  }

  /** A fan-out host's shell: the live one, else a new one (restoring state when it replaces one). */
  hostShell(host: string, fresh = false): ManagedSession {
    const existing = this.hosts.get(host);
    if (existing && existing.shell.alive && !fresh) return existing;
    existing?.dispose();
    const session = this.deps.sessions.create({
      host,
      stateDir: this.deps.stateDir,
      restore: Boolean(existing),
    });
    this.adopt(session);
    this.hosts.set(host, session);
    this.hostIds = { ...this.hostIds, [host]: session.id };
    this.connections.track(host, session);
    this.deps.changed();
    return session;
  }

  /** Who a fan-out host's shell runs as and its host key, once connected. */
  hostTarget(host: string): { user: string; hostKey: string | null } | null {
    const target = this.hosts.get(host)?.shell.session.target;
    return target ? { user: target.user, hostKey: target.hostKey ?? null } : null;
  }

  /** Whether `host` is one of this run's (its own, or a fan-out host it has used or targets). */
  has(host: string): boolean {
    return host === this.deps.ownHost || this.hosts.has(host);
  }

  /** A fresh connection to one of the run's hosts, restoring the saved shell state. */
  reconnect(host: string): void {
    if (host === this.deps.ownHost) {
      const old = this.own;
      this.own = null;
      old?.dispose();
      this.openOwn();
    } else {
      this.hostShell(host, true);
    }
  }

  /** What the run state shows of the shells. */
  live(): {
    sessionId: string | null;
    hostSessions: Record<string, string>;
    connections: ReturnType<Connections['list']>;
  } {
    return {
      sessionId: this.own?.id ?? null,
      hostSessions: this.hostIds,
      connections: this.connections.list(),
    };
  }

  dispose(): void {
    const own = this.own;
    this.own = null;
    own?.dispose();
    for (const session of this.hosts.values()) session.dispose();
    this.hosts.clear();
    this.hostIds = {};
  }

  private openOwn(): ManagedSession {
    const session = this.deps.sessions.create({
      shell: this.deps.shell,
      stateDir: this.deps.stateDir,
      restore: this.ownOpened,
      host: this.deps.ownHost ?? undefined,
    });
    this.ownOpened = true;
    this.own = session;
    this.adopt(session);
    if (this.deps.ownHost) this.connections.track(this.deps.ownHost, session);
    session.shell.session.onDidExit(() => {
      if (this.own !== session) return;
      this.own = null;
      // Let a step that the exit ended record its result first.
      setImmediate(() => this.deps.changed());
    });
    this.deps.changed();
    return session;
  }

  private adopt(session: ManagedSession): void {
    session.shell.onDidManualCommand((command) => this.deps.manual(session, command));
  }
}
