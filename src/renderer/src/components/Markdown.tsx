import DOMPurify from 'dompurify';
import MarkdownIt from 'markdown-it';
import { useMemo, type MouseEvent } from 'react';

const md = new MarkdownIt({ html: true, linkify: true, breaks: false });

/**
 * Prose from a runbook, rendered as Markdown. Raw HTML is allowed through
 * DOMPurify only (no scripts, styles, forms, frames or event handlers), and
 * links never navigate the app: clicking one asks `onLink` first.
 */
export function Markdown({
  source,
  onLink,
  className,
  inline = false,
}: {
  source: string;
  onLink(href: string): void;
  className?: string;
  /** Item text and labels: no paragraph wrapper. */
  inline?: boolean;
}) {
  const html = useMemo(
    () =>
      DOMPurify.sanitize(inline ? md.renderInline(source) : md.render(source), {
        USE_PROFILES: { html: true },
        FORBID_TAGS: [
          'style',
          'form',
          'input',
          'button',
          'iframe',
          'object',
          'embed',
          'textarea',
          'select',
        ],
        FORBID_ATTR: ['style', 'srcset'],
      }),
    [source, inline],
  );
  const click = (event: MouseEvent<HTMLDivElement>): void => {
    const anchor = (event.target as HTMLElement).closest('a');
    if (!anchor) return;
    event.preventDefault();
    onLink(anchor.getAttribute('href') ?? '');
  };
  const Tag = inline ? 'span' : 'div';
  return (
    <Tag
      className={`markdown ${className ?? ''}`}
      onClick={click}
      // A middle click (or any other button) would open a new window: it asks too.
      onAuxClick={click}
      dangerouslySetInnerHTML={{ __html: html }}
    />
  );
}
