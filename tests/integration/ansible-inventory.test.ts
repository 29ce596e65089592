import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InventoryHost } from '../../src/shared/model';
import { runsheet } from '../helpers/cli';
import { tempDir, writeFiles } from '../helpers/temp';

// Inventories both ways (issue 16, point 4), checked against Debian's ansible-core: what
// `runsheet hosts --ansible-inventory` writes, `ansible-inventory --list` reads as the same
// hosts, groups and variables, and Runsheet reads it back as the same hosts; an inventory a
// team keeps (a folder: INI and YAML sources, host ranges, group_vars, host_vars) reads in
// Runsheet as Ansible reads it.
const HAS_ANSIBLE = spawnSync('ansible-inventory', ['--version']).status === 0;

let dir: ReturnType<typeof tempDir>;
beforeAll(() => {
  dir = tempDir('runsheet-ansible-inventory-');
});
afterAll(() => dir?.cleanup());

interface AnsibleList {
  _meta: { hostvars: Record<string, Record<string, unknown>> };
  [group: string]: { hosts?: string[]; children?: string[] } | unknown;
}

/** `ansible-inventory -i <path> --list`, as Ansible itself reads the inventory. */
function ansibleList(path: string): AnsibleList {
  const r = spawnSync('ansible-inventory', ['-i', path, '--list'], {
    encoding: 'utf8',
    env: { ...process.env, HOME: dir.path, ANSIBLE_LOCAL_TEMP: join(dir.path, 'ansible-tmp') },
    timeout: 60_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AnsibleList;
}

/** The groups Ansible puts a host in, parents included (all and ungrouped left out). */
function ansibleGroups(list: AnsibleList, host: string): string[] {
  const direct = Object.entries(list)
    .filter(([g, v]) => g !== '_meta' && ((v as { hosts?: string[] }).hosts ?? []).includes(host))
    .map(([g]) => g);
  const parents = (g: string): string[] =>
    Object.entries(list)
      .filter(
        ([p, v]) => p !== '_meta' && ((v as { children?: string[] }).children ?? []).includes(g),
      )
      .flatMap(([p]) => [p, ...parents(p)]);
  return [...new Set(direct.flatMap((g) => [g, ...parents(g)]))]
    .filter((g) => g !== 'all' && g !== 'ungrouped')
    .sort();
}

function runsheetHosts(workspace: string): InventoryHost[] {
  const r = runsheet(
    ['hosts', '--workspace', workspace, '--json', '--ssh-config', '/dev/null'],
    dir.path,
  );
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as InventoryHost[];
}

describe.skipIf(!HAS_ANSIBLE)('Ansible inventories both ways (against ansible-inventory)', () => {
  it("writes Runsheet's hosts as an inventory Ansible reads the same, and reads it back", () => {
    const ws = join(dir.path, 'ws');
    writeFiles(ws, {
      'hosts.yaml': [
        'hosts:',
        '  web-1: { hostname: 10.0.0.11, user: deploy, port: 2222, environment: production, groups: [web, eu] }',
        '  web-2: { hostname: 10.0.0.12, environment: production, groups: [web] }',
        '  db-1: { hostname: 10.0.0.21, user: postgres, groups: [db], proxyJump: bastion }',
        '  lone: { hostname: lone.example.org }',
        '',
      ].join('\n'),
    });
    const ours = runsheetHosts(ws);
    expect(ours).toHaveLength(4);
    const file = join(dir.path, 'written.yml');
    const wrote = runsheet(
      ['hosts', '--workspace', ws, '--ssh-config', '/dev/null', '--ansible-inventory', file],
      dir.path,
    );
    expect(wrote.code, wrote.stderr).toBe(0);
    expect(wrote.stdout).toContain('4 hosts');

    const list = ansibleList(file);
    for (const h of ours) {
      const vars = list._meta.hostvars[h.name] ?? {};
      expect(vars.ansible_host ?? h.name, h.name).toBe(h.hostname);
      expect(vars.ansible_user ?? null, h.name).toBe(h.user);
      expect(vars.ansible_port ?? null, h.name).toBe(h.port);
      expect(vars.runsheet_environment ?? null, h.name).toBe(h.environment);
      expect(ansibleGroups(list, h.name), h.name).toEqual([...h.groups].sort());
    }
    expect(list._meta.hostvars['db-1']!.ansible_ssh_common_args).toBe('-o ProxyJump=bastion');

    // Read back as a workspace's inventory, named in its runsheet.yaml.
    const back = join(dir.path, 'back');
    writeFiles(back, { 'runsheet.yaml': `inventory: ${file}\n` });
    const read = runsheetHosts(back);
    const norm = (hosts: InventoryHost[]) =>
      hosts.map((h) => ({ ...h, source: null, groups: [...h.groups].sort() }));
    expect(norm(read)).toEqual(norm(ours));
    expect(read.every((h) => h.source === 'ansible')).toBe(true);
  });

  it('reads a folder inventory (INI + YAML, ranges, children, group_vars, host_vars) as Ansible does', () => {
    const inv = join(dir.path, 'team', 'inventory');
    writeFiles(inv, {
      // No extension: Ansible skips .ini files in an inventory folder (and so does Runsheet).
      production: [
        '# the production fleet',
        '[web]',
        'web[01:12].prod.example.com',
        '',
        '[db]',
        "db-[a:c] ansible_user=postgres ansible_ssh_common_args='-o ProxyJump=bastion.prod'",
        '',
        '[production:children]',
        'web',
        'db',
        '',
        '[production:vars]',
        'ansible_user=ops',
        'runsheet_environment=production',
      ].join('\n'),
      'staging.yml': [
        'staging:',
        '  hosts:',
        '    stage-[1:3]:',
        '      ansible_port: 2202',
        '  vars:',
        '    runsheet_environment: staging',
        '',
      ].join('\n'),
      'group_vars/web.yml': 'ansible_port: 8022\n',
      'host_vars/web03.prod.example.com.yml': 'ansible_host: 10.9.9.3\n',
      'old.ini': '[gone]\nold-host\n',
    });
    const ws = join(dir.path, 'team', 'runbooks');
    writeFiles(ws, { 'runsheet.yaml': 'inventory: ../inventory\n' });
    const ours = runsheetHosts(ws);
    const list = ansibleList(inv);
    const theirs = Object.keys(list._meta.hostvars).sort();
    expect(ours.map((h) => h.name).sort()).toEqual(theirs);
    expect(theirs).toHaveLength(18);
    for (const h of ours) {
      const vars = list._meta.hostvars[h.name]!;
      expect(h.hostname, h.name).toBe(vars.ansible_host ?? h.name);
      expect(h.user, h.name).toBe(vars.ansible_user ?? null);
      expect(h.port, h.name).toBe(
        vars.ansible_port === undefined ? null : Number(vars.ansible_port),
      );
      expect(h.environment, h.name).toBe(vars.runsheet_environment ?? null);
      expect([...h.groups].sort(), h.name).toEqual(ansibleGroups(list, h.name));
    }
    const db = ours.find((h) => h.name === 'db-b')!;
    expect(db).toMatchObject({ user: 'postgres', proxyJump: 'bastion.prod' });
  });

  it('names runsheet.yaml when the inventory it names is missing', () => {
    const ws = join(dir.path, 'broken');
    writeFiles(ws, { 'runsheet.yaml': 'inventory: ./nowhere.ini\n' });
    const r = runsheet(['hosts', '--workspace', ws, '--ssh-config', '/dev/null'], dir.path);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runsheet\.yaml: inventory \.\/nowhere\.ini: no such file or folder/);
  });
});
