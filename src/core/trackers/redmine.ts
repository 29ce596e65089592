/** Where a Redmine is and which project gets the issues (from the workspace's trackers.yaml). */
export interface RedmineConfig {
  url: string;
  project: string;
  /** Tracker id (Bug, Feature, …); Redmine's default when absent. */
  trackerId?: number;
}

export interface IssueDraft {
  subject: string;
  description: string;
  attachment: { filename: string; content: string; mime: string };
}

/** Why a push did not go through, and whether trying again later can help. */
export class TrackerError extends Error {
  constructor(
    message: string,
    /** Network trouble or a 5xx: the export waits in the queue. */
    readonly retry: boolean,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 15_000;

/**
 * Creates an issue with the log attached, through Redmine's REST API: upload the
 * file (`POST /uploads.json`, octet-stream) for a token, then `POST /issues.json`
 * naming it. The API key goes in the X-Redmine-API-Key header only.
 */
export async function createRedmineIssue(
  config: RedmineConfig,
  apiKey: string,
  draft: IssueDraft,
): Promise<{ id: number; url: string }> {
  const base = config.url.replace(/\/+$/, '');
  const call = async (path: string, init: RequestInit): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        ...init,
        headers: { ...init.headers, 'X-Redmine-API-Key': apiKey, Accept: 'application/json' },
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause =
        (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new TrackerError(`Redmine at ${base} did not answer (${cause})`, true);
    }
    const text = await response.text();
    if (response.status === 401 || response.status === 403)
      throw new TrackerError(
        `Redmine at ${base} refused the API key (HTTP ${response.status})`,
        false,
      );
    if (response.status === 422) {
      const errors = (JSON.parse(text) as { errors?: string[] }).errors ?? [text];
      throw new TrackerError(`Redmine at ${base} rejected the issue: ${errors.join('; ')}`, false);
    }
    if (response.status === 404)
      throw new TrackerError(
        `Redmine at ${base}: ${path} not found (is project "${config.project}" there, with issue tracking on?)`,
        false,
      );
    if (response.status >= 500)
      throw new TrackerError(`Redmine at ${base} failed (HTTP ${response.status})`, true);
    if (!response.ok) throw new TrackerError(`Redmine at ${base}: HTTP ${response.status}`, false);
    return JSON.parse(text) as unknown;
  };
  const upload = (await call(
    `/uploads.json?filename=${encodeURIComponent(draft.attachment.filename)}`,
    {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: Buffer.from(draft.attachment.content, 'utf8'),
    },
  )) as { upload: { token: string } };
  const created = (await call('/issues.json', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      issue: {
        project_id: config.project,
        ...(config.trackerId ? { tracker_id: config.trackerId } : {}),
        subject: draft.subject,
        description: draft.description,
        uploads: [
          {
            token: upload.upload.token,
            filename: draft.attachment.filename,
            content_type: draft.attachment.mime,
          },
        ],
      },
    }),
  })) as { issue: { id: number } };
  return { id: created.issue.id, url: `${base}/issues/${created.issue.id}` };
}
