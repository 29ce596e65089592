import { parse as parseYaml } from 'yaml';
import type { InventoryHost } from '../../shared/model';

type Draft = {
  hostname: string | null;
  user: string | null;
  port: number | null;
  groups: Set<string>;
};

/**
 * Reads an Ansible inventory, INI or YAML, into hosts with their groups
 * (`ansible_host`, `ansible_user`, `ansible_port`; `[g:children]` and YAML
 * `children` nest groups). Group and host vars other than those are ignored.
 */
export function parseAnsibleInventory(text: string, format: 'ini' | 'yaml'): InventoryHost[] {
  const hosts = new Map<string, Draft>();
  const children = new Map<string, Set<string>>();
  const host = (name: string): Draft => {
    let draft = hosts.get(name);
    if (!draft)
      hosts.set(name, (draft = { hostname: null, user: null, port: null, groups: new Set() }));
    return draft;
  };
  const apply = (draft: Draft, vars: Record<string, unknown>): void => {
    if (vars.ansible_host !== undefined) draft.hostname = String(vars.ansible_host);
    if (vars.ansible_user !== undefined) draft.user = String(vars.ansible_user);
    if (vars.ansible_port !== undefined) draft.port = Number(vars.ansible_port);
  };

  if (format === 'ini') {
    let group = 'ungrouped';
    let mode: 'hosts' | 'children' | 'vars' = 'hosts';
    for (const raw of text.split(/\r?\n/)) {
      const line = raw.replace(/\s[#;].*$/, '').trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const header = /^\[([^\]:]+)(?::(children|vars))?\]$/.exec(line);
      if (header) {
        group = header[1]!;
        mode = (header[2] as 'children' | 'vars' | undefined) ?? 'hosts';
        continue;
      }
      if (mode === 'vars') continue;
      const [name, ...pairs] = line.split(/\s+/);
      if (mode === 'children') {
        const set = children.get(group) ?? new Set();
        set.add(name!);
        children.set(group, set);
        continue;
      }
      const draft = host(name!);
      draft.groups.add(group);
      apply(draft, Object.fromEntries(pairs.map((p) => p.split('=', 2) as [string, string])));
    }
  } else {
    const walk = (group: string, node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const { hosts: members, children: kids } = node as {
        hosts?: Record<string, unknown>;
        children?: Record<string, unknown>;
      };
      for (const [name, vars] of Object.entries(members ?? {})) {
        const draft = host(name);
        if (group !== 'all') draft.groups.add(group);
        if (vars && typeof vars === 'object') apply(draft, vars as Record<string, unknown>);
      }
      for (const [child, sub] of Object.entries(kids ?? {})) {
        const set = children.get(group) ?? new Set();
        set.add(child);
        children.set(group, set);
        walk(child, sub);
      }
    };
    const data = parseYaml(text) as Record<string, unknown> | null;
    for (const [group, node] of Object.entries(data ?? {})) walk(group, node);
  }

  // A host in a child group is in its parents too.
  const parentsOf = (group: string, seen = new Set<string>()): string[] => {
    const parents = [...children].filter(([, kids]) => kids.has(group)).map(([parent]) => parent);
    return parents.flatMap((p) =>
      seen.has(p) || p === 'all' ? [] : [p, ...parentsOf(p, new Set([...seen, p]))],
    );
  };
  return [...hosts].map(([name, d]) => ({
    name,
    hostname: d.hostname ?? name,
    user: d.user,
    port: d.port,
    environment: null,
    groups: [...new Set([...d.groups].flatMap((g) => [g, ...parentsOf(g)]))].filter(
      (g) => g !== 'ungrouped',
    ),
    proxyJump: null,
    source: 'ansible' as const,
  }));
}
