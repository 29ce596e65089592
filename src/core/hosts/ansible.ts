import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { InventoryHost } from '../../shared/model';

// Ansible inventories both ways (issue 16): an inventory a team already keeps (INI, YAML, or a
// directory of them with group_vars/ and host_vars/) is read as Runsheet's own, and Runsheet's
// hosts are written as a YAML inventory Ansible reads. Only what a host needs to be reached is
// read (address, user, port, jump host, environment); other variables are Ansible's business.
// Written here rather than by calling `ansible-inventory`: the app must read an inventory on a
// machine with no Ansible, and the subset it needs is small (tests check it against Ansible's).

/** The host variable Runsheet writes a host's environment tag to (`environment` is reserved in Ansible). */
export const ENVIRONMENT_VAR = 'runsheet_environment';

type Vars = Record<string, unknown>;

/** Hosts, groups and variables as the files define them, before group membership is resolved. */
class InventoryDraft {
  readonly hosts = new Map<string, { groups: Set<string>; vars: Vars }>();
  readonly children = new Map<string, Set<string>>();
  readonly groupVars = new Map<string, Vars>();

  host(name: string, group: string | null, vars: Vars = {}): void {
    let h = this.hosts.get(name);
    if (!h) this.hosts.set(name, (h = { groups: new Set(), vars: {} }));
    if (group && group !== 'all' && group !== 'ungrouped') h.groups.add(group);
    Object.assign(h.vars, vars);
  }

  child(parent: string, child: string): void {
    const set = this.children.get(parent) ?? new Set();
    set.add(child);
    this.children.set(parent, set);
  }

  vars(group: string, vars: Vars): void {
    this.groupVars.set(group, { ...this.groupVars.get(group), ...vars });
  }

  /** The groups a group is in, nearest first (a cycle is cut where it closes). */
  private ancestors(group: string): string[] {
    const out: string[] = [];
    const queue = [group];
    while (queue.length > 0) {
      const g = queue.shift()!;
      for (const [parent, kids] of this.children)
        if (kids.has(g) && parent !== group && !out.includes(parent)) {
          out.push(parent);
          queue.push(parent);
        }
    }
    return out;
  }

  finish(): InventoryHost[] {
    return [...this.hosts].map(([name, h]) => {
      const direct = [...h.groups];
      const groups = [...new Set(direct.flatMap((g) => [g, ...this.ancestors(g)]))].filter(
        (g) => g !== 'all' && g !== 'ungrouped',
      );
      // Ansible's order, simplified: `all`, then parent groups before their children, then the host.
      const vars: Vars = { ...this.groupVars.get('all') };
      for (const g of [...groups].reverse()) Object.assign(vars, this.groupVars.get(g));
      Object.assign(vars, h.vars);
      const text = (key: string) =>
        vars[key] === undefined || vars[key] === null ? null : String(vars[key]);
      const port = text('ansible_port');
      return {
        name,
        hostname: text('ansible_host') ?? name,
        user: text('ansible_user'),
        port: port !== null && /^\d{1,5}$/.test(port) ? Number(port) : null,
        environment: text(ENVIRONMENT_VAR),
        groups,
        proxyJump: proxyJumpOf(
          [text('ansible_ssh_common_args'), text('ansible_ssh_extra_args')].join(' '),
        ),
        source: 'ansible' as const,
      };
    });
  }
}

/** `-o ProxyJump=bastion` or `-J bastion` in Ansible's ssh arguments: the jump host. */
function proxyJumpOf(args: string): string | null {
  const words = splitWords(args);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '-J' && words[i + 1]) return words[i + 1]!;
    if (w.startsWith('-J') && w.length > 2) return w.slice(2);
    const option = w === '-o' ? words[i + 1] : w.startsWith('-o') ? w.slice(2) : null;
    const m = option ? /^ProxyJump[=\s]\s*(\S+)$/i.exec(option) : null;
    if (m) return m[1]!;
  }
  return null;
}

/**
 * Words as a POSIX shell splits them (single and double quotes, backslashes), which
 * is how Ansible reads an INI host line (`web1 ansible_ssh_common_args='-J bastion'`).
 */
function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: "'" | '"' | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < line.length)
        word = `${word ?? ''}${line[++i]}`;
      else word = `${word ?? ''}${c}`;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < line.length) word = (word ?? '') + line[++i];
    else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else word = (word ?? '') + c;
  }
  if (word !== null) words.push(word);
  return words;
}

/** At most this many hosts from one range pattern (`web[0001:9999]` is a fleet; more is a typo). */
const MAX_RANGE = 10_000;

/** `web[01:03].example.com` -> web01, web02, web03 (also `[a:c]` and a step, `[1:9:2]`). */
export function expandRange(pattern: string): string[] {
  const m = /^(.*?)\[([0-9]+|[a-z]):([0-9]+|[a-z])(?::([0-9]+))?\](.*)$/i.exec(pattern);
  if (!m) return [pattern];
  const [, head, from, to, stepText, tail] = m as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  const step = stepText ? Number(stepText) : 1;
  if (step < 1) return [pattern];
  const numeric = /^[0-9]+$/.test(from) && /^[0-9]+$/.test(to);
  const names: string[] = [];
  const a = numeric ? Number(from) : from.charCodeAt(0);
  const b = numeric ? Number(to) : to.charCodeAt(0);
  if (b < a || (b - a) / step >= MAX_RANGE) return [pattern];
  for (let n = a; n <= b; n += step) {
    // A leading zero makes every number that wide (`[01:10]`: 01 … 10).
    const part = numeric
      ? from.length > 1 && from.startsWith('0')
        ? String(n).padStart(from.length, '0')
        : String(n)
      : String.fromCharCode(n);
    for (const rest of expandRange(tail)) names.push(`${head}${part}${rest}`);
  }
  return names;
}

function readIni(text: string, draft: InventoryDraft): void {
  let group = 'ungrouped';
  let mode: 'hosts' | 'children' | 'vars' = 'hosts';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]:]+)(?::(children|vars))?\]\s*(?:[#;].*)?$/.exec(line);
    if (header) {
      group = header[1]!.trim();
      mode = (header[2] as 'children' | 'vars' | undefined) ?? 'hosts';
      continue;
    }
    // A comment after the values: ` # …` (a # inside a quoted value stays).
    const words = splitWords(line);
    const end = words.findIndex((w) => w.startsWith('#') || w.startsWith(';'));
    const [first, ...rest] = end < 0 ? words : words.slice(0, end);
    if (!first) continue;
    if (mode === 'vars') {
      const kept = (end < 0 ? words : words.slice(0, end)).join(' ');
      const eq = kept.indexOf('=');
      if (eq > 0) draft.vars(group, { [kept.slice(0, eq).trim()]: kept.slice(eq + 1).trim() });
      continue;
    }
    if (mode === 'children') {
      draft.child(group, first);
      continue;
    }
    const vars: Vars = {};
    for (const pair of rest) {
      const eq = pair.indexOf('=');
      if (eq > 0) vars[pair.slice(0, eq)] = pair.slice(eq + 1);
    }
    for (const name of expandRange(first)) draft.host(name, group, vars);
  }
}

function readYamlInventory(text: string, draft: InventoryDraft): void {
  const walk = (group: string, node: unknown, depth: number): void => {
    if (!node || typeof node !== 'object' || depth > 64) return;
    const { hosts, children, vars } = node as {
      hosts?: unknown;
      children?: unknown;
      vars?: unknown;
    };
    if (vars && typeof vars === 'object') draft.vars(group, vars as Vars);
    if (hosts && typeof hosts === 'object')
      for (const [pattern, hostVars] of Object.entries(hosts))
        for (const name of expandRange(pattern))
          draft.host(
            name,
            group,
            hostVars && typeof hostVars === 'object' ? (hostVars as Vars) : {},
          );
    if (children && typeof children === 'object')
      for (const [child, sub] of Object.entries(children)) {
        draft.child(group, child);
        walk(child, sub, depth + 1);
      }
  };
  const data = parseYaml(text) as unknown;
  if (data && typeof data === 'object')
    for (const [group, node] of Object.entries(data)) walk(group, node, 0);
}

function readText(text: string, format: 'ini' | 'yaml', draft: InventoryDraft): void {
  if (format === 'ini') readIni(text, draft);
  else readYamlInventory(text, draft);
}

/**
 * Reads an Ansible inventory, INI or YAML, into hosts with their groups
 * (`ansible_host`, `ansible_user`, `ansible_port`, ProxyJump in `ansible_ssh_common_args`,
 * `runsheet_environment`; host ranges; `[g:children]` and YAML `children` nest groups,
 * `[g:vars]` and YAML `vars` apply to their hosts).
 */
export function parseAnsibleInventory(text: string, format: 'ini' | 'yaml'): InventoryHost[] {
  const draft = new InventoryDraft();
  readText(text, format, draft);
  return draft.finish();
}

/** A file's format as Ansible would guess it: YAML by extension, or when it is not INI-shaped. */
function formatOf(path: string, text: string): 'ini' | 'yaml' {
  const ext = extname(path).toLowerCase();
  if (ext === '.yml' || ext === '.yaml' || ext === '.json') return 'yaml';
  if (ext === '.ini') return 'ini';
  const first = text.split(/\r?\n/).find((l) => l.trim() && !/^\s*[#;]/.test(l)) ?? '';
  return /^\s*[\w.-]+:\s*$/.test(first) || first.trim() === '---' ? 'yaml' : 'ini';
}

/**
 * Files in an inventory folder that are not sources: what Ansible skips there by default
 * (`.ini` among them: an INI file in a folder has no extension), and documents.
 */
const SKIPPED = /^\.|~$|\.(retry|pyc|pyo|orig|bak|ini|cfg|md|txt)$/i;
const MAX_FILES = 500;

/**
 * The files an inventory path is made of, sources first then group_vars/host_vars, in order;
 * what `cachedHosts` watches for changes.
 */
export function inventoryFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  const files: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const name of readdirSync(dir).sort()) {
      if (files.length >= MAX_FILES || SKIPPED.test(name)) continue;
      const full = join(dir, name);
      const stat = statSync(full);
      if (stat.isDirectory()) {
        if (depth < 4) walk(full, depth + 1);
      } else if (stat.isFile()) files.push(full);
    }
  };
  walk(path, 0);
  return files;
}

/**
 * Reads an inventory path: one file, or a folder of sources (INI and YAML, merged) with
 * `group_vars/<group>[.yml]` and `host_vars/<host>[.yml]` (files or folders of files).
 * A file that cannot be read is an error naming it.
 */
export function readAnsibleInventory(path: string): InventoryHost[] {
  const draft = new InventoryDraft();
  const isDir = statSync(path).isDirectory();
  const varsFiles: Array<{ kind: 'group' | 'host'; name: string; file: string }> = [];
  for (const file of inventoryFiles(path)) {
    const rel = isDir ? file.slice(path.length + 1).split(/[\\/]/) : [basename(file)];
    const where = rel.findIndex((p) => p === 'group_vars' || p === 'host_vars');
    if (where >= 0) {
      // group_vars/web.yml, group_vars/web/main.yml: the name is the first part after the folder.
      const name = rel[where + 1]!.replace(/\.(ya?ml|json)$/i, '');
      varsFiles.push({ kind: rel[where] === 'group_vars' ? 'group' : 'host', name, file });
      continue;
    }
    const text = readFileSync(file, 'utf8');
    try {
      readText(text, formatOf(file, text), draft);
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  for (const { kind, name, file } of varsFiles) {
    let vars: unknown;
    try {
      vars = parseYaml(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new Error(`${file}: ${(error as Error).message.split('\n')[0]}`);
    }
    if (!vars || typeof vars !== 'object') continue;
    if (kind === 'group') draft.vars(name, vars as Vars);
    else if (draft.hosts.has(name)) draft.host(name, null, vars as Vars);
  }
  return draft.finish();
}

/**
 * Runbook hosts as an Ansible YAML inventory: every host under `all.hosts` with the
 * variables that reach it (`ansible_host`, `ansible_user`, `ansible_port`, ProxyJump as
 * `ansible_ssh_common_args`, the environment tag as `runsheet_environment`), and each
 * group under `all.children` listing its members.
 */
export function writeAnsibleInventory(hosts: InventoryHost[]): string {
  const all: Record<string, Vars | null> = {};
  const groups = new Map<string, Record<string, null>>();
  for (const h of hosts) {
    const vars: Vars = {};
    if (h.hostname !== h.name) vars.ansible_host = h.hostname;
    if (h.user) vars.ansible_user = h.user;
    if (h.port !== null) vars.ansible_port = h.port;
    if (h.proxyJump) vars.ansible_ssh_common_args = `-o ProxyJump=${h.proxyJump}`;
    if (h.environment) vars[ENVIRONMENT_VAR] = h.environment;
    all[h.name] = Object.keys(vars).length > 0 ? vars : null;
    for (const g of h.groups) {
      const members = groups.get(g) ?? {};
      members[h.name] = null;
      groups.set(g, members);
    }
  }
  const children = Object.fromEntries(
    [...groups]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([g, members]) => [g, { hosts: members }]),
  );
  const doc = { all: { hosts: all, ...(groups.size > 0 ? { children } : {}) } };
  return `# Written by runsheet hosts --ansible-inventory: Runsheet's hosts, their groups, and each\n# host's environment as ${ENVIRONMENT_VAR}.\n${stringifyYaml(doc, { nullStr: '' })}`;
}
