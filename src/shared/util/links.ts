/** The schemes a link may leave the app by: web pages and mail. Anything else could run a program. */
const OPENABLE = ['http:', 'https:', 'mailto:'];

/** Longer than this is no link a runbook or a terminal holds honestly. */
export const MAX_LINK_LENGTH = 4096;

/** The link as it would be opened (normalised by the URL parser), or null when it may not leave the app. */
export function openableUrl(href: string): string | null {
  if (href.length > MAX_LINK_LENGTH) return null;
  try {
    const url = new URL(href);
    return OPENABLE.includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}
