import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  file: string;
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** The host field as written: patterns, `[host]:port`, or a hashed `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: string;
}

/** What known_hosts says about the key a server presented. */
export type HostKeyVerdict =
  | { kind: 'known'; file: string; line: number }
  | { kind: 'unknown' }
  | { kind: 'changed'; file: string; line: number; knownType: string }
  | { kind: 'revoked'; file: string; line: number };

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (fields[0] === '@revoked' || fields[0] === '@cert-authority') {
      marker = fields[0] === '@revoked' ? 'revoked' : 'cert-authority';
      fields.shift();
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return;
    entries.push({ file, line: index + 1, marker, hosts, keyType, key });
  });
  return entries;
}

/** The name known_hosts uses for a host: `host`, or `[host]:port` off port 22. */
export function hostToken(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** Whether an entry's host field names this host (patterns with * ? and !negation, or hashed). */
export function hostMatches(field: string, host: string, port: number): boolean {
  const token = hostToken(host, port);
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(token).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const pattern of field.split(',')) {
    const negated = pattern.startsWith('!');
    const body = negated ? pattern.slice(1) : pattern;
    if (glob(body.toLowerCase(), token.toLowerCase())) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}

function glob(pattern: string, text: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\[/g, '\\[')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(text);
}

/**
 * Checks a presented key (type and base64 blob) against known_hosts files, as
 * OpenSSH does with StrictHostKeyChecking: a revoked key is refused; a match is
 * known; a host listed with other keys is a changed key, refused; else unknown.
 */
export function checkHostKey(
  files: string[],
  host: string,
  port: number,
  keyType: string,
  key: string,
): HostKeyVerdict {
  const entries = files
    .filter((f) => existsSync(f))
    .flatMap((f) => parseKnownHosts(readFileSync(f, 'utf8'), f));
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key === key);
  if (revoked) return { kind: 'revoked', file: revoked.file, line: revoked.line };
  const forHost = entries.filter((e) => e.marker === null && hostMatches(e.hosts, host, port));
  const same = forHost.find((e) => e.keyType === keyType && e.key === key);
  if (same) return { kind: 'known', file: same.file, line: same.line };
  const other = forHost[0];
  if (other)
    return { kind: 'changed', file: other.file, line: other.line, knownType: other.keyType };
  return { kind: 'unknown' };
}

/** The key's SHA-256 fingerprint exactly as `ssh-keygen -lf` prints it. */
export function fingerprint(key: string): string {
  return `SHA256:${createHash('sha256').update(Buffer.from(key, 'base64')).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside an SSH public-key blob (its first string). */
export function keyTypeOf(blob: Buffer): string {
  const length = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + length).toString('latin1');
}

/** Appends an accepted key in OpenSSH's format (what `ssh` writes for accept-new). */
export function appendKnownHost(
  file: string,
  host: string,
  port: number,
  keyType: string,
  key: string,
): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const prefix = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
  appendFileSync(file, `${prefix}${hostToken(host, port)} ${keyType} ${key}\n`, { mode: 0o600 });
}
