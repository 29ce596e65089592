import { describe, expect, it } from 'vitest';
import { parseAnsibleInventory } from './ansible';

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
