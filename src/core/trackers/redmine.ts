import { trackerCall, type IssueDraft } from './http';

/** Where a Redmine is and which project gets the issues (from the workspace's trackers.yaml). */
export interface RedmineConfig {
  url: string;
  project: string;
  /** Tracker id (Bug, Feature, …); Redmine's default when absent. */
  trackerId?: number;
}

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
  const call = (path: string, init: RequestInit): Promise<unknown> =>
    trackerCall(
      'Redmine',
      base,
      `${base}${path}`,
      {
        ...init,
        headers: { ...init.headers, 'X-Redmine-API-Key': apiKey, Accept: 'application/json' },
      },
      {
        credential: 'API key',
        explain: (status, body) =>
          status === 422
            ? `Redmine at ${base} rejected the issue: ${((body as { errors?: string[] } | null)?.errors ?? [String(body)]).join('; ')}`
            : status === 404
              ? `Redmine at ${base}: ${path} not found (is project "${config.project}" there, with issue tracking on?)`
              : null,
      },
    );
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
