import { TrackerError, type IssueDraft } from './redmine';

/** GitHub: `github: {repo: owner/name, api?: https://api.github.com}`. */
export interface GitHubConfig {
  repo: string;
  api: string;
}
/** GitLab: `gitlab: {url: https://gitlab.example.com, project: group/name or id}`. */
export interface GitLabConfig {
  url: string;
  project: string;
}
/** Jira Cloud: `jira: {url: https://you.atlassian.net, project: OPS, issueType?: Task, email}`. */
export interface JiraConfig {
  url: string;
  project: string;
  issueType: string;
  email: string;
}

const TIMEOUT_MS = 15_000;

/** One HTTP call; network trouble and 5xx can be retried, the rest is said plainly. */
async function call(
  service: string,
  url: string,
  init: RequestInit,
): Promise<{ status: number; body: unknown }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new TrackerError(`${service} at ${new URL(url).origin} did not answer (${cause})`, true);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text for the message.
  }
  const origin = new URL(url).origin;
  if (response.status === 401 || response.status === 403)
    throw new TrackerError(
      `${service} at ${origin} refused the token (HTTP ${response.status})`,
      false,
    );
  if (response.status >= 500)
    throw new TrackerError(`${service} at ${origin} failed (HTTP ${response.status})`, true);
  if (!response.ok) {
    const detail =
      typeof body === 'object' && body
        ? JSON.stringify(body).slice(0, 300)
        : String(text).slice(0, 300);
    throw new TrackerError(`${service} at ${origin}: HTTP ${response.status} ${detail}`, false);
  }
  return { status: response.status, body };
}

/** The longest issue body GitHub accepts. */
const GITHUB_BODY_MAX = 65_536;

/**
 * GitHub Issues (REST v3, `POST /repos/{owner}/{repo}/issues`). GitHub has no
 * API for attaching files to issues: the log is the body; a longer log is cut,
 * saying where the whole one is.
 */
export async function createGitHubIssue(
  config: GitHubConfig,
  token: string,
  draft: IssueDraft,
): Promise<{ id: number; url: string }> {
  const log = draft.attachment.content;
  const body =
    log.length <= GITHUB_BODY_MAX - 200
      ? log
      : `${log.slice(0, GITHUB_BODY_MAX - 400)}\n\n… cut here: GitHub issues have no attachments; the whole log is ${draft.attachment.filename} in the maintenance-log folder.\n`;
  const { body: created } = await call(
    'GitHub',
    `${config.api.replace(/\/+$/, '')}/repos/${config.repo}/issues`,
    {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${token}`,
        Accept: 'application/vnd.github+json',
        'X-GitHub-Api-Version': '2022-11-28',
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ title: draft.subject, body }),
    },
  );
  const issue = created as { number: number; html_url: string };
  return { id: issue.number, url: issue.html_url };
}

/**
 * GitLab (REST v4): the log is uploaded to the project (`POST /projects/:id/uploads`),
 * then the issue's description carries the log and a link to the upload.
 */
export async function createGitLabIssue(
  config: GitLabConfig,
  token: string,
  draft: IssueDraft,
): Promise<{ id: number; url: string }> {
  const api = `${config.url.replace(/\/+$/, '')}/api/v4/projects/${encodeURIComponent(config.project)}`;
  const form = new FormData();
  form.append(
    'file',
    new Blob([draft.attachment.content], { type: draft.attachment.mime }),
    draft.attachment.filename,
  );
  const { body: uploaded } = await call('GitLab', `${api}/uploads`, {
    method: 'POST',
    headers: { 'PRIVATE-TOKEN': token },
    body: form,
  });
  const link = (uploaded as { markdown: string }).markdown;
  const { body: created } = await call('GitLab', `${api}/issues`, {
    method: 'POST',
    headers: { 'PRIVATE-TOKEN': token, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      title: draft.subject,
      description: `${draft.description}\n\nFull log: ${link}\n`,
    }),
  });
  const issue = created as { iid: number; web_url: string };
  return { id: issue.iid, url: issue.web_url };
}

/**
 * Jira Cloud (REST v3): the issue (description in Atlassian Document Format, the
 * log as a code block), then the log attached (`POST /issue/{key}/attachments`,
 * with the `X-Atlassian-Token: no-check` header Jira requires). Basic auth: email
 * and API token.
 */
export async function createJiraIssue(
  config: JiraConfig,
  token: string,
  draft: IssueDraft,
): Promise<{ id: number; url: string; key: string }> {
  const base = config.url.replace(/\/+$/, '');
  const auth = `Basic ${Buffer.from(`${config.email}:${token}`).toString('base64')}`;
  const { body: created } = await call('Jira', `${base}/rest/api/3/issue`, {
    method: 'POST',
    headers: {
      Authorization: auth,
      Accept: 'application/json',
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({
      fields: {
        project: { key: config.project },
        summary: draft.subject,
        issuetype: { name: config.issueType },
        description: {
          type: 'doc',
          version: 1,
          content: [
            {
              type: 'codeBlock',
              attrs: { language: 'markdown' },
              // Jira caps a field at 32 767 characters; the whole log is attached.
              content: [{ type: 'text', text: draft.description.slice(0, 30_000) }],
            },
          ],
        },
      },
    }),
  });
  const issue = created as { id: string; key: string };
  const form = new FormData();
  form.append(
    'file',
    new Blob([draft.attachment.content], { type: draft.attachment.mime }),
    draft.attachment.filename,
  );
  await call('Jira', `${base}/rest/api/3/issue/${issue.key}/attachments`, {
    method: 'POST',
    headers: { Authorization: auth, 'X-Atlassian-Token': 'no-check', Accept: 'application/json' },
    body: form,
  });
  return { id: Number(issue.id), url: `${base}/browse/${issue.key}`, key: issue.key };
}
