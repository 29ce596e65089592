import { attachmentForm, trackerCall, type IssueDraft } from './http';

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

const originOf = (url: string): string => new URL(url).origin;

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
  const created = await trackerCall(
    'GitHub',
    originOf(config.api),
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
  const uploaded = await trackerCall('GitLab', originOf(config.url), `${api}/uploads`, {
    method: 'POST',
    headers: { 'PRIVATE-TOKEN': token },
    body: attachmentForm(draft.attachment),
  });
  const link = (uploaded as { markdown: string }).markdown;
  const created = await trackerCall('GitLab', originOf(config.url), `${api}/issues`, {
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
  const created = await trackerCall('Jira', originOf(config.url), `${base}/rest/api/3/issue`, {
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
  await trackerCall(
    'Jira',
    originOf(config.url),
    `${base}/rest/api/3/issue/${issue.key}/attachments`,
    {
      method: 'POST',
      headers: { Authorization: auth, 'X-Atlassian-Token': 'no-check', Accept: 'application/json' },
      body: attachmentForm(draft.attachment),
    },
  );
  return { id: Number(issue.id), url: `${base}/browse/${issue.key}`, key: issue.key };
}
