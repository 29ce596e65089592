import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import SSHConfig, { LineType } from 'ssh-config';
import type { InventoryHost } from '../../shared/model';
import { compareHosts } from '../../shared/util/host-order';
import { readYamlFile } from '../files/yaml-file';
import { inventoryFiles, readAnsibleInventory } from './ansible';
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
      ? [
          join(options.workspaceDir, 'runsheet.yaml'),
          join(options.workspaceDir, 'hosts.yaml'),
          ...ansibleInventoryPaths(options.workspaceDir).flatMap(inventoryFiles),
        ]
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
  // The workspace's Ansible inventory, imported as it is.
  for (const path of options.workspaceDir ? ansibleInventoryPaths(options.workspaceDir) : [])
    for (const h of readAnsibleInventory(path)) hosts.set(h.name, h);
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

/** Inventory files Runsheet reads by default, beside the runbooks. */
const DEFAULT_INVENTORIES = ['inventory.ini', 'inventory.yml', 'inventory.yaml'];

/**
 * The workspace's Ansible inventories: `inventory:` in its runsheet.yaml (a file or a
 * folder, or a list of them, relative to the workspace), else an inventory.ini,
 * inventory.yml or inventory.yaml beside the runbooks. A path named there that is
 * missing is an error naming runsheet.yaml.
 */
export function ansibleInventoryPaths(workspaceDir: string): string[] {
  const config = join(workspaceDir, 'runsheet.yaml');
  const named = readYamlFile<{ inventory?: unknown }>(config)?.inventory;
  if (named === undefined || named === null)
    return DEFAULT_INVENTORIES.map((n) => join(workspaceDir, n)).filter((p) => existsSync(p));
  const list = Array.isArray(named) ? named : [named];
  if (list.length === 0 || !list.every((p): p is string => typeof p === 'string' && p !== ''))
    throw new Error(`${config}: inventory must be a path (a file or a folder) or a list of paths`);
  return list.map((p) => {
    const path = isAbsolute(p) ? p : join(workspaceDir, p);
    if (!existsSync(path)) throw new Error(`${config}: inventory ${p}: no such file or folder`);
    return path;
  });
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
