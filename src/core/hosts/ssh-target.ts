import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import SSHConfig from 'ssh-config';
import ssh2 from 'ssh2';
import type { SshTarget } from '../sessions/ssh-connect';
import type { AuthQuestion, HostKeyQuestion, InventoryHost } from '../../shared/model';
import { readSshConfig } from './ssh-config-file';
import { appendKnownHost, checkHostKey, fingerprint, hostToken, keyTypeOf } from './known-hosts';

/** How SSH hosts are found and trusted; the CLI flags mirror OpenSSH's. */
export interface SshOptions {
  /** Like `ssh -F`. Default: ~/.ssh/config when it exists. */
  configFile?: string;
  /** Like UserKnownHostsFile. Default: the config's, else ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** Like StrictHostKeyChecking=accept-new: trust and record unknown keys, never changed ones. */
  acceptNewHostKeys?: boolean;
  /** ssh-agent socket; default $SSH_AUTH_SOCK. */
  agent?: string;
  /**
   * Asked for an encrypted key's passphrase; the answer is kept in this process
   * for its lifetime (never logged, never sent to the renderer). Without it, an
   * encrypted key that the agent does not hold is an error naming the key file.
   */
  askPassphrase?: (keyFile: string) => Promise<string>;
  /**
   * Asked when the server wants keyboard-interactive answers (one-time codes) or,
   * last of all, a password. Answers stay in this process; null gives up.
   */
  askAuth?: (question: AuthQuestion) => Promise<string[] | null>;
  /** Asked about an unknown host key (showing its fingerprint); true trusts and records it. */
  askHostKey?: (question: HostKeyQuestion) => Promise<boolean>;
  /** Hosts of the workspace's hosts.yaml: they override HostName, User and Port for their name. */
  extraHosts?: InventoryHost[];
}

/** Passphrases given in this process, by key file. */
const passphrases = new Map<string, string>();

const expandHome = (path: string): string =>
  path.startsWith('~/') ? join(homedir(), path.slice(2)) : path;
const first = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value[0] : value;

/**
 * Resolves a host as `ssh` would (alias → HostName, User, Port, IdentityFile,
 * UserKnownHostsFile through ~/.ssh/config) and builds a strict host-key check:
 * known keys pass, changed or revoked keys are refused before authentication,
 * unknown keys are refused unless accept-new is on.
 */
export function resolveSshTarget(alias: string, options: SshOptions = {}, depth = 0): SshTarget {
  if (depth > 8) throw new Error(`${alias}: ProxyJump chain is longer than 8 hops (a loop?)`);
  const configFile = options.configFile ?? join(homedir(), '.ssh', 'config');
  let computed: Record<string, string | string[]> = {};
  if (existsSync(configFile)) {
    computed = SSHConfig.parse(readSshConfig(configFile)).compute(alias, {
      ignoreCase: true,
    });
  } else if (options.configFile) {
    throw new Error(`ssh config file not found: ${configFile}`);
  }
  const get = (key: string): string | string[] | undefined =>
    computed[key.toLowerCase()] ?? computed[key];
  const listed = options.extraHosts?.find((h) => h.name === alias && h.source !== 'ssh_config');
  const hostname = listed?.hostname ?? first(get('HostName')) ?? alias;
  const port = listed?.port ?? Number(first(get('Port')) ?? 22);
  const user = listed?.user ?? first(get('User')) ?? userInfo().username;
  const identities = ([] as string[]).concat(get('IdentityFile') ?? []).map(expandHome);
  const candidates = identities.length
    ? identities
    : ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => join(homedir(), '.ssh', n));
  const keyFile = candidates.find((f) => existsSync(f));
  const knownHosts = [
    options.knownHostsFile ??
      expandHome(first(get('UserKnownHostsFile')) ?? join(homedir(), '.ssh', 'known_hosts')),
  ];
  // ProxyJump hops, each resolved through the same config (its own jumps first).
  const proxyJump = listed?.proxyJump ?? first(get('ProxyJump'));
  const jumps =
    proxyJump && proxyJump.toLowerCase() !== 'none'
      ? proxyJump.split(',').flatMap((spec) => {
          const hop = jumpTarget(spec.trim(), options, depth + 1);
          return [...(hop.jumps ?? []), { ...hop, jumps: undefined }];
        })
      : [];
  let refusal: string | null = null;
  const where = `${alias} (${hostToken(hostname, port)})`;

  return {
    alias,
    hostname,
    port,
    user,
    privateKey: keyFile ? readFileSync(keyFile) : undefined,
    keyFile,
    passphrase: keyFile ? passphrases.get(keyFile) : undefined,
    async unlock(): Promise<string | undefined> {
      if (!keyFile) return undefined;
      const key = readFileSync(keyFile);
      if (!(ssh2.utils.parseKey(key) instanceof Error)) return undefined;
      const known = passphrases.get(keyFile);
      if (known !== undefined) return known;
      if (!options.askPassphrase) {
        throw new Error(
          `${alias}: the key ${keyFile} is encrypted; add it to ssh-agent or run where Runsheet can ask for its passphrase`,
        );
      }
      const answer = await options.askPassphrase(keyFile);
      if (ssh2.utils.parseKey(key, answer) instanceof Error)
        throw new Error(`${alias}: wrong passphrase for ${keyFile}`);
      passphrases.set(keyFile, answer);
      return answer;
    },
    keepaliveMs: first(get('ServerAliveInterval'))
      ? Number(first(get('ServerAliveInterval'))) * 1000
      : undefined,
    agent: options.agent ?? process.env.SSH_AUTH_SOCK,
    askAuth: options.askAuth,
    jumps,
    refusal: () => refusal,
    async verifyHostKey(blob: Buffer): Promise<boolean> {
      const type = keyTypeOf(blob);
      const key = blob.toString('base64');
      const print = `${fingerprint(key)} (${type})`;
      const verdict = checkHostKey(knownHosts, hostname, port, type, key);
      switch (verdict.kind) {
        case 'known':
          return true;
        case 'revoked':
          refusal = `the host key of ${where} is revoked (${verdict.file}:${verdict.line}); refusing to connect`;
          return false;
        case 'changed':
          refusal = `the host key of ${where} has CHANGED: it offered ${print}, but ${verdict.file}:${verdict.line} has a different ${verdict.knownType} key. Refusing to connect; no authentication was attempted. If the change is expected, remove line ${verdict.line} from ${verdict.file}.`;
          return false;
        case 'unknown':
          if (
            options.acceptNewHostKeys ||
            (options.askHostKey &&
              (await options.askHostKey({
                alias,
                host: hostToken(hostname, port),
                fingerprint: fingerprint(key),
                keyType: type,
              })))
          ) {
            appendKnownHost(knownHosts[0]!, hostname, port, type, key);
            return true;
          }
          refusal = `the host key of ${where} is not known: ${print}. Check it with the host's owner, then connect with --accept-new-host-keys (or add it to ${knownHosts[0]}).`;
          return false;
      }
    },
  };
}

/** A ProxyJump entry, `[user@]host[:port]`, where host may be an alias of the config. */
function jumpTarget(spec: string, options: SshOptions, depth: number): SshTarget {
  const match = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec);
  if (!match) throw new Error(`ProxyJump entry "${spec}" is not [user@]host[:port]`);
  const target = resolveSshTarget(match[2]!.replace(/^\[|\]$/g, ''), options, depth);
  return {
    ...target,
    user: match[1] ?? target.user,
    port: match[3] ? Number(match[3]) : target.port,
  };
}
