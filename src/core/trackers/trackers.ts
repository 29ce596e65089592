import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../../shared/api/errors';
import { writeFileAtomic } from '../runs/atomic-write';
import { createRedmineIssue, TrackerError, type IssueDraft, type RedmineConfig } from './redmine';

export type TrackerName = 'redmine';

/** Where tokens come from: the OS keychain in the app, environment variables in serve and the CLI. */
export type TokenSource = (tracker: TrackerName) => string | null;

/** `RUNSHEET_REDMINE_TOKEN`: the environment's token for serve and the CLI. */
export const envTokens: TokenSource = (tracker) =>
  process.env[`RUNSHEET_${tracker.toUpperCase()}_TOKEN`] || null;

/** The workspace's trackers (`trackers.yaml`: `redmine: {url, project, trackerId}`). */
export function readTrackers(workspaceDir: string): { redmine?: RedmineConfig } {
  const file = join(workspaceDir, 'trackers.yaml');
  if (!existsSync(file)) return {};
  let data: { redmine?: Partial<RedmineConfig> } | null;
  try {
    data = parseYaml(readFileSync(file, 'utf8')) as typeof data;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const redmine = data?.redmine;
  if (!redmine) return {};
  if (typeof redmine.url !== 'string' || !/^https?:\/\//.test(redmine.url))
    throw new Error(`${file}: redmine.url must be an http(s) URL`);
  if (typeof redmine.project !== 'string' || !redmine.project)
    throw new Error(`${file}: redmine.project must name the project (its identifier)`);
  return {
    redmine: {
      url: redmine.url,
      project: redmine.project,
      ...(typeof redmine.trackerId === 'number' ? { trackerId: redmine.trackerId } : {}),
    },
  };
}

interface Queued {
  runId: string;
  tracker: TrackerName;
  queuedAt: string;
  attempts: number;
  lastError: string;
}

export type PushResult =
  | { status: 'sent'; tracker: TrackerName; issueId: number; url: string }
  | { status: 'queued'; tracker: TrackerName; reason: string };

/** Retry queued exports this often while the app runs. */
const RETRY_MS = 30_000;

/**
 * Sends runs to the team's tracker. A tracker that does not answer (offline, 5xx)
 * gets the export queued on disk (the run id, never its token or content: both
 * are taken fresh when it goes out), retried every 30 s and on demand.
 */
export class Trackers {
  private readonly queueDir: string;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly deps: {
      dataDir: string;
      workspaceDir: string;
      tokens: TokenSource;
      /** The issue for a run: title, the redacted log as description and attachment. */
      draft(runId: string): Promise<IssueDraft>;
      onSent(runId: string, result: Extract<PushResult, { status: 'sent' }>): void;
    },
  ) {
    this.queueDir = join(deps.dataDir, 'export-queue');
  }

  list() {
    const { redmine } = readTrackers(this.deps.workspaceDir);
    const queued = this.queued();
    return redmine
      ? [
          {
            name: 'redmine' as const,
            url: redmine.url,
            project: redmine.project,
            hasToken: this.deps.tokens('redmine') !== null,
            queued: queued.filter((q) => q.tracker === 'redmine').length,
          },
        ]
      : [];
  }

  async push(runId: string, tracker: TrackerName): Promise<PushResult> {
    try {
      const sent = await this.send(runId, tracker);
      this.dequeue(runId, tracker);
      return sent;
    } catch (error) {
      if (error instanceof TrackerError && error.retry) {
        this.enqueue(runId, tracker, error.message);
        return { status: 'queued', tracker, reason: error.message };
      }
      throw error instanceof TrackerError ? new ApiError('invalid-input', error.message) : error;
    }
  }

  /** Tries every queued export once (one pass at a time). */
  flush(): Promise<void> {
    this.flushing ??= (async () => {
      for (const item of this.queued()) {
        try {
          const sent = await this.send(item.runId, item.tracker);
          this.dequeue(item.runId, item.tracker);
          this.deps.onSent(item.runId, sent);
        } catch (error) {
          this.enqueue(item.runId, item.tracker, (error as Error).message, item);
        }
      }
    })().finally(() => (this.flushing = null));
    return this.flushing;
  }

  /** Starts the retry timer (the app and serve; not the one-shot CLI). */
  start(): void {
    this.timer ??= setInterval(() => void this.flush(), RETRY_MS);
    this.timer.unref();
  }

  dispose(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async send(
    runId: string,
    tracker: TrackerName,
  ): Promise<Extract<PushResult, { status: 'sent' }>> {
    const { redmine } = readTrackers(this.deps.workspaceDir);
    if (!redmine) throw new TrackerError('no Redmine in trackers.yaml', false);
    const token = this.deps.tokens(tracker);
    if (!token)
      throw new TrackerError(
        `no ${tracker} token: set RUNSHEET_${tracker.toUpperCase()}_TOKEN (serve, CLI) or save one in the app`,
        false,
      );
    const issue = await createRedmineIssue(redmine, token, await this.deps.draft(runId));
    return { status: 'sent', tracker, issueId: issue.id, url: issue.url };
  }

  private queued(): Queued[] {
    if (!existsSync(this.queueDir)) return [];
    return readdirSync(this.queueDir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(this.queueDir, f), 'utf8')) as Queued);
  }

  private enqueue(runId: string, tracker: TrackerName, reason: string, previous?: Queued): void {
    mkdirSync(this.queueDir, { recursive: true, mode: 0o700 });
    const item: Queued = {
      runId,
      tracker,
      queuedAt: previous?.queuedAt ?? new Date().toISOString(),
      attempts: (previous?.attempts ?? 0) + 1,
      lastError: reason,
    };
    writeFileAtomic(join(this.queueDir, `${runId}-${tracker}.json`), `${JSON.stringify(item)}\n`);
  }

  private dequeue(runId: string, tracker: TrackerName): void {
    rmSync(join(this.queueDir, `${runId}-${tracker}.json`), { force: true });
  }
}
