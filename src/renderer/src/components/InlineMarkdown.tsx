import type { ReactNode } from 'react';

/**
 * Inline Markdown for prose and item text: `code`, **bold**, *emphasis* and
 * [links](url). React escapes all text, so no HTML from a runbook reaches the
 * DOM. Links are shown, not followed: opening them is a later, confirmed action.
 */
export function InlineMarkdown({ text }: { text: string }): ReactNode {
  const out: ReactNode[] = [];
  const pattern =
    /(`+)([\s\S]*?)\1|\*\*([^*]+)\*\*|__([^_]+)__|\*([^*\s][^*]*)\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  let key = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > last) out.push(text.slice(last, index));
    if (match[1]) out.push(<code key={key++}>{match[2]?.trim()}</code>);
    else if (match[3] ?? match[4]) out.push(<strong key={key++}>{match[3] ?? match[4]}</strong>);
    else if (match[5]) out.push(<em key={key++}>{match[5]}</em>);
    else if (match[6]) {
      out.push(
        <span key={key++} className="link" title={match[7]}>
          {match[6]}
        </span>,
      );
    }
    last = index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return <>{out}</>;
}
