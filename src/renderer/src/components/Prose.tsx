import { InlineMarkdown } from './InlineMarkdown';

/** A paragraph, table, quote or plain list item between steps. */
export function Prose({ markdown, depth }: { markdown: string; depth: number }) {
  const style = { marginLeft: `${depth * 20}px` };
  if (/^\s*\|/.test(markdown)) {
    return (
      <pre className="prose-table" style={style}>
        {markdown}
      </pre>
    );
  }
  if (/^\s*</.test(markdown)) {
    // Raw HTML is shown as source text, never rendered.
    return (
      <pre className="prose-html" style={style}>
        {markdown}
      </pre>
    );
  }
  const list = /^(\d+[.)]|[-*+])\s+([\s\S]*)$/.exec(markdown);
  if (list) {
    return (
      <div className="prose prose-item" style={style}>
        <span className="prose-marker">{/\d/.test(list[1]!) ? list[1] : '•'}</span>
        <span>
          <InlineMarkdown text={list[2]!.replace(/\s*\n\s*/g, ' ')} />
        </span>
      </div>
    );
  }
  const quote = markdown.startsWith('>');
  const text = markdown.replace(/^>\s?/gm, '').replace(/\s*\n\s*/g, ' ');
  return (
    <p className={quote ? 'prose prose-quote' : 'prose'} style={style}>
      <InlineMarkdown text={text} />
    </p>
  );
}
