import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readYamlFile } from '../files/yaml-file';
import { ApiError } from '../../shared/api/errors';
import { TRACKER_NAMES, type TrackerName } from '../../shared/model';
import { writeFileAtomic } from '../files/atomic-write';
import {
  createGitHubIssue,
  createGitLabIssue,
  createJiraIssue,
  type GitHubConfig,
  type GitLabConfig,
  type JiraConfig,
} from './hosted';
import { TrackerError, type IssueDraft } from './http';
import { createRedmineIssue, type RedmineConfig } from './redmine';

interface TrackerConfigs {
  redmine?: RedmineConfig;
  github?: GitHubConfig;
  gitlab?: GitLabConfig;
  jira?: JiraConfig;
}

/** Where tokens come from: the OS keychain in the app, environment variables in serve and the CLI. */
export type TokenSource = (tracker: TrackerName) => string | null;

/** `RUNSHEET_REDMINE_TOKEN`: the environment's token for serve and the CLI. */
export const envTokens: TokenSource = (tracker) =>
  process.env[`RUNSHEET_${tracker.toUpperCase()}_TOKEN`] || null;

/**
 * The workspace's trackers, `trackers.yaml`:
 * `redmine: {url, project, trackerId?}`, `github: {repo, api?}`,
 * `gitlab: {url, project}`, `jira: {url, project, email, issueType?}`.
 * Tokens never go in this file (environment or keychain).
 */
export function readTrackers(workspaceDir: string): TrackerConfigs {
  const file = join(workspaceDir, 'trackers.yaml');
  const data = readYamlFile<Record<string, Record<string, unknown>>>(file);
  if (!data) return {};
  const str = (tracker: string, key: string, required = true): string => {
    const value = data?.[tracker]?.[key];
    if (typeof value === 'string' && value) return value;
    if (typeof value === 'number') return String(value);
    if (required) throw new Error(`${file}: ${tracker}.${key} is missing`);
    return '';
  };
  const url = (tracker: string, key = 'url', fallback?: string): string => {
    const value = fallback && !data?.[tracker]?.[key] ? fallback : str(tracker, key);
    if (!/^https?:\/\//.test(value))
      throw new Error(`${file}: ${tracker}.${key} must be an http(s) URL`);
    return value;
  };
  const configs: TrackerConfigs = {};
  if (data?.redmine) {
    const trackerId = data.redmine.trackerId;
    configs.redmine = {
      url: url('redmine'),
      project: str('redmine', 'project'),
      ...(typeof trackerId === 'number' ? { trackerId } : {}),
    };
  }
  if (data?.github) {
    const repo = str('github', 'repo');
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo))
      throw new Error(`${file}: github.repo must be owner/name`);
    configs.github = { repo, api: url('github', 'api', 'https://api.github.com') };
  }
  if (data?.gitlab) configs.gitlab = { url: url('gitlab'), project: str('gitlab', 'project') };
  if (data?.jira)
    configs.jira = {
      url: url('jira'),
      project: str('jira', 'project'),
      email: str('jira', 'email'),
      issueType: str('jira', 'issueType', false) || 'Task',
    };
  return configs;
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
    const configs = readTrackers(this.deps.workspaceDir);
    const queued = this.queued();
    return TRACKER_NAMES.flatMap((name) => {
      const config = configs[name];
      if (!config) return [];
      return [
        {
          name,
          url: 'api' in config ? `https://github.com/${config.repo}` : config.url,
          project: 'repo' in config ? config.repo : config.project,
          hasToken: this.deps.tokens(name) !== null,
          queued: queued.filter((q) => q.tracker === name).length,
        },
      ];
    });
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
    const configs = readTrackers(this.deps.workspaceDir);
    const config = configs[tracker];
    if (!config) throw new TrackerError(`no ${tracker} in trackers.yaml`, false);
    const token = this.deps.tokens(tracker);
    if (!token)
      throw new TrackerError(
        `no ${tracker} token: set RUNSHEET_${tracker.toUpperCase()}_TOKEN (serve, CLI) or save one in the app`,
        false,
      );
    const draft = await this.deps.draft(runId);
    const issue =
      tracker === 'redmine'
        ? await createRedmineIssue(configs.redmine!, token, draft)
        : tracker === 'github'
          ? await createGitHubIssue(configs.github!, token, draft)
          : tracker === 'gitlab'
            ? await createGitLabIssue(configs.gitlab!, token, draft)
            : await createJiraIssue(configs.jira!, token, draft);
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
