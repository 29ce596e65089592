import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import json from 'highlight.js/lib/languages/json';
import plaintext from 'highlight.js/lib/languages/plaintext';
import python from 'highlight.js/lib/languages/python';
import sql from 'highlight.js/lib/languages/sql';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { useMemo } from 'react';
import type { Placeholder } from '../../../shared/model';

for (const [name, lang] of Object.entries({
  bash,
  dockerfile,
  go,
  ini,
  json,
  plaintext,
  python,
  sql,
  xml,
  yaml,
})) {
  hljs.registerLanguage(name, lang);
}

const ALIASES: Record<string, string> = {
  sh: 'bash',
  shell: 'bash',
  zsh: 'bash',
  console: 'bash',
  'shell-session': 'bash',
  terminal: 'bash',
  yml: 'yaml',
  toml: 'ini',
  conf: 'ini',
  py: 'python',
  python3: 'python',
  html: 'xml',
  docker: 'dockerfile',
  golang: 'go',
  text: 'plaintext',
  txt: 'plaintext',
  output: 'plaintext',
  psql: 'sql',
  jsonc: 'json',
};

function languageFor(lang: string | null, runnable: boolean): string {
  const name = lang ? (ALIASES[lang] ?? lang) : runnable ? 'bash' : 'plaintext';
  return hljs.getLanguage(name) ? name : 'plaintext';
}

function escape(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!,
  );
}

/**
 * A code block with syntax highlighting (highlight.js escapes its input) and
 * placeholders marked, so a reader sees at once what must be filled in.
 */
export function CodeBlock({
  code,
  lang,
  runnable,
  placeholders = [],
  className,
  tabIndex,
}: {
  code: string;
  lang: string | null;
  runnable: boolean;
  placeholders?: Placeholder[];
  className?: string;
  /** -1 keeps a wide block (which the browser makes focusable, to scroll it) out of the Tab order. */
  tabIndex?: number;
}) {
  const html = useMemo(() => {
    const language = languageFor(lang, runnable);
    const tokens = placeholders.flatMap((p) => p.tokens.map((t) => ({ token: t, name: p.name })));
    if (tokens.length === 0) return hljs.highlight(code, { language }).value;
    const pattern = new RegExp(
      tokens
        .map((t) => t.token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .sort((a, b) => b.length - a.length)
        .join('|'),
      'g',
    );
    let out = '';
    let last = 0;
    for (const match of code.matchAll(pattern)) {
      out += hljs.highlight(code.slice(last, match.index), { language }).value;
      const name = tokens.find((t) => t.token === match[0])?.name ?? match[0];
      out += `<mark class="placeholder" data-placeholder="${escape(name)}" title="Fill in ${escape(name)} below">${escape(match[0])}</mark>`;
      last = match.index! + match[0].length;
    }
    return out + hljs.highlight(code.slice(last), { language }).value;
  }, [code, lang, runnable, placeholders]);
  return (
    <pre className={`code hljs ${className ?? ''}`} data-lang={lang ?? ''} tabIndex={tabIndex}>
      <code dangerouslySetInnerHTML={{ __html: html }} />
    </pre>
  );
}
