/** Hosts steps run on, and what the user is asked about them. Schemas first; types inferred. */
import { z } from 'zod';

/** A host the user can run steps on. */
export const InventoryHost = z.object({
  name: z.string(),
  hostname: z.string(),
  user: z.string().nullable(),
  /** Null when hosts.yaml leaves it to ssh_config (or 22). */
  port: z.number().int().nullable(),
  environment: z.string().nullable(),
  groups: z.array(z.string()),
  proxyJump: z.string().nullable(),
  source: z.enum(['ssh_config', 'hosts.yaml', 'ansible']),
});
export type InventoryHost = z.infer<typeof InventoryHost>;

/** What the user is asked about a host key no known_hosts file has. */
export const HostKeyQuestion = z.object({
  alias: z.string(),
  host: z.string(),
  fingerprint: z.string(),
  keyType: z.string(),
});
export type HostKeyQuestion = z.infer<typeof HostKeyQuestion>;

/**
 * What the user is asked to authenticate to a host (or unlock a key): a key's
 * passphrase, keyboard-interactive prompts (one-time codes) or a password.
 * `echo: false` answers are secret.
 */
export const AuthQuestion = z.object({
  kind: z.enum(['passphrase', 'keyboard-interactive', 'password']),
  alias: z.string(),
  host: z.string(),
  /** What the server (or the key) calls this request, e.g. "Verification". */
  title: z.string(),
  instructions: z.string(),
  prompts: z.array(z.object({ prompt: z.string(), echo: z.boolean() })).max(16),
});
export type AuthQuestion = z.infer<typeof AuthQuestion>;
