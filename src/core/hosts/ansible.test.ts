import { describe, expect, it } from 'vitest';
import type { InventoryHost } from '../../shared/model';
import { tempDir, writeFiles } from '../../../tests/helpers/temp';
import {
  expandRange,
  parseAnsibleInventory,
  readAnsibleInventory,
  writeAnsibleInventory,
} from './ansible';

describe('Ansible inventory import', () => {
  it('reads INI: groups, children, host vars, comments', () => {
    const hosts = parseAnsibleInventory(
      [
        'mail.example.com',
        '',
        '[webservers]',
        'web1 ansible_host=10.0.0.11 ansible_user=deploy  # front',
        'web2 ansible_host=10.0.0.12 ansible_port=2222',
        '',
        '[dbservers]',
        'db1 ansible_host=10.0.0.21',
        '',
        '[production:children]',
        'webservers',
        'dbservers',
        '',
        '[production:vars]',
        'ntp=ntp.example.com',
      ].join('\n'),
      'ini',
    );
    const by = Object.fromEntries(hosts.map((h) => [h.name, h]));
    expect(by.web1).toMatchObject({
      hostname: '10.0.0.11',
      user: 'deploy',
      port: null,
      groups: ['webservers', 'production'],
    });
    expect(by.web2).toMatchObject({ hostname: '10.0.0.12', port: 2222 });
    expect(by.db1!.groups).toEqual(['dbservers', 'production']);
    expect(by['mail.example.com']).toMatchObject({ hostname: 'mail.example.com', groups: [] });
    expect(hosts.every((h) => h.source === 'ansible')).toBe(true);
  });

  it('reads YAML: nested children and host vars', () => {
    const hosts = parseAnsibleInventory(
      `all:\n  hosts:\n    jump: { ansible_host: 10.0.0.1 }\n  children:\n    staging:\n      children:\n        web:\n          hosts:\n            web-s1: { ansible_host: 10.1.0.11, ansible_user: ops }\n`,
      'yaml',
    );
    const by = Object.fromEntries(hosts.map((h) => [h.name, h]));
    expect(by.jump).toMatchObject({ hostname: '10.0.0.1', groups: [] });
    expect(by['web-s1']).toMatchObject({
      hostname: '10.1.0.11',
      user: 'ops',
      groups: ['web', 'staging'],
    });
  });
});

describe('Ansible inventory: what real inventories hold', () => {
  it('expands host ranges, reads quoted values, group vars and a jump host', () => {
    const hosts = parseAnsibleInventory(
      [
        '[web]',
        'web[01:03].example.com ansible_user=deploy',
        "db-[a:b] ansible_ssh_common_args='-o ProxyJump=bastion' # behind the bastion",
        'odd[1:5:2]',
        '',
        '[web:vars]',
        'ansible_port=2222',
        'runsheet_environment=production',
        '',
        '[all:vars]',
        'ansible_user=ops',
      ].join('\n'),
      'ini',
    );
    const by = Object.fromEntries(hosts.map((h) => [h.name, h]));
    expect(Object.keys(by).sort()).toEqual([
      'db-a',
      'db-b',
      'odd1',
      'odd3',
      'odd5',
      'web01.example.com',
      'web02.example.com',
      'web03.example.com',
    ]);
    // Host vars beat group vars, which beat all:vars.
    expect(by['web02.example.com']).toMatchObject({
      user: 'deploy',
      port: 2222,
      environment: 'production',
      groups: ['web'],
    });
    expect(by['db-a']).toMatchObject({ user: 'ops', proxyJump: 'bastion' });
  });

  it('leaves a range too large to be a fleet as one name, and bad ports unset', () => {
    expect(expandRange('h[0:99999999]')).toEqual(['h[0:99999999]']);
    expect(expandRange('h[9:1]')).toEqual(['h[9:1]']);
    const [h] = parseAnsibleInventory('x ansible_port=ssh\n', 'ini');
    expect(h!.port).toBeNull();
  });

  it('writes an inventory it reads back as the same hosts', () => {
    const hosts: InventoryHost[] = [
      {
        name: 'web-1',
        hostname: '10.0.0.11',
        user: 'deploy',
        port: 2222,
        environment: 'production',
        groups: ['web', 'eu'],
        proxyJump: 'bastion',
        source: 'hosts.yaml',
      },
      {
        name: 'solo',
        hostname: 'solo',
        user: null,
        port: null,
        environment: null,
        groups: [],
        proxyJump: null,
        source: 'ssh_config',
      },
    ];
    const back = parseAnsibleInventory(writeAnsibleInventory(hosts), 'yaml');
    const norm = (list: InventoryHost[]) =>
      list
        .map((h) => ({ ...h, source: 'ansible', groups: [...h.groups].sort() }))
        .sort((a, b) => a.name.localeCompare(b.name));
    expect(norm(back)).toEqual(norm(hosts));
  });

  it('reads a folder: INI and YAML sources merged, group_vars and host_vars', () => {
    const dir = tempDir('runsheet-ansible-dir-');
    try {
      writeFiles(dir.path, {
        hosts: '[web]\nweb1 ansible_host=10.0.0.1\n[prod:children]\nweb\n',
        'db.yml': 'db:\n  hosts:\n    db1:\n      ansible_host: 10.0.0.2\n',
        'group_vars/prod.yml': 'runsheet_environment: production\nansible_user: ops\n',
        'group_vars/db/main.yml': 'runsheet_environment: staging\n',
        'host_vars/web1.yml': 'ansible_port: 2200\n',
        'README.md': 'not an inventory\n',
      });
      const by = Object.fromEntries(readAnsibleInventory(dir.path).map((h) => [h.name, h]));
      expect(Object.keys(by).sort()).toEqual(['db1', 'web1']);
      expect(by.web1).toMatchObject({
        hostname: '10.0.0.1',
        user: 'ops',
        port: 2200,
        environment: 'production',
        groups: ['web', 'prod'],
      });
      expect(by.db1).toMatchObject({ hostname: '10.0.0.2', environment: 'staging' });
    } finally {
      dir.cleanup();
    }
  });
});
