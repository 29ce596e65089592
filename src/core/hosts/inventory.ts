import { existsSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import SSHConfig, { LineType } from 'ssh-config';
import type { InventoryHost } from '../../shared/model';
import { compareHosts } from '../../shared/util/host-order';
import { readYamlFile } from '../files/yaml-file';
import { parseAnsibleInventory } from './ansible';
import { readSshConfig } from './ssh-config-file';

const cache = new Map<string, { stamp: string; hosts: InventoryHost[] }>();

/**
 * listHosts, read again only when one of its files changed (size or mtime):
 * every SSH session and fan-out asks for the inventory, and a 250-host
 * hosts.yaml takes milliseconds to parse. (Files pulled in by an ssh_config
 * `Include` are not watched: a change there shows after the main file changes.)
 */
export function cachedHosts(options: {
  configFile?: string;
  workspaceDir?: string;
}): InventoryHost[] {
  const configFile = options.configFile ?? join(homedir(), '.ssh', 'config');
  const files = [
    configFile,
    ...(options.workspaceDir
      ? ['inventory.ini', 'inventory.yml', 'inventory.yaml', 'hosts.yaml'].map((n) =>
          join(options.workspaceDir!, n),
        )
      : []),
  ];
  const stamp = files
    .map((f) => {
      try {
        const st = statSync(f);
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return '-';
      }
    })
    .join('|');
  const key = files.join('|');
  const hit = cache.get(key);
  if (hit && hit.stamp === stamp) return hit.hosts;
  const hosts = listHosts(options);
  cache.set(key, { stamp, hosts });
  return hosts;
}

/**
 * The hosts a user can pick: the concrete `Host` entries of ~/.ssh/config (no
 * wildcard patterns), plus the workspace's `hosts.yaml` (`hosts: {name:
 * {hostname, user, port, environment, groups}}`), which wins on a name clash.
 */
export function listHosts(options: {
  configFile?: string;
  workspaceDir?: string;
}): InventoryHost[] {
  const hosts = new Map<string, InventoryHost>();
  const configFile = options.configFile ?? join(homedir(), '.ssh', 'config');
  if (existsSync(configFile)) {
    const config = SSHConfig.parse(readSshConfig(configFile));
    for (const line of config) {
      if (line.type !== LineType.DIRECTIVE || line.param.toLowerCase() !== 'host') continue;
      const names = (
        Array.isArray(line.value) ? line.value.map((v) => v.val) : String(line.value).split(/\s+/)
      ).filter((n) => n && !/[*?!]/.test(n));
      for (const name of names) {
        const c = config.compute(name, { ignoreCase: true }) as Record<string, string | string[]>;
        const one = (k: string) => {
          const v = c[k];
          return Array.isArray(v) ? v[0] : v;
        };
        hosts.set(name, {
          name,
          hostname: one('hostname') ?? name,
          user: one('user') ?? null,
          port: Number(one('port') ?? 22),
          environment: null,
          groups: [],
          proxyJump: one('proxyjump') ?? null,
          source: 'ssh_config',
        });
      }
    }
  }
  // An Ansible inventory beside the runbooks is imported as it is.
  for (const [name, format] of [
    ['inventory.ini', 'ini'],
    ['inventory.yml', 'yaml'],
    ['inventory.yaml', 'yaml'],
  ] as const) {
    const path = options.workspaceDir ? join(options.workspaceDir, name) : null;
    if (path && existsSync(path)) {
      for (const h of parseAnsibleInventory(readFileSync(path, 'utf8'), format))
        hosts.set(h.name, h);
    }
  }
  const file = options.workspaceDir ? join(options.workspaceDir, 'hosts.yaml') : null;
  if (file) {
    const data = readYamlFile<{ hosts?: Record<string, Record<string, unknown>> }>(file);
    for (const [name, h] of Object.entries(data?.hosts ?? {})) {
      const str = (v: unknown) => (typeof v === 'string' ? v : null);
      hosts.set(name, {
        name,
        hostname: str(h.hostname) ?? name,
        user: str(h.user),
        port: h.port === undefined ? null : Number(h.port),
        environment: str(h.environment),
        groups: Array.isArray(h.groups) ? h.groups.map(String) : [],
        proxyJump: str(h.proxyJump),
        source: 'hosts.yaml',
      });
    }
  }
  return [...hosts.values()].sort((a, b) => compareHosts(a.name, b.name));
}

/** A host spec as host names: `a,b` lists, a hosts.yaml group, or one host (an alias or a name). */
export function expandHosts(spec: string, hosts: InventoryHost[]): string[] {
  return [
    ...new Set(
      spec
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean)
        .flatMap((part) => {
          const members = hosts.filter((h) => h.groups.includes(part)).map((h) => h.name);
          return members.length > 0 ? members : [part];
        }),
    ),
  ];
}

/** Maintenance windows by environment from the workspace's hosts.yaml (`windows: {production: "Sundays 2-6 AM"}`). */
export function inventoryWindows(workspaceDir: string): Record<string, string> {
  const data = readYamlFile<{ windows?: Record<string, unknown> }>(
    join(workspaceDir, 'hosts.yaml'),
  );
  return Object.fromEntries(
    Object.entries(data?.windows ?? {}).filter(
      (e): e is [string, string] => typeof e[1] === 'string',
    ),
  );
}
