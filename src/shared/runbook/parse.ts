import type Token from 'markdown-it/lib/token.mjs';
import { shortHash, slugify } from '../util/hash';
import { cadenceFromText, parseCadence } from './cadence';
import { splitFrontmatter } from './frontmatter';
import { parseInfo } from './info-string';
import { fenceClosed, lineOf, md, repairFences, repairMessage, trimFenceLines } from './fences';
import { firstSentence, oneLine, unique } from './text';
import { envAssignments, envReferences, findPlaceholders } from './placeholders';
import { isRunnableBlock, looksLikeShell, outputOnly, SHELL_LANGS } from './shell-detect';
import { readSchedule, readWindows, type Table } from './tables';
import { parseWindow } from '../schedule/window';
import { readTranscript, TRANSCRIPT_LANGS } from './transcript';
import type {
  DangerFlag,
  RepairedFence,
  Runbook,
  RunbookBlock,
  RunbookWarning,
  Section,
  Step,
  StepAttributes,
} from '../model';

/**
 * A workspace file's runbook: its id (path in the workspace) gives the title when
 * the text has none. The one way the workspace and a run's record parse a text,
 * so the step ids of a run and of its runbook agree.
 */
export function parseRunbookFile(
  source: string,
  runbookId: string,
  analyze?: StepAnalyzer,
): Runbook {
  return parseRunbook(source, runbookId.replace(/\.md$/, ''), analyze);
}

/**
 * Finds what a step would destroy (core/guard: a shell parse and the rule table).
 * `lines` is the runbook's text by line; a flag names the file line of its command.
 */
export type StepAnalyzer = (step: Step, lines: string[]) => DangerFlag[];

/** Parses Markdown into the runbook model. Never throws on any input. */
export function parseRunbook(
  source: string,
  fallbackTitle = 'Untitled runbook',
  analyze?: StepAnalyzer,
): Runbook {
  // CRLF and lone CR line ends: one kind of line end for everything below.
  const text = trimFenceLines(source.replace(/\r\n?/g, '\n'));
  const front = splitFrontmatter(text);
  const repaired = repairFences(front.body);
  const builder = new RunbookBuilder(repaired.lines, front.data, fallbackTitle, repaired.repairs);
  const runbook = builder.build(repaired.tokens);
  runbook.warnings.push(...front.warnings, ...front.errors.map((e) => e.problem));
  runbook.warnings.push(...repaired.warnings);
  runbook.warnings.sort((a, b) => a.line - b.line);
  // A bad frontmatter value stops the steps it would apply to (frontmatter.ts says which).
  for (const { problem, blocks } of front.errors) {
    if (blocks === 'nothing') continue;
    for (const step of runbook.steps) if (blocks(step)) step.blocked.push(problem);
  }
  if (analyze) {
    const lines = repaired.lines;
    for (const step of runbook.steps) {
      try {
        step.danger = analyze(step, lines);
      } catch (error) {
        // The analysis never hides a step: a parse it cannot make is a warning on the step's line.
        runbook.warnings.push({
          line: step.line,
          message: `could not check the step for destructive commands: ${(error as Error).message}`,
          severity: 'warning',
        });
      }
    }
  }
  return runbook;
}

interface ItemContext {
  level: number;
  step: Step | null;
  /** The item's entry in `blocks`, updated when code joins the item and its id changes. */
  block: { kind: 'step'; stepId: string } | null;
  /** A nested list has started: later code belongs to the nested items, not this one. */
  nested: boolean;
  sawContent: boolean;
  marker: string;
}

class RunbookBuilder {
  private readonly sections: Section[] = [];
  private readonly steps: Step[] = [];
  private readonly blocks: RunbookBlock[] = [];
  private readonly warnings: RunbookWarning[] = [];
  private readonly stepIds = new Set<string>();
  private readonly sectionIds = new Set<string>();
  private readonly names = new Map<string, number>();
  private readonly assigned = new Set<string>();
  private readonly schedule: Runbook['schedule'] = [];
  private readonly windows: Runbook['windows'] = [];
  /** Open headings, innermost last, with the slug path their children's ids extend. */
  private stack: Array<{ section: Section; path: string }> = [];
  private items: ItemContext[] = [];
  private listDepth = 0;
  /** The first H1 (the document's title) has been read. */
  private titleSeen = false;
  private expanding = false;
  private lastProse: { text: string; level: number } | null = null;

  constructor(
    /** The body's lines (frontmatter blanked). */
    private readonly lines: string[],
    private readonly frontmatter: Record<string, unknown>,
    private readonly fallbackTitle: string,
    /** Fences never closed, by the line of their opener, as `repairFences` cut them. */
    private readonly repairs: ReadonlyMap<number, RepairedFence>,
  ) {}

  /** The runbook's own cadence (frontmatter), for steps whose section has none. */
  private get cadence(): Runbook['cadence'] {
    return (this.frontmatterCadence ??= { value: parseCadence(this.frontmatter.cadence) }).value;
  }
  private frontmatterCadence: { value: Runbook['cadence'] } | null = null;

  build(tokens: Token[]): Runbook {
    for (let i = 0; i < tokens.length; i++) i = this.visit(tokens, i);
    const fmTitle = typeof this.frontmatter.title === 'string' ? this.frontmatter.title : null;
    const firstH1 = this.sections.find((s) => s.level === 1);
    return {
      title: fmTitle ?? firstH1?.title ?? this.fallbackTitle,
      frontmatter: this.frontmatter,
      cadence: parseCadence(this.frontmatter.cadence),
      sections: this.sections,
      steps: this.steps,
      blocks: this.blocks,
      schedule: this.schedule,
      windows: this.windows,
      warnings: this.warnings,
    };
  }

  /** Handles the token at `i`; returns the index of the last token it consumed. */
  private visit(tokens: Token[], i: number): number {
    const token = tokens[i]!;
    const item = this.items[this.items.length - 1];
    switch (token.type) {
      case 'heading_open':
        this.openSection(token, tokens[i + 1]!);
        return i + 2;
      case 'bullet_list_open':
      case 'ordered_list_open':
        if (item) item.nested = true;
        this.listDepth++;
        return i;
      case 'bullet_list_close':
      case 'ordered_list_close':
        this.listDepth--;
        this.lastProse = null;
        return i;
      case 'list_item_open':
        this.items.push({
          level: token.level,
          step: null,
          block: null,
          nested: false,
          sawContent: false,
          // Ordered items carry their number in `info` and "." or ")" in `markup`.
          marker: token.info ? `${token.info}${token.markup}` : '-',
        });
        return i;
      case 'list_item_close':
        this.items.pop();
        return i;
      case 'paragraph_open': {
        const inline = tokens[i + 1]!;
        if (item && !item.sawContent && token.level === item.level + 1)
          this.openItem(item, inline, token);
        else this.addProse(inline.content, token, this.depth());
        if (item) item.sawContent = true;
        return i + 2;
      }
      case 'fence':
      case 'code_block':
        if (
          item &&
          item.step &&
          !item.step.code &&
          !item.nested &&
          token.level === item.level + 1
        ) {
          this.attachCode(item, item.step, token);
        } else {
          this.addCommand(token);
        }
        if (item) item.sawContent = true;
        return i;
      case 'html_block':
        if (!this.expanding && /^\s*(`{3,}|~{3,})/m.test(token.content)) this.expandHtml(token);
        else this.addProse(this.sourceOf(token), token, this.depth(), false);
        this.labelFromSummary(token);
        return i;
      case 'table_open':
        return this.readTable(tokens, i);
      default:
        return i;
    }
  }

  private depth(): number {
    return Math.max(0, this.listDepth - 1) + (this.items.length > 0 ? 1 : 0);
  }

  private openSection(open: Token, inline: Token): void {
    const level = Number(open.tag.slice(1));
    const title = inline.content.trim();
    while (this.stack.length > 0 && this.stack[this.stack.length - 1]!.section.level >= level)
      this.stack.pop();
    const parent = this.stack[this.stack.length - 1] ?? null;
    // The first H1 is the document's title: leave it out of the id path so ids stay
    // short, and stay the same when an appendix with its own H1 is added later.
    const inPath = !(level === 1 && !this.titleSeen);
    if (level === 1) this.titleSeen = true;
    const path = [parent?.path ?? '', inPath ? slugify(title) : ''].filter(Boolean).join('/');
    const section: Section = {
      id: unique(path || 'document', this.sectionIds),
      title,
      level,
      line: lineOf(open),
      parentId: parent?.section.id ?? null,
      cadence: cadenceFromText(title) ?? parent?.section.cadence ?? null,
    };
    this.sections.push(section);
    this.stack.push({ section, path });
    this.blocks.push({ kind: 'heading', sectionId: section.id });
    this.lastProse = null;
  }

  /** The first paragraph of a list item: a checkbox makes it a check step, else it is prose. */
  private openItem(item: ItemContext, inline: Token, open: Token): void {
    const check = /^\[([ xX])\](?:[ \t]+|$)/.exec(inline.content);
    const depth = Math.max(0, this.listDepth - 1);
    if (!check) {
      this.addProse(`${item.marker} ${inline.content}`, open, depth);
      // A block under this item is labelled with the item's text, not its marker.
      this.lastProse = { text: oneLine(inline.content), level: open.level };
      return;
    }
    const text = oneLine(inline.content.slice(check[0].length));
    item.step = this.pushStep({
      kind: 'check',
      line: lineOf(open),
      text,
      checked: check[1] !== ' ',
      depth,
    });
    item.block = { kind: 'step', stepId: item.step.id };
    this.blocks.push(item.block);
  }

  private attachCode(item: ItemContext, step: Step, token: Token): void {
    Object.assign(step, this.readBlock(token));
    step.id = this.rekey(step);
    if (item.block) item.block.stepId = step.id;
    this.trackEnv(step);
  }

  private addCommand(token: Token): void {
    const intro =
      this.lastProse && this.lastProse.level === token.level
        ? firstSentence(this.lastProse.text)
        : null;
    const block = this.readBlock(token);
    const step = this.pushStep({
      kind: 'command',
      line: lineOf(token),
      text: intro ?? block.attrs.name ?? this.stack[this.stack.length - 1]?.section.title ?? '',
      checked: false,
      depth: Math.max(0, this.listDepth - (this.items.length > 0 ? 0 : 1)),
      ...block,
    });
    this.trackEnv(step);
    this.blocks.push({ kind: 'step', stepId: step.id });
    this.lastProse = null;
  }

  /** Language, attributes, transcript, placeholders and runnability of a code block. */
  private readBlock(
    token: Token,
  ): Pick<
    Step,
    | 'code'
    | 'codeLine'
    | 'source'
    | 'lang'
    | 'expectedOutput'
    | 'runnable'
    | 'attrs'
    | 'placeholders'
    | 'blocked'
    | 'repaired'
  > {
    const line = lineOf(token);
    const source = token.content;
    const info =
      token.type === 'fence'
        ? parseInfo(token.info, line)
        : { lang: null, attrs: {} as StepAttributes, prose: false, warnings: [] };
    this.warnings.push(...info.warnings);
    if (info.prose) {
      this.warnings.push({
        line,
        message: `the fence's info string "${oneLine(token.info).slice(0, 40)}" is prose, not a language; the block is judged by its content`,
        severity: 'warning',
      });
    }
    const lang = info.lang;
    const shellish =
      lang === null ? looksLikeShell(source) || /^\s*\$ /m.test(source) : SHELL_LANGS.has(lang);
    const transcript =
      shellish || (lang !== null && TRANSCRIPT_LANGS.has(lang))
        ? readTranscript(source, lang)
        : null;
    const code = transcript?.transcript ? transcript.commands : source;
    let runnable =
      Boolean(info.attrs.interpreter) ||
      (transcript?.transcript ? code.trim().length > 0 : isRunnableBlock(lang, source));
    // A shell block of pasted output: the label says shell, so say why it does not run.
    const output =
      !runnable && lang !== null && SHELL_LANGS.has(lang) && !TRANSCRIPT_LANGS.has(lang)
        ? outputOnly(source)
        : null;
    if (output)
      this.warnings.push({
        line,
        message: `this ${lang} block holds only command output (${output}), no command, so it is shown, not run; to run the command that printed it, put it above the output as "$ command"`,
        severity: 'warning',
      });
    if (lang !== null && TRANSCRIPT_LANGS.has(lang) && !transcript?.transcript) runnable = false; // output only
    if (lang === null && runnable && !info.prose) {
      this.warnings.push({
        line,
        message:
          'code block has no language; it reads as shell, so it can run (label it ```bash or ```text to be sure)',
        severity: 'warning',
      });
    }
    if (info.attrs.name) {
      const seen = this.names.get(info.attrs.name);
      if (seen !== undefined)
        this.warnings.push({
          line,
          message: `duplicate step name "${info.attrs.name}" (first used on line ${seen})`,
          severity: 'warning',
        });
      else this.names.set(info.attrs.name, line);
    }
    return {
      code,
      // A fence's content starts on the line after its opener; an indented block on its own.
      codeLine: transcript?.transcript ? null : token.type === 'fence' ? line + 1 : line,
      source,
      lang,
      expectedOutput: transcript?.expectedOutput ?? null,
      runnable,
      attrs: info.attrs,
      placeholders: runnable ? findPlaceholders(code) : [],
      blocked: info.warnings.filter((w) => w.severity === 'error'),
      repaired: token.type === 'fence' ? this.repairOf(token) : null,
    };
  }

  /**
   * A fence never closed: as `repairFences` cut it (top level), or ended by the list item
   * or quote it is in; null when its closing fence is there.
   */
  private repairOf(token: Token): RepairedFence | null {
    const line = lineOf(token);
    const repaired = this.repairs.get(line);
    if (repaired) return repaired;
    if (fenceClosed(token, this.lines)) return null;
    const end = token.map?.[1] ?? line;
    const last =
      end >= this.lines.length ? 'at the end of the file' : 'where its list item or quote ends';
    const repair = { openedLine: line, lastLine: Math.max(line, end), cut: last };
    this.warnings.push({ line, message: repairMessage(repair), severity: 'warning' });
    return repair;
  }

  private trackEnv(step: Step): void {
    if (!step.runnable || !step.code) return;
    const assigns = envAssignments(step.code);
    step.env = envReferences(step.code).filter(
      (name) => !this.assigned.has(name) && !assigns.includes(name),
    );
    for (const name of assigns) this.assigned.add(name);
  }

  /** Prose; only a paragraph can label the block after it (not HTML, not a table). */
  private addProse(markdown: string, token: Token, depth: number, labels = true): void {
    if (!markdown.trim()) return;
    this.blocks.push({ kind: 'prose', line: lineOf(token), markdown, depth });
    this.lastProse = labels ? { text: oneLine(markdown), level: token.level } : null;
  }

  /** A `<summary>` labels the block that follows it inside `<details>`. */
  private labelFromSummary(token: Token): void {
    const summary = /<summary>([^<]*)<\/summary>/i.exec(token.content)?.[1]?.trim();
    if (summary) this.lastProse = { text: summary, level: token.level };
  }

  /**
   * An HTML block swallows everything up to a blank line, fences included
   * (`<details><summary>…</summary>` right above a block). Read its tag lines as
   * HTML and the rest as Markdown again, so the block inside is still a step.
   */
  private expandHtml(token: Token): void {
    const offset = token.map?.[0] ?? 0;
    const lines = token.content.replace(/\n$/, '').split('\n');
    // Lines made of tags and their text only (`<details><summary>Why</summary>`, `</details>`).
    const tagLine = /^\s*(?:<\/?[A-Za-z][^>]*>[^<`]*)+$/;
    this.addProse(lines.filter((l) => tagLine.test(l)).join('\n'), token, this.depth(), false);
    this.labelFromSummary(token);
    const inner = md.parse(lines.map((l) => (tagLine.test(l) ? '' : l)).join('\n'), {});
    for (const t of inner) {
      if (t.map) t.map = [t.map[0] + offset, t.map[1] + offset];
      t.level += token.level;
    }
    // One level only: HTML that still hides a fence after this is shown as it is.
    this.expanding = true;
    try {
      for (let j = 0; j < inner.length; j++) j = this.visit(inner, j);
    } finally {
      this.expanding = false;
    }
  }

  private readTable(tokens: Token[], start: number): number {
    const table: Table = { line: lineOf(tokens[start]!), headers: [], rows: [] };
    let i = start;
    let row: { line: number; cells: string[] } | null = null;
    let inHead = false;
    for (; i < tokens.length && tokens[i]!.type !== 'table_close'; i++) {
      const t = tokens[i]!;
      if (t.type === 'thead_open') inHead = true;
      else if (t.type === 'thead_close') inHead = false;
      else if (t.type === 'tr_open') row = { line: lineOf(t), cells: [] };
      else if (t.type === 'tr_close' && row) {
        if (inHead) table.headers = row.cells;
        else table.rows.push(row);
        row = null;
      } else if (t.type === 'inline' && row) row.cells.push(t.content.trim());
    }
    const schedule = readSchedule(table);
    const windows = readWindows(table);
    if (schedule) this.schedule.push(...schedule);
    if (windows) this.windows.push(...windows);
    // A window that cannot be read is never checked when a run starts: say so on its row.
    for (const w of windows ?? []) {
      if (!w.window.trim() || parseWindow(w.window)) continue;
      this.warnings.push({
        line: w.line,
        message: `maintenance window "${oneLine(w.window).slice(0, 60)}" for ${w.environment || 'an unnamed environment'} cannot be read (expected e.g. "Sundays 2-6 AM", "Sat 01:00-03:00 UTC", "Weekdays 22:00-23:00"); a run there is not checked against it`,
        severity: 'error',
      });
    }
    this.addProse(this.sourceOf(tokens[start]!), tokens[start]!, this.depth(), false);
    return i;
  }

  private pushStep(
    fields: Pick<Step, 'kind' | 'line' | 'text' | 'checked' | 'depth'> & Partial<Step>,
  ): Step {
    const section = this.stack[this.stack.length - 1]?.section ?? null;
    const step: Step = {
      id: '',
      section: section?.id ?? null,
      code: null,
      codeLine: null,
      source: null,
      lang: null,
      expectedOutput: null,
      runnable: false,
      attrs: {},
      placeholders: [],
      env: [],
      danger: [],
      blocked: [],
      repaired: null,
      cadence: section?.cadence ?? this.cadence,
      ...fields,
    };
    step.id = this.rekey(step);
    this.steps.push(step);
    return step;
  }

  /**
   * Ids come from the section path and the content, not line numbers, so editing
   * one part of a file keeps every other step's id. An explicit `name`/`id` attribute wins.
   */
  private rekey(step: Step): string {
    if (step.id) this.stepIds.delete(step.id);
    const explicit = step.attrs.id ?? step.attrs.name;
    const base = explicit
      ? `${step.section ?? 'document'}/${slugify(explicit)}`
      : `${step.section ?? 'document'}/${shortHash(`${step.kind}\n${step.text}\n${step.code ?? ''}`)}`;
    return unique(base, this.stepIds);
  }

  private sourceOf(token: Token): string {
    if (!token.map) return token.content;
    const lines = this.lines.slice(token.map[0], token.map[1]);
    const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
    return lines
      .map((l) => l.slice(Number.isFinite(indent) ? indent : 0))
      .join('\n')
      .trimEnd();
  }
}
