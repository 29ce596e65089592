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
 * One call to a tracker's REST API. Network trouble and 5xx can be retried
 * (the export waits in the queue); a refused credential and other 4xx are said
 * plainly. `explain` words a service's own answers (Redmine's 422 errors list).
 */
export async function trackerCall(
  service: string,
  /** How the tracker is named in messages: its origin or base URL. */
  where: string,
  url: string,
  init: RequestInit,
  options: {
    credential?: string;
    explain?: (status: number, body: unknown) => string | null;
  } = {},
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new TrackerError(`${service} at ${where} did not answer (${cause})`, true);
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the text stands for itself.
  }
  const explained = response.ok ? null : (options.explain?.(response.status, body) ?? null);
  if (explained) throw new TrackerError(explained, false);
  if (response.status === 401 || response.status === 403)
    throw new TrackerError(
      `${service} at ${where} refused the ${options.credential ?? 'token'} (HTTP ${response.status})`,
      false,
    );
  if (response.status >= 500)
    throw new TrackerError(`${service} at ${where} failed (HTTP ${response.status})`, true);
  if (!response.ok) {
    const detail = (typeof body === 'string' ? body : JSON.stringify(body)).slice(0, 300);
    throw new TrackerError(
      `${service} at ${where}: HTTP ${response.status} ${detail}`.trim(),
      false,
    );
  }
  return body;
}

/** The log as a multipart form's `file` (GitLab uploads, Jira attachments). */
export function attachmentForm(attachment: IssueDraft['attachment']): FormData {
  const form = new FormData();
  form.append(
    'file',
    new Blob([attachment.content], { type: attachment.mime }),
    attachment.filename,
  );
  return form;
}
