import { fromMarkdown } from 'mdast-util-from-markdown';
import { gfm } from 'micromark-extension-gfm';
import { gfmFromMarkdown } from 'mdast-util-gfm';
import { frontmatter } from 'micromark-extension-frontmatter';
import { frontmatterFromMarkdown } from 'mdast-util-frontmatter';
import { parse as parseYaml } from 'yaml';
import type { Code, Heading, List, ListItem, Nodes, Root, RootContent } from 'mdast';
import { shortHash, slugify } from '../util/hash';
import { cadenceFromText, parseCadence } from './cadence';
import { isRunnableBlock } from './shell-detect';
import type { Runbook, RunbookBlock, RunbookWarning, Section, Step } from './types';

/** Parses Markdown into the runbook model. Never throws on any input. */
export function parseRunbook(source: string, fallbackTitle = 'Untitled runbook'): Runbook {
  // CRLF and lone CR line ends would shift offsets against the line-based helpers below.
  const text = source.replace(/\r\n?/g, '\n');
  const tree = fromMarkdown(text, {
    extensions: [gfm(), frontmatter(['yaml'])],
    mdastExtensions: [gfmFromMarkdown(), frontmatterFromMarkdown(['yaml'])],
  });
  return new RunbookBuilder(text, fallbackTitle).build(tree);
}

class RunbookBuilder {
  private readonly sections: Section[] = [];
  private readonly steps: Step[] = [];
  private readonly blocks: RunbookBlock[] = [];
  private readonly warnings: RunbookWarning[] = [];
  private readonly stepIds = new Set<string>();
  private readonly sectionIds = new Set<string>();
  private frontmatter: Record<string, unknown> = {};
  /** Open headings, innermost last, with the slug path their children's ids extend. */
  private stack: Section[] = [];
  private readonly paths = new Map<Section, string>();
  private h1Count = 0;
  private lastProse: { text: string; parent: Nodes } | null = null;

  constructor(
    private readonly text: string,
    private readonly fallbackTitle: string,
  ) {}

  build(tree: Root): Runbook {
    this.h1Count = tree.children.filter((n) => n.type === 'heading' && n.depth === 1).length;
    for (const node of tree.children) this.visit(node, tree, 0);
    const firstH1 = this.sections.find((s) => s.level === 1);
    const fmTitle = typeof this.frontmatter.title === 'string' ? this.frontmatter.title : null;
    return {
      title: fmTitle ?? firstH1?.title ?? this.fallbackTitle,
      frontmatter: this.frontmatter,
      cadence: parseCadence(this.frontmatter.cadence),
      sections: this.sections,
      steps: this.steps,
      blocks: this.blocks,
      warnings: this.warnings.sort((a, b) => a.line - b.line),
    };
  }

  private visit(node: RootContent, parent: Nodes, depth: number): void {
    switch (node.type) {
      case 'yaml':
        this.readFrontmatter(node.value, line(node));
        return;
      case 'heading':
        this.openSection(node);
        return;
      case 'list':
        this.visitList(node, depth);
        return;
      case 'code':
        this.addCommand(node, this.introFor(parent), depth, false);
        return;
      case 'paragraph':
      case 'table':
      case 'blockquote':
      case 'html':
        this.addProse(node, parent, depth);
        return;
      default:
        return;
    }
  }

  private readFrontmatter(value: string, at: number): void {
    try {
      const data: unknown = parseYaml(value);
      if (data && typeof data === 'object' && !Array.isArray(data)) {
        this.frontmatter = data as Record<string, unknown>;
      } else if (data != null) {
        this.warnings.push({ line: at, message: 'frontmatter is not a mapping; ignored' });
      }
    } catch (error) {
      this.warnings.push({
        line: at,
        message: `frontmatter is not valid YAML: ${firstLine(error)}`,
      });
    }
  }

  private openSection(node: Heading): void {
    const title = this.source(node)
      .replace(/^\s*#+\s*/, '')
      .replace(/\s*#+\s*$/, '')
      .trim();
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.level >= node.depth) {
      this.stack.pop();
    }
    const parent = this.stack[this.stack.length - 1] ?? null;
    // A lone H1 is the document's title: leave it out of the id path so ids stay short.
    const inPath = !(node.depth === 1 && this.h1Count === 1);
    const parentPath = parent ? (this.paths.get(parent) ?? '') : '';
    const path = [parentPath, inPath ? slugify(title) : ''].filter(Boolean).join('/');
    const id = unique(path || 'document', this.sectionIds);
    const section: Section = {
      id,
      title,
      level: node.depth,
      line: line(node),
      parentId: parent?.id ?? null,
      cadence: cadenceFromText(title) ?? parent?.cadence ?? null,
    };
    this.paths.set(section, path);
    this.sections.push(section);
    this.stack.push(section);
    this.blocks.push({ kind: 'heading', sectionId: id });
    this.lastProse = null;
  }

  private visitList(list: List, depth: number): void {
    for (const item of list.children) {
      if (item.checked === null || item.checked === undefined) {
        this.visitPlainItem(item, depth);
      } else {
        this.addCheck(item, depth);
      }
    }
    this.lastProse = null;
  }

  /** A list item without a checkbox: prose, but code and checkboxes inside it still count. */
  private visitPlainItem(item: ListItem, depth: number): void {
    const [first, ...rest] = item.children;
    if (first && first.type === 'paragraph') {
      const marker = this.itemMarker(item);
      this.blocks.push({
        kind: 'prose',
        line: line(first),
        markdown: `${marker} ${this.source(first)}`,
        depth,
      });
      this.lastProse = { text: this.inlineText(first), parent: item };
      for (const child of rest) this.visit(child, item, depth + 1);
    } else {
      for (const child of item.children) this.visit(child, item, depth + 1);
    }
  }

  private addCheck(item: ListItem, depth: number): void {
    const [first, ...rest] = item.children;
    const text = first && first.type === 'paragraph' ? this.inlineText(first) : '';
    // A check item with a code block under it is one step (the item and its command).
    const codeIndex = rest.findIndex((c) => c.type === 'code');
    const code = codeIndex >= 0 ? (rest[codeIndex] as Code) : null;
    const step = this.pushStep({
      kind: 'check',
      line: line(item),
      text,
      code: code ? code.value : null,
      lang: code ? (code.lang ?? null) : null,
      runnable: code ? isRunnableBlock(code.lang ?? null, code.value) : false,
      checked: item.checked === true,
      depth,
    });
    if (code) this.checkFence(code);
    this.blocks.push({ kind: 'step', stepId: step.id });
    rest.forEach((child, index) => {
      if (index !== codeIndex) this.visit(child, item, depth + 1);
    });
  }

  private addCommand(node: Code, intro: string, depth: number, checked: boolean): void {
    const step = this.pushStep({
      kind: 'command',
      line: line(node),
      text: intro,
      code: node.value,
      lang: node.lang ?? null,
      runnable: isRunnableBlock(node.lang ?? null, node.value),
      checked,
      depth,
    });
    this.checkFence(node);
    this.blocks.push({ kind: 'step', stepId: step.id });
    this.lastProse = null;
  }

  private addProse(node: RootContent, parent: Nodes, depth: number): void {
    this.blocks.push({ kind: 'prose', line: line(node), markdown: this.source(node), depth });
    this.lastProse = node.type === 'paragraph' ? { text: this.inlineText(node), parent } : null;
  }

  /** The label of a bare code block: the prose right before it, else its section's title. */
  private introFor(parent: Nodes): string {
    if (this.lastProse && this.lastProse.parent === parent) {
      return firstSentence(this.lastProse.text);
    }
    return this.stack[this.stack.length - 1]?.title ?? '';
  }

  private pushStep(fields: Omit<Step, 'id' | 'section'>): Step {
    const section = this.stack[this.stack.length - 1] ?? null;
    // Ids come from the section path and the content, not line numbers, so
    // editing one part of a file keeps every other step's id.
    const content = `${fields.kind}\n${fields.text}\n${fields.code ?? ''}`;
    const base = `${section?.id ?? 'document'}/${shortHash(content)}`;
    const step: Step = { id: unique(base, this.stepIds), section: section?.id ?? null, ...fields };
    this.steps.push(step);
    return step;
  }

  /** An unclosed fence runs to the end of the file; say so rather than silently hide the rest. */
  private checkFence(node: Code): void {
    const raw = this.source(node);
    const lines = raw.split('\n');
    const open = /^\s*(`{3,}|~{3,})/.exec(lines[0] ?? '');
    if (!open) return; // indented code block
    const fence = open[1]!;
    const last = (lines.length > 1 ? lines[lines.length - 1]! : '').trim();
    const closed = last.startsWith(fence[0]!.repeat(fence.length)) && /^(`+|~+)$/.test(last);
    if (!closed) {
      this.warnings.push({
        line: line(node),
        message: `code fence opened here is never closed; everything after it is read as code`,
      });
    }
  }

  private itemMarker(item: ListItem): string {
    const raw = this.source(item);
    return /^\s*(\d+[.)]|[-*+])/.exec(raw)?.[1] ?? '-';
  }

  private source(node: Nodes): string {
    const start = node.position?.start.offset;
    const end = node.position?.end.offset;
    return start === undefined || end === undefined ? '' : this.text.slice(start, end);
  }

  /** Inline Markdown of a paragraph with wrapped continuation lines joined. */
  private inlineText(node: Nodes): string {
    return this.source(node)
      .split('\n')
      .map((l) => l.trim())
      .join(' ')
      .trim();
  }
}

/** "Archive the data and record a checksum…: more" -> its first clause, for a short label. */
function firstSentence(text: string): string {
  const match = /^(.+?)(?:[.:;!?](?:\s|$)|\s[—–]\s)/.exec(text);
  const sentence = (match?.[1] ?? text).trim();
  return sentence.length > 120 ? `${sentence.slice(0, 117)}…` : sentence;
}

function line(node: Nodes): number {
  return node.position?.start.line ?? 1;
}

function unique(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  taken.add(id);
  return id;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
